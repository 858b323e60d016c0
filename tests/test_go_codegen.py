"""codegen's Go output: drift in bindings/go/wire is caught (and hand-written files beside it are
not taken for stale output), regexes and string literals are spelled as Go reads them, and
an unportable construct is refused by name."""

from __future__ import annotations

import re
import shutil

import pytest

from codegen.errors import UnsupportedSchema
from codegen.golang.go_keywords import go_literal
from codegen.golang.go_regex import go_regex, regex_expression
from codegen.golang.go_validator import compile_go
from tests.support.codegen_runs import drift_runs

pytestmark = pytest.mark.skipif(shutil.which("gofmt") is None, reason="Go is not installed")


def test_check_catches_a_changed_a_missing_and_a_stray_go_file(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """On copies (tests/support/codegen_runs.py): limits_gen.go says MaxBatch = 11,
    naming_gen.go is gone, old_gen.go is stray and extra_test.go hand-written."""
    drift = drift_runs(tmp_path_factory)
    result, go_out = drift.stale, drift.out("--go-out")
    assert result.returncode == 1
    assert re.search(r"^-\s*MaxBatch *= 11$", result.stderr, re.MULTILINE)
    assert re.search(r"^\+\s*MaxBatch *= 10$", result.stderr, re.MULTILINE)
    assert "naming_gen.go (committed)" in result.stderr
    assert "old_gen.go: no schema generates this file" in result.stderr
    assert "extra_test.go" not in result.stderr
    assert drift.written.returncode == 0, drift.written.stderr
    assert (go_out / "naming_gen.go").exists() and not (go_out / "old_gen.go").exists()
    assert (go_out / "extra_test.go").exists()
    assert drift.fresh.returncode == 0, drift.fresh.stderr


def test_regexes_are_spelled_for_re2() -> None:
    assert go_regex(r"^[^\u0000-\u001F]+$") == r"^[^\x{0000}-\x{001F}]+$"
    assert go_regex("^a.b$") == "^a[^\\n\\r\\x{2028}\\x{2029}]b$"
    assert go_regex("[.]") == "[.]"  # a period in a class is a period
    assert go_regex(r"\0") == r"\x{0}"
    assert regex_expression("^x$", "#") == "regexp.MustCompile(`^x$`)"
    with pytest.raises(UnsupportedSchema, match="#/pattern: unportable regex"):
        regex_expression(r"(?=x)", "#/pattern")


def test_string_literals_are_go_literals() -> None:
    assert go_literal('say "hi" \\ é 😀\n') == '"say \\"hi\\" \\\\ \\u00e9 \\U0001f600\\u000a"'
    with pytest.raises(UnsupportedSchema, match="unpaired surrogate"):
        go_literal("\ud800")


def test_an_unsupported_keyword_is_refused_by_name() -> None:
    with pytest.raises(UnsupportedSchema, match="#: unsupported keyword 'anyOf'"):
        compile_go({"anyOf": [{"type": "string"}]}, "test")
