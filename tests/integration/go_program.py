"""Building the Go package's programs for the integration tests, once per session, from the
versions go.mod and go.sum pin (GOFLAGS=-mod=readonly: a build never changes them)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

__all__ = ["build_go_program", "require_go"]


def require_go() -> str:
    go = shutil.which("go")
    if go is None:
        pytest.fail("go is not installed: the Go package's tests need Go 1.24 or later")
    return go


def build_go_program(module: Path, package: str, out: Path) -> Path:
    """`go build` of `package` (a path inside `module`) to `out`; the build's output on failure."""
    result = subprocess.run(
        [require_go(), "build", "-buildvcs=false", "-o", str(out), package],
        cwd=module, capture_output=True, text=True, timeout=900, check=False,
        env={**os.environ, "GOFLAGS": "-mod=readonly"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return out
