"""Writing the generated tree, and comparing it with what is committed."""

from __future__ import annotations

import difflib
from pathlib import Path

from codegen.generate import GeneratedFile

__all__ = ["compare_tree", "write_tree"]


def write_tree(files: list[GeneratedFile], out: Path, suffix: str = ".py") -> None:
    """Replace every generated file; remove ones (named `*<suffix>`) no schema produces any more."""
    out.mkdir(parents=True, exist_ok=True)
    wanted = {file.name for file in files}
    for stale in out.glob(f"*{suffix}"):
        if stale.name not in wanted:
            stale.unlink()
    for file in files:
        (out / file.name).write_text(file.text, encoding="utf-8")


def compare_tree(files: list[GeneratedFile], out: Path, suffix: str = ".py") -> list[str]:
    """Return a unified diff (one string per line) between fresh output and the tree on disk."""
    lines: list[str] = []
    wanted = {file.name for file in files}
    for file in files:
        path = out / file.name
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != file.text:
            lines.extend(
                difflib.unified_diff(
                    current.splitlines(),
                    file.text.splitlines(),
                    fromfile=f"{path} (committed)",
                    tofile=f"{path} (from schema/)",
                    lineterm="",
                )
            )
    if out.exists():
        lines.extend(
            f"{path}: no schema generates this file"
            for path in sorted(out.glob(f"*{suffix}"))
            if path.name not in wanted
        )
    return lines
