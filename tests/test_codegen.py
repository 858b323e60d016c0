"""codegen: deterministic output, honest headers, a --check that fails on drift, refusals that
name what they refuse, each template on its own, and the compiler's JSON Schema semantics."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from codegen.errors import GenerationFailed, UnsupportedSchema
from codegen.generate import generate_package
from codegen.render import GeneratorVersions, Renderer
from codegen.schemas import SchemaFile
from codegen.validator_compiler import compile_validator
from codegen.validators import compile_schema
from tests.support.codegen_runs import DRIFTED_BOUND, drift_runs
from tests.support.once import once_per_session
from tests.test_schema_differential import EcmaValidator

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_DIR = ROOT / "schema"
RENDERER = Renderer(GeneratorVersions.installed())


def schema_file(document: dict[str, Any], kind: str = "consume") -> SchemaFile:
    return SchemaFile(
        "9.9", kind, f"schema/message/9.9/{kind}.json", json.dumps(document), document
    )


def compiled_module(document: dict[str, Any]) -> dict[str, Any]:
    """Render and load a validator module for `document`, as `make generate` would write it."""
    text = RENDERER.validator_module(schema_file(document), compile_schema(schema_file(document)))
    namespace: dict[str, Any] = {"__name__": "generated_for_test"}
    exec(compile(text, "<generated>", "exec"), namespace)
    return namespace


def _generate(_: Path) -> dict[str, str]:
    return {file.name: file.text for file in generate_package(SCHEMA_DIR)}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Once per session: generation runs the pinned formatters on every module (seconds)."""
    files: dict[str, str] = once_per_session(tmp_path_factory, "codegen-python", _generate)[1]
    return files


def test_generation_is_deterministic(generated: dict[str, str]) -> None:
    again = {file.name: file.text for file in generate_package(SCHEMA_DIR)}
    assert again == generated


def test_committed_tree_matches_generation(generated: dict[str, str]) -> None:
    out = ROOT / "taskhawk" / "_generated"
    assert {path.name: path.read_text() for path in out.glob("*.py")} == generated


@pytest.mark.parametrize("kind", ["publish", "consume"])
def test_validator_header_names_source_digest_and_do_not_edit(
    generated: dict[str, str], kind: str
) -> None:
    source = SCHEMA_DIR / "message" / "1.0" / f"{kind}.json"
    text = generated[f"validate_v1_0_{kind}.py"]
    head = text.split('"""')[0]
    assert f"# Source: schema/message/1.0/{kind}.json" in head
    assert hashlib.sha256(source.read_bytes()).hexdigest() in head
    assert "Do not edit" in head
    imports = {line for line in text.splitlines() if line.startswith(("import ", "from "))}
    assert imports == {
        "from __future__ import annotations",
        "import re",
        "from collections.abc import Iterator",
        "from typing import Any",
        "from taskhawk._generated.errors import "
        "SchemaViolation, first_violation, member_path, quote",
    }
    assert "raise" not in text.split("def iter_errors")[1]  # no exception on any path


def test_check_fails_on_schema_drift_and_passes_once_written(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """On copies (tests/support/codegen_runs.py); `make check-generated` checks the real tree."""
    drift = drift_runs(tmp_path_factory)
    validator = drift.out("--out") / "validate_v1_0_consume.py"
    assert drift.stale.returncode == 1
    assert "out of date" in drift.stale.stderr
    assert f"{validator} (committed)" in drift.stale.stderr
    words = f'"maxLength", r"must have at most {DRIFTED_BOUND} characters")'
    assert f"+            yield SchemaViolation(path, {words}" in drift.stale.stderr
    assert drift.written.returncode == 0, drift.written.stderr
    assert str(DRIFTED_BOUND) in validator.read_text()
    assert drift.fresh.returncode == 0, drift.fresh.stderr


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda d: d["properties"]["task"].update(format="hostname"), "task#format"),
        (lambda d: d["properties"]["task"].update(pattern="^\\d+$"), "properties/task/pattern"),
        (lambda d: d.update(anyOf=[{"type": "object"}]), "#anyOf"),
        # Errors say every rule in words: a pattern needs them in codegen/pattern_words.py.
        (lambda d: d["properties"]["task"].update(pattern="^[a-z.]+$"), "no words for this"),
        (
            lambda d: d["properties"]["task"].update({"not": {"pattern": "^x"}}),
            "properties/task/not/pattern: no words",
        ),
    ],
)
def test_unsupported_schemas_fail_generation_naming_the_cause(
    tmp_path: Path, change: Any, named: str
) -> None:
    shutil.copytree(SCHEMA_DIR, tmp_path / "schema")
    consume = tmp_path / "schema" / "message" / "1.0" / "consume.json"
    document = json.loads(consume.read_text())
    change(document)
    consume.write_text(json.dumps(document))
    with pytest.raises(GenerationFailed, match=named.replace("#", "[#/]")):
        generate_package(tmp_path / "schema")


@pytest.mark.parametrize(
    ("document", "named"),
    [
        ({"type": "string", "format": "uuid"}, "'format'"),
        ({"pattern": "(?=a)"}, "look-around"),
        ({"pattern": "\\w+"}, "\\w"),
        ({"$ref": "https://example.com/other.json"}, "$ref"),
        ({"type": "text"}, "unknown type"),
        ({"properties": {"a": {"if": {}}}}, "#/properties/a: unsupported keyword 'if'"),
    ],
)
def test_compiler_refuses_what_it_does_not_implement(document: dict[str, Any], named: str) -> None:
    with pytest.raises(UnsupportedSchema) as caught:
        compile_validator(document)
    assert named in str(caught.value)


