"""`python -m codegen` run on copies of its inputs and outputs, drifted in every way its tests
check at once: a bound changed in schema/, a stray TypeScript file, a Go file changed, one
removed, one stray and one hand-written. Checked, written and checked again, once per test
session: a run costs seconds (it formats every module with the pinned tools), and the tests of
each generator read what they need from the same three runs, made by whichever pytest-xdist
worker asks first."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.once import once_per_session

__all__ = ["DRIFTED_BOUND", "CodegenRun", "DriftRuns", "drift_runs"]

ROOT = Path(__file__).resolve().parents[2]
DRIFTED_BOUND = 255  # the task name's maxLength in every publish.json and in 1.0's consume.json
# codegen's output option -> the committed tree it is a copy of, and its folder in the copy.
OUTPUTS = {
    "--out": (ROOT / "taskhawk" / "_generated", "py"),
    "--ts-out": (ROOT / "bindings" / "typescript" / "src" / "generated", "ts"),
    "--go-out": (ROOT / "bindings" / "go" / "wire", "go"),
    "--asyncapi-out": (ROOT / "asyncapi", "asyncapi"),
}


@dataclass(frozen=True)
class CodegenRun:
    returncode: int
    stdout: str
    stderr: str


@dataclass(frozen=True)
class DriftRuns:
    """What codegen said of the drifted copies (`stale`), its write, and the check after it."""

    tree: Path
    stale: CodegenRun
    written: CodegenRun
    fresh: CodegenRun

    def out(self, option: str) -> Path:
        """The copy that `option` (say "--ts-out") pointed at, as it is after the write."""
        return self.tree / OUTPUTS[option][1]


def drift_runs(tmp_path_factory: pytest.TempPathFactory) -> DriftRuns:
    tree, runs = once_per_session(tmp_path_factory, "codegen-drift", _make)
    stale, written, fresh = (CodegenRun(**runs[name]) for name in ("stale", "written", "fresh"))
    return DriftRuns(tree, stale, written, fresh)


def _make(tree: Path) -> dict[str, dict[str, Any]]:
    shutil.copytree(ROOT / "schema", tree / "schema")
    arguments = ["--schema-dir", str(tree / "schema")]
    for option, (committed, folder) in OUTPUTS.items():
        shutil.copytree(committed, tree / folder, ignore=shutil.ignore_patterns("__py*"))
        arguments += [option, str(tree / folder)]
    _drift(tree)
    stale = _codegen(*arguments, "--check")
    written = _codegen(*arguments)
    fresh = _codegen(*arguments, "--check")
    return {"stale": asdict(stale), "written": asdict(written), "fresh": asdict(fresh)}


def _drift(tree: Path) -> None:
    # Every publish.json alike: the typed decoder's one top-level Struct refuses a change to one.
    documents = [*sorted(tree.glob("schema/message/*/publish.json"))]
    for path in [*documents, tree / "schema" / "message" / "1.0" / "consume.json"]:
        document = json.loads(path.read_text())
        document["properties"]["task"]["maxLength"] = DRIFTED_BOUND
        path.write_text(json.dumps(document, indent=2))
    (tree / "ts" / "types-v0_9.ts").write_text("// left over\n")
    limits = tree / "go" / "limits_gen.go"
    limits.write_text(re.sub(r"MaxBatch( *)= 10", r"MaxBatch\1= 11", limits.read_text()))
    (tree / "go" / "naming_gen.go").unlink()
    (tree / "go" / "old_gen.go").write_text("package wire\n")
    (tree / "go" / "extra_test.go").write_text("package wire_test\n")  # hand-written: kept


def _codegen(*arguments: str) -> CodegenRun:
    done = subprocess.run(
        [sys.executable, "-m", "codegen", *arguments],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=240,
    )  # fmt: skip
    return CodegenRun(done.returncode, done.stdout, done.stderr)
