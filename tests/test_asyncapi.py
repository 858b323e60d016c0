"""The AsyncAPI description (asyncapi/taskhawk.json, generated from schema/ by `make generate`):
what it says matches the library's names and the message schemas, and AsyncAPI's own parser (the
npm package, pinned in contract-tests/runners/node) accepts it."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from taskhawk import Priority
from taskhawk._generated import FORMAT_VERSIONS
from taskhawk.transport.naming import queue_name, topic_name
from tests.support.codegen_runs import DRIFTED_BOUND, drift_runs
from tools.conformance import ROOT
from tools.conformance.case_values import expand_repeats, with_stand_ins
from tools.conformance.corpus import load_corpus

DOCUMENT = ROOT / "asyncapi" / "taskhawk.json"
RUNNERS = ROOT / "contract-tests" / "runners" / "node"
CHECK = RUNNERS / "asyncapi-check.mjs"


def asyncapi() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    return document


def payload_validator(document: dict[str, Any], version: str) -> jsonschema.Validator:
    """The message's payload schema, its references resolved inside the AsyncAPI document."""
    key = f"task-v{version.replace('.', '_')}"
    ref = document["components"]["messages"][key]["payload"]["$ref"]
    root = {"$ref": ref, "components": document["components"]}
    return jsonschema.Draft202012Validator(root)


def test_channels_are_the_librarys_queues_and_topics_by_priority() -> None:
    channels = asyncapi()["channels"]
    for priority in Priority:
        queue = channels[f"queue-{priority.name}"]["address"]
        topic = channels[f"topic-{priority.name}"]["address"]
        assert queue == queue_name("{queue}", priority).replace("{QUEUE}", "{queue}")
        assert topic == topic_name("{queue}", priority)
    operations = asyncapi()["operations"]
    assert {op["action"] for op in operations.values()} == {"send", "receive"}


def test_every_format_is_a_message_whose_payload_is_its_publish_schema() -> None:
    """Each corpus body and expected message gets the same verdict from the AsyncAPI payload
    as from publish.json itself."""
    document = asyncapi()
    assert sorted(document["components"]["messages"]) == [
        f"task-v{v.replace('.', '_')}" for v in sorted(FORMAT_VERSIONS)
    ]
    corpus = load_corpus()
    bodies = [
        with_stand_ins(expand_repeats(case.data["expected"]["message"]))
        for case in corpus.cases("publish")
        if "message" in case.data["expected"]
    ]
    for case in corpus.cases("required", "decisions"):
        text = case.data.get("payload_text")
        if isinstance(text, str) and len(text) < 100_000:
            try:
                bodies.append(json.loads(text))
            except ValueError:
                continue
    for version in FORMAT_VERSIONS:
        schema = json.loads((ROOT / "schema" / "message" / version / "publish.json").read_text())
        described, original = (
            payload_validator(document, version),
            jsonschema.Draft202012Validator(schema),
        )
        verdicts = [(described.is_valid(body), original.is_valid(body)) for body in bodies]
        assert all(a == b for a, b in verdicts), version
        assert any(a for a, _ in verdicts) and not all(a for a, _ in verdicts)


needs_parser = pytest.mark.skipif(
    shutil.which("node") is None or not (RUNNERS / "node_modules" / "@asyncapi").is_dir(),
    reason="needs node and the contract runners' packages (npm ci in contract-tests/runners/node)",
)


@needs_parser
def test_the_asyncapi_parser_accepts_it() -> None:
    check = ["node", str(CHECK)]
    done = subprocess.run(check, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "asyncapi: 3.0.0 document, 8 channels" in done.stdout
    assert "messages task-v1_0, task-v1_1" in done.stdout


@needs_parser
def test_the_parser_check_fails_a_broken_description(tmp_path: Path) -> None:
    document = asyncapi()
    document["components"]["messages"]["task-v1_0"]["payload"] = {"type": "nonsense"}
    del document["channels"]["queue-high"]["address"]
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(document))
    check = ["node", str(CHECK), str(broken)]
    done = subprocess.run(check, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1
    assert "does not parse" in done.stdout and "error " in done.stdout


def test_a_schema_change_makes_the_committed_description_stale(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """On copies (tests/support/codegen_runs.py), the task name's maxLength changed in every
    publish.json: the description must follow."""
    drift = drift_runs(tmp_path_factory)
    out = drift.out("--asyncapi-out")
    assert drift.stale.returncode == 1
    assert f"{out / 'taskhawk.json'} (committed)" in drift.stale.stderr
    assert f'+            "maxLength": {DRIFTED_BOUND},' in drift.stale.stderr
    assert drift.written.returncode == 0, drift.written.stderr
    assert f'"maxLength": {DRIFTED_BOUND},' in (out / "taskhawk.json").read_text()
