"""A poison message of exactly SQS's size limit (body plus attributes, as the local endpoint now
counts them too) reaches the dead-letter queue on its first receive, with its reason: the
dead-letter copy makes room for the reason instead of being refused as too large."""

from __future__ import annotations

import pytest

from taskhawk.consume.dead_letter import REASON_ATTRIBUTE
from taskhawk.transport.limits import SQS_MAX_BYTES, transport_size
from tests.conftest import boto_client
from tests.reliability.conftest import Rig, settle, take_all
from tests.support.figures import record_figures

pytestmark = pytest.mark.integration


@pytest.mark.max_receive_count(2)
def test_a_poison_message_of_exactly_the_limit_is_dead_lettered_with_its_reason(rig: Rig) -> None:
    headers = {"taskhawk_task": "rel.nowhere", **{f"h{i}": "v" * 300 for i in range(8)}}
    body = "{" + "x" * (SQS_MAX_BYTES - transport_size("", headers) - 1)
    assert transport_size(body, headers) == SQS_MAX_BYTES
    boto_client("sqs", rig.endpoint).send_message(
        QueueUrl=rig.urls[rig.main],
        MessageBody=body,
        MessageAttributes={k: {"DataType": "String", "StringValue": v} for k, v in headers.items()},
    )
    worker = rig.start_worker()
    worker.wait_listening()
    settle(lambda: rig.counts(rig.dlq)[0] == 1, "the poison to reach the DLQ", timeout=30)
    (dead,) = take_all(rig.endpoint, rig.urls[rig.dlq])
    attributes = {k: v["StringValue"] for k, v in dead["MessageAttributes"].items()}
    assert dead["Body"] == body
    assert attributes[REASON_ATTRIBUTE].startswith("invalid message: $: not valid JSON")
    assert transport_size(body, attributes) <= SQS_MAX_BYTES
    assert "dead-letter send failed" not in worker.log
    assert rig.counts(rig.main) == (0, 0)
    record_figures("limit_poison", {"size": SQS_MAX_BYTES, "dead_lettered_with_reason": 1})
