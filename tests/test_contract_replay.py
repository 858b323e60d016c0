"""Version replay over a schema directory: a hypothetical next minor that adds an optional field
passes; minors that add a required field or tighten a constraint are caught, naming the cases
they would break; a released version edited in place or removed is caught too."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from codegen.schemas import load_schemas
from tools.conformance import SCHEMA_DIR
from tools.conformance.corpus import load_corpus
from tools.conformance.replay import replay

CORPUS = load_corpus()
Edit = Callable[[dict[str, Any]], None]


NEWEST = max(
    (p.name for p in (SCHEMA_DIR / "message").iterdir()),
    key=lambda v: tuple(map(int, v.split("."))),
)


def schema_copy(tmp_path: Path, edit: Edit | None = None, version: str = "1.2") -> Path:
    """schema/ copied to tmp_path, plus message/<version>/ derived from the newest version
    through `edit`."""
    schema_dir = tmp_path / "schema"
    shutil.copytree(SCHEMA_DIR, schema_dir)
    if edit is None:
        return schema_dir
    target = schema_dir / "message" / version
    target.mkdir()
    for kind in ("publish", "consume"):
        document = json.loads((SCHEMA_DIR / "message" / NEWEST / f"{kind}.json").read_text())
        document["$id"] = f"urn:taskhawk:schema:message:{version}:{kind}"
        document["x-format-version"] = version
        document["$defs"]["Metadata"]["properties"]["version"]["enum"] = [version]
        edit(document)
        (target / f"{kind}.json").write_text(json.dumps(document, indent=2) + "\n")
    return schema_dir


def add_optional_eta(document: dict[str, Any]) -> None:
    document["properties"]["eta"] = {
        "description": "Earliest run time, integer epoch milliseconds; absent: run at once.",
        "type": "integer",
        "minimum": 0,
    }


def require_eta(document: dict[str, Any]) -> None:
    add_optional_eta(document)
    document["required"].append("eta")


def drop_bulk_priority(document: dict[str, Any]) -> None:
    document["$defs"]["Metadata"]["properties"]["priority"]["enum"].remove("bulk")


def test_the_repository_schemas_replay_cleanly() -> None:
    result = replay(SCHEMA_DIR, CORPUS)
    assert result.problems == []
    assert result.newest[1] == max(result.newest.values())
    assert result.checked > 80
    assert result.kept[("1.0", "1.1")] > 150
    # 1.0's own closed-metadata case used `eta`; relabelled 1.1 it is what 1.1 adds.
    assert [note.split(":")[0] for note in result.widened] == ["reject-0021-extra-metadata-key"]


def test_a_minor_that_adds_an_optional_field_passes(tmp_path: Path) -> None:
    schema_dir = schema_copy(tmp_path, add_optional_eta)
    assert load_schemas(schema_dir)[1] == []  # a well-formed, portable 1.2
    result = replay(schema_dir, CORPUS)
    assert result.newest == {1: "1.2"}
    assert result.problems == []


def test_a_minor_that_adds_a_required_field_is_caught(tmp_path: Path) -> None:
    result = replay(schema_copy(tmp_path, require_eta), CORPUS)
    text = "\n".join(result.problems)
    assert "accept-0001-seed-v1-0: valid under 1.0 but not under 1.2 consume.json" in text
    assert "publish-0001-send-email: valid under 1.0 but not under 1.2 publish.json" in text
    assert "'eta' is a required property" in text


def test_a_minor_that_tightens_a_constraint_is_caught(tmp_path: Path) -> None:
    result = replay(schema_copy(tmp_path, drop_bulk_priority), CORPUS)
    assert any(
        problem.startswith("publish-0004-bulk-priority: valid under 1.0 but not under 1.2")
        for problem in result.problems
    ), result.problems


def test_editing_a_released_version_is_caught(tmp_path: Path) -> None:
    consume = schema_copy(tmp_path) / "message" / "1.0" / "consume.json"
    document = json.loads(consume.read_text())
    document["required"].append("args")  # 1.0 edited in place: Go's messages without args
    consume.write_text(json.dumps(document))
    problems = replay(tmp_path / "schema", CORPUS).problems
    assert problems == [
        "accept-0017-legacy-missing-args: 1.0 consume.json no longer gives valid=True"
    ]


def test_removing_a_released_version_is_caught(tmp_path: Path) -> None:
    schema_dir = schema_copy(tmp_path, add_optional_eta)
    shutil.rmtree(schema_dir / "message" / "1.0")
    problems = replay(schema_dir, CORPUS).problems
    assert any(
        problem.startswith("accept-0001-seed-v1-0: ") and "1.0/consume.json is missing" in problem
        for problem in problems
    ), problems[:3]
