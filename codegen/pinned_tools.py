"""Running the code generators and formatters codegen depends on, as subprocesses.

Each tool runs from this interpreter (`python -m <tool>`), so the version constraints.txt pins is
the one that runs, with warnings as errors: a generator that warns may have dropped a constraint,
and anything it prints on stderr fails generation instead of passing unseen.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from codegen.errors import GenerationFailed

__all__ = ["run_pinned_tool"]


def run_pinned_tool(
    module: str, arguments: Sequence[str], stdin: str = "", cwd: Path | None = None
) -> str:
    """The tool's stdout; GenerationFailed when it exits non-zero or writes to stderr."""
    result = subprocess.run(
        [sys.executable, "-W", "error", "-m", module, *arguments],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )
    if result.returncode != 0 or result.stderr.strip():
        shown = " ".join([module, *arguments[:2]])
        raise GenerationFailed(f"{shown} failed (exit {result.returncode}):\n{result.stderr}")
    return result.stdout
