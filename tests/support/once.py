"""A value made once per test session and shared by every pytest-xdist worker: the first worker
to ask makes it (in a folder of its own, under the session's shared temporary folder) and
records it as JSON; the others wait for the record and read it."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

__all__ = ["once_per_session"]


def once_per_session(
    tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[Path], Any]
) -> tuple[Path, Any]:
    """(`make`'s folder, what it returned), `make` called with an empty folder at most once."""
    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder, record = root / name, root / f"{name}.json"
    with (root / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not record.exists():
            shutil.rmtree(folder, ignore_errors=True)  # what a failed attempt left
            folder.mkdir()
            record.write_text(json.dumps(make(folder)))
    return folder, json.loads(record.read_text())
