"""PEP 517 backend of taskhawk-conformance: the wheel is assembled from this repository by
tools/conformance/kit_build.py (standard library only), so building needs no package index."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root

from tools.conformance import kit_build  # after the root is on sys.path

__all__ = ["build_wheel", "get_requires_for_build_wheel"]


def get_requires_for_build_wheel(config_settings: dict[str, Any] | None = None) -> list[str]:
    return []


def build_wheel(
    wheel_directory: str,
    config_settings: dict[str, Any] | None = None,
    metadata_directory: str | None = None,
) -> str:
    return kit_build.build_wheel(Path(wheel_directory))
