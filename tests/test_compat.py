"""The compatibility checker (`make compat`, `python -m codegen.compat`): each breaking edit is
caught, with the kind and pointer it has and a counterexample both validators confirm; what a
minor may do (an optional field, a wider constraint, an annotation) passes; and released files
are compared with a git ref. Schemas are edited in copies of schema/ (and a scratch repository
for the ref), never in place."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from codegen import pattern_words
from codegen.compat.__main__ import main
from codegen.compat.changes import Kind, instance_path
from codegen.compat.counterexample import Search
from codegen.compat.diff import diff_documents
from codegen.compat.judges import Judge
from codegen.compat.outcomes import Outcome
from codegen.compat.regex_examples import pattern_examples
from codegen.compat.tree import check_tree, minor_changes
from codegen.schemas import SchemaFile, load_schemas
from taskhawk._generated import FORMAT_VERSIONS

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_DIR = ROOT / "schema"
LATEST = max(FORMAT_VERSIONS, key=lambda v: tuple(map(int, v.split("."))))
NEXT = f"1.{int(LATEST.split('.')[1]) + 1}"
Edit = Callable[[dict[str, Any]], None]
GIT_IDENTITY = ["-c", "user.name=taskhawk tests", "-c", "user.email=tests@example.invalid"]


def git(cwd: Path, *arguments: str) -> str:
    done = subprocess.run(
        ["git", *GIT_IDENTITY, *arguments], cwd=cwd, capture_output=True, text=True, check=True
    )
    return done.stdout


@pytest.fixture(autouse=True)
def _words_for_test_patterns(monkeypatch: pytest.MonkeyPatch) -> None:
    """codegen refuses a pattern its errors cannot put in words; these are the tests' own."""
    monkeypatch.setitem(pattern_words.PATTERN_WORDS, "^[ -~]+$", "must be printable ASCII")
    monkeypatch.setitem(pattern_words.NEGATED_PATTERN_WORDS, "^[Aa]", "must not start with a")


def schema_copy(tmp_path: Path) -> Path:
    """schema/ in a scratch git repository, committed on `main`."""
    shutil.copytree(SCHEMA_DIR, tmp_path / "schema")
    git(tmp_path, "init", "--quiet", "--initial-branch=main")
    git(tmp_path, "add", "schema")
    git(tmp_path, "commit", "--quiet", "--message", "schema as released")
    return tmp_path / "schema"


def metadata(document: dict[str, Any]) -> dict[str, Any]:
    properties: dict[str, Any] = document["$defs"]["Metadata"]
    return properties


def add_minor(schema_dir: Path, edit: Edit, version: str = NEXT) -> None:
    """message/<version>/ derived from the newest released version through `edit`."""
    target = schema_dir / "message" / version
    target.mkdir()
    for kind in ("publish", "consume"):
        document = json.loads((SCHEMA_DIR / "message" / LATEST / f"{kind}.json").read_text())
        document["$id"] = f"urn:taskhawk:schema:message:{version}:{kind}"
        document["x-format-version"] = version
        metadata(document)["properties"]["version"]["enum"] = [version]
        edit(document)
        (target / f"{kind}.json").write_text(json.dumps(document, indent=2) + "\n")


def edit_released(schema_dir: Path, edit: Edit, kind: str = "consume") -> None:
    path = schema_dir / "message" / "1.0" / f"{kind}.json"
    document = json.loads(path.read_text())
    edit(document)
    path.write_text(json.dumps(document, indent=2) + "\n")


def minor_outcomes(schema_dir: Path) -> list[Outcome]:
    """What the checker says about the new minor's consume.json against its predecessor."""
    files, problems = load_schemas(schema_dir)
    assert problems == []
    heading = f"{NEXT} consume.json succeeds {LATEST}"
    sections = [s for s in check_tree(files) if s.heading == heading]
    assert len(sections) == 1
    return sections[0].outcomes


