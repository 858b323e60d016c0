"""Every body upstream Taskhawk put on the wire (tests/integration/upstream_wire/), sent to SQS
with its attributes and consumed by listen_for_messages over HTTP: same args, kwargs, headers
and metadata as upstream's own consumer saw."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

import taskhawk
from taskhawk import Metadata, Priority, listen_for_messages
from taskhawk.transport import ReceivedMessage
from taskhawk.transport.naming import dead_letter_queue_name, queue_name
from tests.conftest import SECRET_KEY, aws_settings, boto_client, drain

pytestmark = pytest.mark.integration

WIRE = Path(__file__).parent / "upstream_wire"
calls: list[dict[str, Any]] = []
current: dict[str, Any] = {}


def pre_hook(*, queue_name: str, sqs_queue_message: ReceivedMessage) -> None:
    current["case"] = sqs_queue_message.attributes.get("case")


# What this library does with each hand-written body, and where that differs from upstream 4.7
# (which nacked every rejected body back onto the queue). The schema's decisions are recorded in
# schema/README.md.
HANDWRITTEN = {
    "seed_v1_0": "ran",
    "empty_headers": "ran",
    "iso_string_timestamp": "ran",
    "kwargs_only": "ran",
    "zero_timestamp": "ran",  # upstream rejected 0 as falsy; it is a valid epoch
    # Read as args=[]; the task then lacks `to`: arguments that cannot fit, dead-lettered at once.
    "missing_args_go_style": "dead-lettered",
    "wrong_arity": "dead-lettered",  # upstream raised TypeError on every receive until redrive
    "extra_top_level_field": "dead-lettered",  # upstream ran it: the envelope is closed
    "float_timestamp": "dead-lettered",  # upstream ran it
    "int_id": "dead-lettered",  # upstream ran it
    "non_uuid_id": "dead-lettered",  # upstream ran it
    "json_array": "dead-lettered",
    "missing_priority": "dead-lettered",
    "not_json": "dead-lettered",
    "null_headers": "dead-lettered",
    "unknown_priority": "dead-lettered",
    "unknown_task": "dead-lettered",
    "unparseable_string_timestamp": "dead-lettered",
    "version_2_0": "dead-lettered",
    "version_numeric_1": "dead-lettered",
}


def load(name: str) -> Any:
    return json.loads((WIRE / name).read_text())


@pytest.fixture
def app(aws: dict[str, str], moto_endpoint: str) -> dict[str, str]:
    calls.clear()
    queue = taskhawk.settings.get_settings().app_queue
    taskhawk.configure(aws_settings(moto_endpoint, queue, TASKHAWK_PRE_PROCESS_HOOK=pre_hook))
    for name in ("wire_tasks.send_email", "tasks14.send_email"):

        @taskhawk.task(name=name)
        def send_email(
            to: str,
            subject: str,
            from_email: str | None = None,
            *,
            headers: dict[str, str],
            metadata: Metadata,
        ) -> None:
            calls.append(
                {
                    "to": to,
                    "subject": subject,
                    "from_email": from_email,
                    "headers": headers,
                    "metadata": metadata,
                    "case": current.get("case"),
                }
            )

    return aws


def send(endpoint: str, url: str, body: str, attributes: dict[str, Any] | None = None) -> None:
    boto_client("sqs", endpoint).send_message(
        QueueUrl=url, MessageBody=body, MessageAttributes=attributes or {}
    )


def consume(priority: Priority, receives: int = 1) -> None:
    """1 s polls (a shutdown event is given), so an empty last receive costs at most 1 s."""
    listen_for_messages(
        priority, num_messages=10, loop_count=receives, shutdown_event=threading.Event()
    )


def expected_headers(headers: dict[str, Any]) -> dict[str, str]:
    """Upstream published non-string header values (`count: 7`); they are read as JSON text."""
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in headers.items()}


def assert_call_matches(call: dict[str, Any], body: dict[str, Any], queue: str) -> None:
    args = body.get("args", [])
    assert [call["to"], call["subject"]] == args[:2]
    assert call["from_email"] == body["kwargs"].get("from_email")
    assert call["headers"] == expected_headers(body["headers"])
    metadata: Metadata = call["metadata"]
    assert metadata.id == body["id"]
    assert metadata.priority == Priority[body["metadata"]["priority"]]
    assert metadata.timestamp == body["metadata"]["timestamp"]
    assert metadata.version == "1.0"
    assert metadata.headers == expected_headers(body["headers"])
    assert metadata.queue == queue and metadata.receipt


@pytest.mark.parametrize(
    ("capture", "priority"),
    [
        ("sqs_raw_default_priority.json", Priority.default),
        ("sqs_raw_high_priority_with_headers.json", Priority.high),
    ],
)
def test_bodies_published_by_4_7_are_consumed_like_upstream(
    app: dict[str, str],
    moto_endpoint: str,
    caplog: pytest.LogCaptureFixture,
    capture: str,
    priority: Priority,
) -> None:
    queue = queue_name(taskhawk.settings.get_settings().app_queue, priority)
    captured = load(capture)
    for message in captured:  # upstream's triple publish: three copies of one message
        send(moto_endpoint, app[queue], message["Body"], message["MessageAttributes"])
    consume(priority)
    assert len(calls) == len(captured)
    for call, message in zip(calls, captured, strict=True):
        assert_call_matches(call, message["BodyParsed"], queue)
    assert drain(moto_endpoint, app[queue]) == []
    assert SECRET_KEY not in caplog.text


def test_bodies_published_by_1_4_and_the_seed_are_consumed(
    app: dict[str, str], moto_endpoint: str
) -> None:
    app_queue = taskhawk.settings.get_settings().app_queue
    captured = load("v1_4_0_sqs_direct_publish.json")
    for priority in (Priority.default, Priority.high):
        queue = queue_name(app_queue, priority)
        for message in captured[priority.name]:
            send(moto_endpoint, app[queue], message["Body"], message["MessageAttributes"])
        calls.clear()
        consume(priority)
        (call,) = calls
        assert_call_matches(call, captured[priority.name][0]["BodyParsed"], queue)
    seed = load("lambda_consumer_outcomes.json")["sns_event_example"]["Records"][0]["Sns"]
    default = queue_name(app_queue, Priority.default)
    send(moto_endpoint, app[default], seed["Message"])
    calls.clear()
    consume(Priority.default)
    (call,) = calls
    (upstream,) = captured["consume_seed_calls"]
    assert (call["to"], call["subject"], call["from_email"]) == (
        upstream["to"],
        upstream["subject"],
        upstream["from_email"],
    )
    assert call["metadata"].id == upstream["metadata"]["id"]
    assert call["metadata"].timestamp == upstream["metadata"]["timestamp"]


def test_hand_written_bodies_run_or_are_dead_lettered_at_once(
    app: dict[str, str], moto_endpoint: str
) -> None:
    app_queue = taskhawk.settings.get_settings().app_queue
    main = queue_name(app_queue, Priority.default)
    dlq = dead_letter_queue_name(app_queue, Priority.default)
    recorded = load("consume_handwritten_outcomes.json")
    inputs: dict[str, Any] = recorded["inputs"]
    assert set(inputs) == set(HANDWRITTEN)
    for name, body in inputs.items():
        text = body if isinstance(body, str) else json.dumps(body)
        send(moto_endpoint, app[main], text, {"case": {"DataType": "String", "StringValue": name}})
    consume(Priority.default, receives=3)
    dead = {m["MessageAttributes"]["case"]["StringValue"] for m in drain(moto_endpoint, app[dlq])}
    assert dead == {name for name, fate in HANDWRITTEN.items() if fate == "dead-lettered"}
    ran = {call["case"]: call for call in calls}
    assert sorted(ran) == sorted(name for name, fate in HANDWRITTEN.items() if fate == "ran")
    for name, call in ran.items():
        body = inputs[name]
        assert call["headers"] == expected_headers(body["headers"])
        upstream_call = recorded["outcomes"][name]["task_called_with"]
        if upstream_call:  # upstream ran it too: the task saw the same values
            (theirs,) = upstream_call
            mine = (call["to"], call["subject"], call["from_email"], call["headers"])
            assert mine == (
                theirs["to"],
                theirs["subject"],
                theirs["from_email"],
                theirs["headers"],
            )
            assert call["metadata"].timestamp == theirs["metadata"]["timestamp"]
    assert ran["zero_timestamp"]["metadata"].timestamp == 0
    assert drain(moto_endpoint, app[main]) == []  # nothing left: each ran or was dead-lettered


def test_sns_envelope_of_a_non_raw_subscription_is_dead_lettered_with_the_fix(
    app: dict[str, str], moto_endpoint: str
) -> None:
    app_queue = taskhawk.settings.get_settings().app_queue
    main = queue_name(app_queue, Priority.default)
    dlq = dead_letter_queue_name(app_queue, Priority.default)
    (envelope,) = load("sns_envelope.json")[:1]
    send(moto_endpoint, app[main], envelope["Body"])
    consume(Priority.default)
    (dead,) = drain(moto_endpoint, app[dlq])
    reason = dead["MessageAttributes"]["taskhawk_dead_letter_reason"]["StringValue"]
    assert "enable RawMessageDelivery" in reason
    assert dead["Body"] == envelope["Body"]
    assert calls == []
