"""The Go package's generated validators against the Python library's: the same first
violation (path, rule and words) for each version and kind."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.test_typescript_bindings import _relabelled, _variants

ROOT = Path(__file__).resolve().parent.parent
GO_PACKAGE = ROOT / "bindings" / "go"

pytestmark = pytest.mark.skipif(shutil.which("go") is None, reason="go is not installed")


@pytest.fixture(scope="module")
def first_violations(tmp_path_factory: pytest.TempPathFactory) -> Path:
    program = tmp_path_factory.mktemp("go") / "firstviolations"
    subprocess.run(
        ["go", "build", "-buildvcs=false", "-o", str(program), "./internal/firstviolations"],
        cwd=GO_PACKAGE, check=True, timeout=600, env={**os.environ, "GOFLAGS": "-mod=readonly"},
    )  # fmt: skip
    return program


@pytest.mark.parametrize("kind", ["publish", "consume"])
def test_python_and_go_validators_report_the_same_first_violation(
    kind: str, first_violations: Path
) -> None:
    from taskhawk._generated import FORMAT_VERSIONS, SchemaViolation

    for version, format_version in FORMAT_VERSIONS.items():
        instances = [_relabelled(instance, version) for instance in _variants()]
        request = json.dumps({"version": version, "kind": kind, "instances": instances})
        result = subprocess.run(
            [str(first_violations)], input=request, capture_output=True, text=True, timeout=60,
            check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        validate = getattr(format_version, f"validate_{kind}")
        expected: list[Any] = []
        for instance in instances:
            try:
                validate(instance)
                expected.append(None)
            except SchemaViolation as violation:
                expected.append([violation.path, violation.rule, violation.message])
        assert json.loads(result.stdout) == expected
        assert expected.count(None) < len(expected) / 2
