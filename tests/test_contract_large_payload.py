"""The large-payload contract vectors (contract-tests/large-payload/): valid under their
meta-schema, the pointer schema's verdict matches the reader's, and the worker does what each case
says with the bucket holding what it says."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import taskhawk
from taskhawk import Priority
from taskhawk.consume.dead_letter import REASON_ATTRIBUTE
from taskhawk.consume.sqs import listen_for_messages
from taskhawk.transport import Destination, OutgoingMessage
from taskhawk.transport.current import use_transport
from taskhawk.transport.memory import MemoryTransport
from taskhawk.transport.naming import dead_letter_queue_name, queue_name
from taskhawk.transport.payload_current import use_store
from taskhawk.transport.payload_pointer import parse_pointer
from taskhawk.transport.payload_store import MemoryPayloadStore
from tools.conformance.case_values import expand_repeats

ROOT = Path(__file__).parent.parent
VECTORS = json.loads((ROOT / "contract-tests/large-payload/pointers.json").read_text("utf-8"))
META = json.loads((ROOT / "contract-tests/large-payload.schema.json").read_text("utf-8"))
POINTER_SCHEMA = json.loads((ROOT / VECTORS["schema"]).read_text("utf-8"))
CASES = VECTORS["cases"]
APP = "CONTRACT-LARGE"
DEFAULT = queue_name(APP, Priority.default)
DLQ = dead_letter_queue_name(APP, Priority.default)
ran: list[list[Any]] = []


def test_the_vectors_are_valid_under_their_meta_schema_and_name_their_schema() -> None:
    jsonschema.Draft202012Validator(META).validate(VECTORS)
    jsonschema.Draft202012Validator.check_schema(POINTER_SCHEMA)
    ids = [case["id"] for case in CASES]
    assert len(ids) == len(set(ids))
    for case in CASES:
        assert case["id"].startswith("run-" if case["outcome"] == "run" else "dead-letter-")
        assert ("decoded" in case) == (case["outcome"] == "run")
        assert ("reason_prefix" in case) == (case["outcome"] == "dead_letter")


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_the_pointer_schema_and_the_reader_agree(case: dict[str, Any]) -> None:
    schema_says = jsonschema.Draft202012Validator(POINTER_SCHEMA).is_valid(json.loads(case["body"]))
    assert schema_says == case["pointer"]
    assert (parse_pointer(case["body"]) is not None) == case["pointer"]


@pytest.fixture
def worker() -> Iterator[tuple[MemoryTransport, MemoryPayloadStore]]:
    ran.clear()

    @taskhawk.task(name="tasks.measure")
    def measure(text: str) -> None:
        ran.append([text])

    transport, store = MemoryTransport(), MemoryPayloadStore()
    transport.create_queue(DEFAULT, dead_letter=DLQ, max_receive_count=4)
    taskhawk.configure(TASKHAWK_QUEUE=APP)  # no bucket: the pointer names it
    with use_transport(transport), use_store(store):
        yield transport, store


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_the_worker_does_what_each_case_says(
    case: dict[str, Any], worker: tuple[MemoryTransport, MemoryPayloadStore]
) -> None:
    transport, store = worker
    for stored in case["stored"]:
        text = "".join(expand_repeats(part) for part in stored["parts"])
        store.put(stored["bucket"], stored["key"], text)
    outgoing = OutgoingMessage("k", case["body"], case["attributes"])
    transport.send(Destination("queue", DEFAULT), [outgoing])
    listen_for_messages(Priority.default, loop_count=1)
    assert transport.bodies(DEFAULT) == []
    if case["outcome"] == "run":
        assert ran == [expand_repeats(case["decoded"]["args"])]
        assert store.objects == {}  # deleted after its message
        return
    assert ran == []
    assert transport.bodies(DLQ) == [case["body"]]  # the pointer, as it came
    (attributes,) = transport.attributes(DLQ)
    assert attributes[REASON_ATTRIBUTE].startswith(case["reason_prefix"])
    assert len(store.objects) == len(case["stored"])  # a dead letter keeps its object