def assert_proved(outcome: Outcome, schema_dir: Path) -> dict[str, Any]:
    """The counterexample, checked independently: the older version's committed generated
    validator and plain jsonschema accept it; jsonschema refuses it under the new file."""
    proof = outcome.counterexample
    assert proof is not None, outcome.change
    message = copy.deepcopy(proof.message)
    older = json.loads((schema_dir / "message" / LATEST / "consume.json").read_text())
    newer = json.loads((schema_dir / "message" / NEXT / "consume.json").read_text())
    FORMAT_VERSIONS[LATEST].validate_consume(message)
    assert jsonschema.Draft202012Validator(older).is_valid(message)
    message["metadata"]["version"] = NEXT
    assert not jsonschema.Draft202012Validator(newer).is_valid(message)
    assert proof.refused.generated_reason, "the generated validator must refuse it too"
    return proof.message  # type: ignore[no-any-return]


def run(schema_dir: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    code = main(["--schema-dir", str(schema_dir), *extra])
    return code, capsys.readouterr().out


def test_the_repository_schemas_pass(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(SCHEMA_DIR, capsys)
    assert code == 0, out
    assert out.splitlines()[-1].startswith("compat: ok: ")
    pointer = "schema/message/1.1/consume.json#/$defs/Metadata/properties/eta"
    assert f"compatible OPTIONAL_PROPERTY_ADDED {pointer} $.metadata.eta: 'eta' added" in out


BREAKING_EDITS: list[tuple[str, Edit, Kind, str, str]] = [
    # id, edit, kind, pointer, where the counterexample differs from the plain message
    ("field-made-required", lambda d: metadata(d)["required"].append("eta"),
     Kind.REQUIRED_PROPERTY_ADDED, "/$defs/Metadata/required", ""),
    ("enum-value-removed", lambda d: metadata(d)["properties"]["priority"]["enum"].remove("bulk"),
     Kind.ENUM_VALUE_REMOVED, "/$defs/Metadata/properties/priority/enum", '"priority":"bulk"'),
    ("max-length-decreased", lambda d: d["properties"]["task"].update(maxLength=255),
     Kind.MAX_LENGTH_DECREASED, "/properties/task/maxLength", '"task":"' + "0" * 256),
    ("maximum-decreased", lambda d: metadata(d)["properties"]["eta"].update(maximum=2**41),
     Kind.MAXIMUM_DECREASED, "/$defs/Metadata/properties/eta/maximum", '"eta":9007199254740991'),
    ("minimum-increased", lambda d: metadata(d)["properties"]["expires"].update(minimum=1),
     Kind.MINIMUM_INCREASED, "/$defs/Metadata/properties/expires/minimum", '"expires":0'),
    ("type-narrowed", lambda d: metadata(d)["properties"]["timestamp"].update(type="integer"),
     Kind.TYPE_NARROWED, "/$defs/Metadata/properties/timestamp/type", '"timestamp":"'),
    ("additional-properties-closed",
     lambda d: d["properties"]["headers"].update(additionalProperties=False),
     Kind.ADDITIONAL_PROPERTIES_CLOSED, "/properties/headers/additionalProperties",
     '"headers":{"0":"0"}'),
    ("property-removed", lambda d: metadata(d)["properties"].pop("expires"),
     Kind.PROPERTY_REMOVED, "/$defs/Metadata/properties/expires", '"expires":0'),
    ("header-name-shortened",
     lambda d: d["properties"]["headers"]["propertyNames"].update(maxLength=20),
     Kind.MAX_LENGTH_DECREASED, "/properties/headers/propertyNames/maxLength",
     '"headers":{"' + "0" * 21),
    ("reserved-prefix-widened",  # a `not` that refuses more accepts less
     lambda d: d["properties"]["headers"]["propertyNames"]["not"].update(pattern="^[Aa]"),
     Kind.PATTERN_CHANGED, "/properties/headers/propertyNames/not/pattern",
     '"headers":{"a":"0"}'),
]  # fmt: skip


@pytest.mark.parametrize(
    ("edit", "kind", "pointer", "shows"),
    [pytest.param(*case[1:], id=case[0]) for case in BREAKING_EDITS],
)
def test_a_breaking_minor_is_caught_with_a_counterexample(
    tmp_path: Path, edit: Edit, kind: Kind, pointer: str, shows: str
) -> None:
    schema_dir = schema_copy(tmp_path)
    add_minor(schema_dir, edit)
    breaking = [o for o in minor_outcomes(schema_dir) if o.change.breaking]
    assert [(o.change.kind, o.change.pointer) for o in breaking] == [(kind, pointer)]
    message = assert_proved(breaking[0], schema_dir)
    assert shows in json.dumps(message, separators=(",", ":"))


def test_a_required_field_counterexample_is_the_plain_message(tmp_path: Path) -> None:
    schema_dir = schema_copy(tmp_path)
    add_minor(schema_dir, lambda d: metadata(d)["required"].append("eta"))
    (outcome,) = [o for o in minor_outcomes(schema_dir) if o.change.breaking]
    assert outcome.counterexample is not None
    assert outcome.counterexample.message == {
        "id": "00000000-0000-0000-0000-000000000000",
        "metadata": {"priority": "default", "timestamp": 0, "version": LATEST},
        "headers": {},
        "task": "0",
        "kwargs": {},
    }


def test_a_pattern_narrowed_where_the_plain_values_still_fit_is_found_by_generation(
    tmp_path: Path,
) -> None:
    """Every value built from the keywords ("0", "a", ...) is ASCII, so only generation finds
    a task name the ASCII-only pattern refuses."""
    schema_dir = schema_copy(tmp_path)
    add_minor(schema_dir, lambda d: d["properties"]["task"].update(pattern="^[ -~]+$"))
    (outcome,) = [o for o in minor_outcomes(schema_dir) if o.change.breaking]
    assert outcome.change.kind is Kind.PATTERN_CHANGED
    task = assert_proved(outcome, schema_dir)["task"]
    assert not task.isascii()


def test_a_compatible_minor_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def widen(document: dict[str, Any]) -> None:
        metadata(document)["properties"]["note"] = {"type": "string", "maxLength": 64}
        metadata(document)["properties"]["priority"]["enum"].append("urgent")
        document["properties"]["task"]["maxLength"] = 512
        document["properties"]["task"]["description"] = "A longer name is allowed from here."

    schema_dir = schema_copy(tmp_path)
    add_minor(schema_dir, widen)
    kinds = {o.change.kind for o in minor_outcomes(schema_dir)}
    assert kinds == {
        Kind.ANNOTATION_CHANGED,
        Kind.OPTIONAL_PROPERTY_ADDED,
        Kind.ENUM_VALUE_ADDED,
        Kind.MAX_LENGTH_INCREASED,
    }
    code, out = run(schema_dir, capsys, "--against", "main")
    assert code == 0, out
    assert f"compatible OPTIONAL_PROPERTY_ADDED schema/message/{NEXT}/consume.json#" in out


def test_the_report_of_a_breaking_minor(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    schema_dir = schema_copy(tmp_path)
    add_minor(schema_dir, lambda d: metadata(d)["properties"]["priority"]["enum"].remove("bulk"))
    code, out = run(schema_dir, capsys, "--against", "main")
    assert code == 1
    pointer = f"schema/message/{NEXT}/consume.json#/$defs/Metadata/properties/priority/enum"
    plain = '"headers":{},"task":"0","kwargs":{}}'
    assert (
        f'  BREAKING   ENUM_VALUE_REMOVED {pointer} $.metadata.priority: "bulk" removed\n'
        '    counterexample: {"id":"00000000-0000-0000-0000-000000000000","metadata":'
        f'{{"priority":"bulk","timestamp":0,"version":"{LATEST}"}},{plain}\n'
        f"    {LATEST} consume.json accepts it, {NEXT} consume.json (metadata.version set to "
        f"{NEXT}) refuses it (jsonschema at $.metadata.priority; generated: "
        '$.metadata.priority: must be one of "default", "high", "low")\n'
    ) in out
    assert out.splitlines()[-1].startswith("compat: FAILED: ")
    again = run(schema_dir, capsys, "--against", "main")
    assert again == (code, out)  # generation is derandomized: the same report every run


def test_a_released_file_edited_is_caught(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schema_dir = schema_copy(tmp_path)
    edit_released(schema_dir, lambda d: d["properties"]["task"].update(maxLength=255))
    code, out = run(schema_dir, capsys)
    assert code == 1
    assert (
        "BREAKING   RELEASED_FILE_EDITED schema/message/1.0/consume.json#/properties/task/"
        "maxLength $.task: maxLength 256 -> 255 (MAX_LENGTH_DECREASED)"
    ) in out
    assert '"task":"' + "0" * 256 + '"' in out
    assert "1.0 consume.json as released accepts it, 1.0 consume.json as edited refuses it" in out


def test_a_released_file_widened_is_caught_the_other_way_round(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schema_dir = schema_copy(tmp_path)
    edit_released(schema_dir, lambda d: d["properties"]["task"].update(maxLength=300))
    code, out = run(schema_dir, capsys)
    assert code == 1
    assert "RELEASED_FILE_EDITED schema/message/1.0/consume.json#/properties/task/maxLength" in out
    assert "1.0 consume.json as edited accepts it, 1.0 consume.json as released refuses it" in out


def test_annotation_edits_to_a_released_file_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def annotate(document: dict[str, Any]) -> None:
        document["properties"]["task"]["description"] = "The registered name of the task."
        document["properties"]["task"]["title"] = "TaskName"
        del document["properties"]["kwargs"]["description"]

    schema_dir = schema_copy(tmp_path)
    edit_released(schema_dir, annotate)
    code, out = run(schema_dir, capsys)
    assert code == 0, out
    released = out.split("compat: released files")[1].splitlines()[1:-1]
    assert released == [
        "  compatible ANNOTATION_CHANGED schema/message/1.0/consume.json#/properties/kwargs/"
        'description: removed "Keyword arguments."',
        "  compatible ANNOTATION_CHANGED schema/message/1.0/consume.json#/properties/task/"
        'description: "Name the task is registered under in the consumer, e.g. ... -> '
        '"The registered name of the task."',
        "  compatible ANNOTATION_CHANGED schema/message/1.0/consume.json#/properties/task/title: "
        'added "TaskName"',
    ]


def test_a_released_version_removed_is_caught(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schema_dir = schema_copy(tmp_path)
    shutil.rmtree(schema_dir / "message" / LATEST)
    code, out = run(schema_dir, capsys)
    assert code == 1
    assert f"BREAKING   RELEASED_VERSION_REMOVED schema/message/{LATEST}/consume.json#" in out
    assert f'"version":"{LATEST}"' in out


def test_released_means_the_last_commit_on_main_that_touched_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schema_dir = schema_copy(tmp_path)
    edit_released(schema_dir, lambda d: d["properties"]["task"].update(maxLength=255), "publish")
    git(tmp_path, "checkout", "--quiet", "-b", "feature")
    git(tmp_path, "commit", "--quiet", "--all", "--message", "1.0 edited on a branch")
    code, out = run(schema_dir, capsys)
    assert code == 1
    assert "released files at the last commit on main that touched schema/" in out
    assert run(schema_dir, capsys, "--against", "feature")[0] == 0


def test_a_ref_that_cannot_be_read_stops_the_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schema_dir = schema_copy(tmp_path)
    assert main(["--schema-dir", str(schema_dir), "--against", "no-such-ref"]) == 2
    assert "no-such-ref" in capsys.readouterr().err
    git(tmp_path, "branch", "--move", "main", "trunk")
    assert main(["--schema-dir", str(schema_dir)]) == 2
    assert "AGAINST=<ref>" in capsys.readouterr().err


def test_a_reformatted_released_file_is_reported_but_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schema_dir = schema_copy(tmp_path)
    path = schema_dir / "message" / "1.0" / "publish.json"
    path.write_text(json.dumps(json.loads(path.read_text())) + "\n")
    code, out = run(schema_dir, capsys)
    assert code == 0, out
    assert "compatible FORMATTING_CHANGED schema/message/1.0/publish.json#" in out


def test_consume_must_read_what_publish_allows(tmp_path: Path) -> None:
    schema_dir = schema_copy(tmp_path)
    edit_released(schema_dir, lambda d: d["properties"]["task"].update(maxLength=100))
    files, _ = load_schemas(schema_dir)
    (section,) = [s for s in check_tree(files) if s.heading.startswith("1.0 consume.json reads")]
    assert [o.change.kind for o in section.breaking] == [Kind.MAX_LENGTH_DECREASED]


@pytest.mark.parametrize(
    ("pattern", "length", "expected"),
    [
        ("^[0-9a-f]{8}-[0-9a-f]{4}$", None, "00000000-0000"),
        ("^[^\\u0000-\\u001F]+$", 3, "000"),
        ("^([Aa][Ww][Ss]|[Aa][Mm][Aa][Zz][Oo][Nn])\\.", None, "aWS."),
        ("^(\\.[0-9]{1,9})?Z$", None, "Z"),
        ("^x{2}$", 5, None),
    ],
)
def test_pattern_examples_match_their_pattern(
    pattern: str, length: int | None, expected: str | None
) -> None:
    found = pattern_examples(pattern, length)
    assert (found[0] if found else None) == expected


DOCUMENTED_REPORT = ROOT / "docs" / "examples" / "compat_report.txt"


def documented_scenario(document: dict[str, Any]) -> None:
    """The page's example: a new minor adds an optional field and drops a priority."""
    document["description"] = document["description"].replace(f"format {LATEST}", f"format {NEXT}")
    metadata(document)["properties"]["trace_id"] = {
        "description": "Tracing id the publisher chose; absent: none.",
        "type": "string",
        "maxLength": 64,
    }
    metadata(document)["properties"]["priority"]["enum"].remove("bulk")


def test_the_documented_report_is_what_the_checker_prints(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schema_dir = schema_copy(tmp_path)
    add_minor(schema_dir, documented_scenario)
    code, out = run(schema_dir, capsys, "--against", "main")
    assert code == 1
    lines = out.splitlines()
    start = lines.index(f"compat: {NEXT} consume.json succeeds {LATEST}: 3 changes, 1 breaking")
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("compat: "))
    excerpt = ["$ make compat", *lines[start:end], "...", lines[-1]]
    assert DOCUMENTED_REPORT.read_text(encoding="utf-8") == "\n".join(excerpt) + "\n"


def kinds(old: dict[str, Any], new: dict[str, Any]) -> list[tuple[str, bool]]:
    return [(c.kind.name, c.breaking) for c in diff_documents(old, new)]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        # A bound on strings where only integers were allowed changes nothing.
        ({"type": "integer"}, {"type": "integer", "maxLength": 3}, [("MAX_LENGTH_ADDED", False)]),
        # Through `not` the verdict turns: the inner schema refusing more accepts less.
        (
            {"type": "string", "not": {"maxLength": 3}},
            {"type": "string", "not": {"maxLength": 5}},
            [("MAX_LENGTH_INCREASED", True)],
        ),
        ({"type": "number"}, {"type": "integer"}, [("TYPE_NARROWED", True)]),
        ({"type": "integer"}, {"type": "number"}, [("TYPE_WIDENED", False)]),
        ({"type": ["integer", "number"]}, {"type": "number"}, []),  # integers are numbers
        ({"enum": [1, True]}, {"enum": [1.0, True]}, []),  # JSON equality: 1 is 1.0
        ({"enum": [1]}, {"enum": [True]},
         [("ENUM_VALUE_REMOVED", True), ("ENUM_VALUE_ADDED", False)]),
        # A property added to an open object, as loose as what was allowed there: harmless.
        ({"type": "object"}, {"type": "object", "properties": {"a": {}}},
         [("PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", False)]),
        # The same content under another $defs name is the same schema.
        ({"$ref": "#/$defs/A", "$defs": {"A": {"type": "string"}}},
         {"$ref": "#/$defs/B", "$defs": {"B": {"type": "string"}}}, []),
    ],
)  # fmt: skip
def test_structural_comparison_judges_meaning(
    old: dict[str, Any], new: dict[str, Any], expected: list[tuple[str, bool]]
) -> None:
    assert kinds(old, new) == expected


def test_a_change_inside_not_is_proved_the_right_way_round() -> None:
    def file(document: dict[str, Any]) -> SchemaFile:
        return SchemaFile("9.9", "consume", "9.9/consume.json", json.dumps(document), document)

    old = {"type": "string", "not": {"maxLength": 3}}
    new = {"type": "string", "not": {"maxLength": 5}}
    (change,) = diff_documents(old, new)
    proof = Search(Judge(file(old)), Judge(file(new)), lambda m: m).find(change.focus)
    assert proof is not None
    assert len(proof.message) in (4, 5)  # long enough for the old `not`, short for the new one
    assert proof.accepted.valid and not proof.refused.reference and not proof.refused.generated


def test_what_each_minor_adds_is_listed_for_the_docs() -> None:
    files, _ = load_schemas(SCHEMA_DIR)
    older, changes = minor_changes(files)["1.1"]
    assert older == "1.0"
    assert [(c.kind, instance_path(c.steps)) for c in changes] == [
        (Kind.OPTIONAL_PROPERTY_ADDED, "$.metadata.eta"),
        (Kind.OPTIONAL_PROPERTY_ADDED, "$.metadata.expires"),
    ]