def test_errors_template_renders_a_working_module() -> None:
    namespace: dict[str, Any] = {}
    exec(compile(RENDERER.errors_module(), "<errors>", "exec"), namespace)
    violation = namespace["SchemaViolation"]("$.headers", "pattern", "does not match x")
    assert str(violation) == "$.headers: does not match x"
    assert violation.about_name("a b").message == 'name "a b" does not match x'
    assert namespace["member_path"]("$", "a b") == "$['a b']"
    assert namespace["member_path"]("$", "ok_1") == "$.ok_1"
    assert namespace["json_in"](1.0, (1,)) and not namespace["json_in"](True, (1,))


def test_validator_template_renders_header_docstring_and_entry_points() -> None:
    text = RENDERER.validator_module(
        schema_file({"type": "integer"}), compile_schema(schema_file({"type": "integer"}))
    )
    assert text.startswith("# Generated by `make generate`")
    assert "schema/message/9.9/consume.json" in text
    assert "def validate(data: Any) -> None:" in text
    assert "def iter_errors(data: Any) -> Iterator[SchemaViolation]:" in text
    assert "import re" not in text


def test_registry_and_models_templates_render(generated: dict[str, str]) -> None:
    registry = generated["__init__.py"]
    assert "iter_errors_consume=_consume_v1_0.iter_errors" in registry
    assert "schema/message/1.0/publish.json" in registry
    files = [schema_file({}, "publish"), schema_file({}, "consume")]
    assert 'LATEST_VERSION = "9.9"' in RENDERER.registry_module(files[:1], files)
    models = RENDERER.models_module(files[0], "@dataclass\nclass Message:\n    id: str\n")
    assert 'FORMAT_VERSION = "9.9"' in models and "class Message" in models


SEMANTICS: list[tuple[dict[str, Any], list[Any]]] = [
    ({"type": "integer"}, [1, 1.0, 1.5, True, "1", None, 2**64]),
    ({"type": "number", "minimum": 0, "maximum": 1}, [0, 1, 1.0, 0.5, -0.1, 2, False]),
    ({"enum": [1, True, None, "a", [1], {"a": 1}]}, [1, 1.0, True, 0, None, "a", [1], [True], {}]),
    ({"const": False}, [False, 0, None, True]),
    ({"type": "string", "minLength": 2, "maxLength": 2},
     ["ab", "a", "\U0001f600\U0001f600", "abc"]),
    ({"pattern": "^a.c$"}, ["abc", "abc\n", "a\nc", "a\u2028c", "xabc", 5]),
    ({"pattern": "b"}, ["abc", "xyz"]),
    ({"not": {"pattern": "^x"}}, ["xa", "ax", 5]),
    ({"not": {"type": "string", "pattern": "^x"}}, ["xa", "ax", 5]),
    ({"not": {"type": "integer"}}, [1, "a"]),
    ({"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 2},
     [["a"], [], ["a", 1], ["a", "b", "c"], {}]),
    ({"type": "object", "maxProperties": 1, "patternProperties": {"^x": {"type": "integer"}},
      "additionalProperties": {"type": "string"}},
     [{"x1": 1}, {"x1": "a"}, {"y": "a"}, {"y": 1}, {"a": "b", "c": "d"}]),
    ({"type": "object", "properties": {"a": {"type": "string"}}, "patternProperties": {"^b": {}},
      "additionalProperties": False, "propertyNames": {"maxLength": 2}},
     [{"a": "x"}, {"b1": 1}, {"c": 1}, {"abc": 1}, {"a": 1}]),
    ({"$defs": {"n": {"type": ["integer", "null"]}}, "type": "object", "properties": {
        "v": {"$ref": "#/$defs/n"}, "w": {"$ref": "#/$defs/n", "minimum": 3}}},
     [{"v": None}, {"v": 1}, {"v": "a"}, {"w": 2}, {"w": 3}, {"w": None}]),
    ({"type": "object", "required": ["a b"], "additionalProperties": False},
     [{"a b": 1}, {}, {"a b": 1, "c": 2}]),
    (True, [1, None]),
]  # fmt: skip


@pytest.mark.parametrize(("schema", "instances"), SEMANTICS, ids=lambda v: json.dumps(v)[:40])
def test_compiled_validator_agrees_with_the_oracle(schema: Any, instances: list[Any]) -> None:
    document = schema if isinstance(schema, dict) else {"not": {"not": schema}}
    module = compiled_module(document)
    oracle = EcmaValidator(document)
    for instance in instances:
        errors = list(module["iter_errors"](instance))
        assert (not errors) == oracle.is_valid(instance), (instance, errors)
        if errors:
            with pytest.raises(ValueError, match="^" + re.escape(errors[0].path)):
                module["validate"](instance)
        else:
            module["validate"](instance)


def test_violations_carry_json_paths_rules_and_messages() -> None:
    module = compiled_module(
        {"type": "object", "properties": {"h": {"type": "object", "additionalProperties": {
            "type": "array", "items": {"type": "integer"}}}}}
    )  # fmt: skip
    errors = list(module["iter_errors"]({"h": {"a b": [1, "x"], "c": 5}}))
    assert [(e.path, e.rule, e.message) for e in errors] == [
        ("$.h['a b'][1]", "type", "must be an integer"),
        ("$.h.c", "type", "must be an array"),
    ]
