"""Every contract case in contract-tests/: the reference oracle, the generated validator and
`taskhawk.wire.decode` each give the verdict the case records.

The oracle is `jsonschema` on consume.json after Python's (lenient) json parser, with `pattern`
evaluated as ECMA-262 (see tests/test_schema_differential.py). Cases that name a decision are
where the library deliberately goes beyond that: for them the oracle must give `schema_valid`.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import pytest

from taskhawk import wire
from taskhawk._generated import FORMAT_VERSIONS
from taskhawk.exceptions import ValidationError
from tests.test_schema_differential import oracle

ROOT = Path(__file__).resolve().parent.parent
VECTORS = ROOT / "contract-tests" / "v1"
README_DECISIONS = set(
    re.findall(r"^\| `([a-z0-9-]+)` \|", (ROOT / "schema" / "README.md").read_text(), re.M)
)
CASE_ID = re.compile(r"(accept|reject)-[0-9]{4}-[a-z0-9]+(-[a-z0-9]+)*")
CASE_KEYS = {"id", "description", "source", "payload_text", "payload_base64", "valid", "decoded",
             "error_path", "decision", "schema_valid"}  # fmt: skip


def load_cases() -> list[tuple[str, dict[str, Any]]]:
    cases = []
    for path in sorted(VECTORS.rglob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        assert document["schema"] == "schema/message/1.0/consume.json"
        group = path.relative_to(VECTORS).parts[0]
        cases.extend((group, case) for case in document["cases"])
    return cases


CASES = load_cases()


def payload(case: dict[str, Any]) -> str | bytes:
    if "payload_base64" in case:
        return base64.b64decode(case["payload_base64"])
    text: str = case["payload_text"]
    return text


def test_cases_are_well_formed_with_unique_stable_ids() -> None:
    ids = [case["id"] for _, case in CASES]
    assert len(ids) == len(set(ids))
    assert {group for group, _ in CASES} == {"required", "decisions"}
    for group, case in CASES:
        assert CASE_ID.fullmatch(case["id"]), case["id"]
        assert case["id"].startswith("accept" if case["valid"] else "reject"), case["id"]
        assert set(case) <= CASE_KEYS, case["id"]
        assert ("payload_text" in case) != ("payload_base64" in case), case["id"]
        assert case["description"] and "\n" not in case["description"]
        assert ("decoded" in case) == case["valid"] and ("error_path" in case) != case["valid"]
        assert ("decision" in case) == (group == "decisions") == ("schema_valid" in case)
        if "decision" in case:
            assert case["decision"] in README_DECISIONS, case["decision"]


@pytest.mark.parametrize("case", [case for _, case in CASES], ids=lambda case: case["id"])
def test_oracle_and_generated_validator_agree(case: dict[str, Any]) -> None:
    try:
        data = json.loads(payload(case))
    except ValueError:
        oracle_valid = generated_valid = False
    else:
        oracle_valid = oracle("consume").is_valid(data)
        generated_valid = not list(FORMAT_VERSIONS["1.0"].iter_errors_consume(data))
    assert generated_valid == oracle_valid
    assert oracle_valid == case.get("schema_valid", case["valid"])


@pytest.mark.parametrize("case", [case for _, case in CASES], ids=lambda case: case["id"])
def test_decode_gives_the_recorded_verdict(case: dict[str, Any]) -> None:
    if not case["valid"]:
        with pytest.raises(ValidationError) as caught:
            wire.decode(payload(case))
        assert caught.value.path == case["error_path"], str(caught.value)
        return
    message = wire.decode(payload(case))
    decoded = {
        "id": message.id,
        "task": message.task,
        "args": message.args,
        "kwargs": message.kwargs,
        "headers": message.headers,
        "priority": message.metadata.priority,
        "timestamp_ms": message.metadata.timestamp,
    }
    assert decoded == case["decoded"]
