"""End to end over HTTP: a Go program using the Go package publishes a 10 MiB argument with a
large-payload bucket; the body goes to S3 (the moto server serves it on the same port), the
queue gets the pointer, and a real `taskhawk worker` without the setting runs the task once and
deletes the object."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from taskhawk.priority import Priority
from taskhawk.transport.naming import queue_name
from taskhawk.transport.payload_pointer import SIZE_ATTRIBUTE, parse_pointer
from tests.conftest import boto_client
from tests.integration.conftest import ROOT, Stack, wait_for
from tests.integration.go_program import build_go_program
from tests.integration.test_go_publisher import publish_from_go
from tests.integration.test_large_payload import TEN_MIB, WORKER_ARGS, measured, objects, peek

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def go_publisher(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("go") / "itpublisher"
    return build_go_program(ROOT / "bindings" / "go", "./internal/itpublisher", out)


def test_a_10_mib_argument_from_go_runs_once_in_a_worker_and_leaves_no_object(
    stack: Stack, go_publisher: Path
) -> None:
    bucket = f"it-{uuid.uuid4().hex[:12]}"
    boto_client("s3", stack.endpoint).create_bucket(Bucket=bucket)
    stack.env["SETTINGS_MODULE"] = "tests.integration.large_payload_settings"
    token = uuid.uuid4().hex
    call = {
        "task": "it.measure", "args": ["x" * TEN_MIB, token], "kwargs": {},
        "priority": "default", "headers": {"origin": "go"},
    }  # fmt: skip
    steps = [{"batch": False, "calls": [call]}]
    (message_id,) = publish_from_go(go_publisher, stack, "sqs", steps, largePayloadBucket=bucket)
    default = queue_name(stack.queue, Priority.default)
    (raw,) = peek(stack, default)
    assert parse_pointer(raw["Body"]) is not None
    assert raw["MessageAttributes"][SIZE_ATTRIBUTE]["DataType"] == "Number"
    assert objects(stack, bucket) == [message_id]
    stack.start_worker(*WORKER_ARGS)
    wait_for(lambda: measured(stack, token) == [TEN_MIB], "the task ran", timeout=60)
    wait_for(lambda: objects(stack, bucket) == [], "the object deleted", timeout=20)
    assert stack.counts(default) == (0, 0)
    assert measured(stack, token) == [TEN_MIB]
