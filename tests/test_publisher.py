"""Publishing through the real AWS transport over HTTP (moto server on 127.0.0.1): what lands on
the queue is one canonical, schema-valid body with the specified attributes, per dispatch."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import taskhawk
from taskhawk.priority import Priority
from taskhawk.publisher import new_message_id
from taskhawk.transport import Destination, OutgoingMessage, SendResult
from taskhawk.transport.current import use_transport
from taskhawk.transport.memory import MemoryTransport
from taskhawk.transport.naming import queue_name
from tests.conftest import ACCOUNT_ID, aws_settings, boto_client, create_queues, drain

PUBLISH_SCHEMA = json.loads(
    (Path(__file__).parent.parent / "schema/message/1.0/publish.json").read_text(encoding="utf-8")
)


@pytest.fixture
def send_email() -> taskhawk.Task[Any, None]:
    @taskhawk.task(name="tasks.send_email")
    def send_email(to: str, subject: str, from_email: str | None = None) -> None: ...

    return send_email


def queued(endpoint: str, urls: dict[str, str], priority: Priority) -> list[dict[str, Any]]:
    settings = taskhawk.settings.get_settings()
    return drain(endpoint, urls[queue_name(settings.app_queue, priority)])


def assert_canonical(
    sqs_message: dict[str, Any], task: str, headers: dict[str, str]
) -> dict[str, Any]:
    body = json.loads(sqs_message["Body"])
    jsonschema.Draft202012Validator(PUBLISH_SCHEMA).validate(body)
    attributes = {k: v["StringValue"] for k, v in sqs_message.get("MessageAttributes", {}).items()}
    assert {k: v["DataType"] for k, v in sqs_message.get("MessageAttributes", {}).items()} == {
        k: "String" for k in attributes
    }
    assert attributes == {"taskhawk_task": task, **headers}
    assert body["task"] == task and body["headers"] == headers
    return body


@pytest.mark.parametrize("via_sns", [False, True], ids=["sqs-direct", "sns-topic"])
@pytest.mark.parametrize("priority", list(Priority), ids=[p.name for p in Priority])
def test_one_canonical_message_per_dispatch_on_the_right_queue(
    moto_endpoint: str, send_email: Any, priority: Priority, via_sns: bool
) -> None:
    queue = f"PUB-{priority.name}-{via_sns}".upper()
    urls = create_queues(moto_endpoint, queue)
    taskhawk.configure(aws_settings(moto_endpoint, queue, TASKHAWK_PUBLISH_VIA_SNS=via_sns))

    message_id = (
        send_email.with_headers(request_id="1234")
        .with_priority(priority)
        .dispatch("email@example.com", "Hello!", from_email="spam@example.com")
    )

    for other in Priority:
        found = queued(moto_endpoint, urls, other)
        assert len(found) == (1 if other is priority else 0), other
    [sqs_message] = queued(moto_endpoint, urls, priority)
    body = assert_canonical(sqs_message, "tasks.send_email", {"request_id": "1234"})
    assert body["id"] == message_id
    assert body["metadata"]["priority"] == priority.name
    assert body["args"] == ["email@example.com", "Hello!"]
    assert body["kwargs"] == {"from_email": "spam@example.com"}


def test_seed_example_lands_once(moto_endpoint: str, aws: dict[str, str], send_email: Any) -> None:
    send_email.dispatch("email@example.com", "Hello!")
    [found] = queued(moto_endpoint, aws, Priority.default)
    assert_canonical(found, "tasks.send_email", {})


def test_lambda_app_publishes_to_the_topic(moto_endpoint: str, send_email: Any) -> None:
    urls = create_queues(moto_endpoint, "LAMBDA-APP")
    taskhawk.configure(aws_settings(moto_endpoint, "LAMBDA-APP", IS_LAMBDA_APP=True))
    sns = boto_client("sns", moto_endpoint)
    arn = f"arn:aws:sns:us-east-1:{ACCOUNT_ID}:taskhawk-lambda-app-high-priority"
    assert any(t["TopicArn"] == arn for t in sns.list_topics()["Topics"])
    send_email.with_priority(Priority.high).dispatch("a@b.c", "s")
    assert len(queued(moto_endpoint, urls, Priority.high)) == 1


def test_default_headers_hook_is_called_with_task_and_explicit_headers_win(
    moto_endpoint: str, aws: dict[str, str], send_email: Any
) -> None:
    calls: list[Any] = []

    def hook(task: Any) -> dict[str, str]:
        calls.append(task)
        return {"source": "hook", "request_id": "from-hook"}

    settings = taskhawk.settings.get_settings()
    taskhawk.configure(
        aws_settings(moto_endpoint, settings.taskhawk_queue or "", TASKHAWK_DEFAULT_HEADERS=hook)
    )
    send_email.with_headers(request_id="explicit").dispatch("a@b.c", "s")
    [found] = queued(moto_endpoint, aws, Priority.default)
    assert_canonical(found, "tasks.send_email", {"source": "hook", "request_id": "explicit"})
    assert calls == [send_email]


def test_attributes_never_exceed_ten(
    moto_endpoint: str, aws: dict[str, str], send_email: Any
) -> None:
    headers = {f"h{i:02d}": str(i) for i in range(13)}
    send_email.with_headers(**headers).dispatch("a@b.c", "s")
    [found] = queued(moto_endpoint, aws, Priority.default)
    body = json.loads(found["Body"])
    assert body["headers"] == headers  # every header in the body
    assert set(found["MessageAttributes"]) == {"taskhawk_task"}  # more than nine: none of them
    nine = send_email.with_headers(**{f"h{i}": str(i) for i in range(9)}).dispatch("a@b.c", "s")
    (with_nine,) = [
        m
        for m in queued(moto_endpoint, aws, Priority.default)
        if json.loads(m["Body"])["id"] == nine
    ]
    assert len(with_nine["MessageAttributes"]) == 10


def test_invalid_header_is_refused_before_sending(
    moto_endpoint: str, aws: dict[str, str], send_email: Any
) -> None:
    for bad in ({"taskhawk_task": "x"}, {"bad name": "x"}, {"empty": ""}):
        with pytest.raises(taskhawk.ValidationError, match=r"\$\.headers"):
            send_email.with_headers(**bad).dispatch("a@b.c", "s")
    with pytest.raises(taskhawk.ValidationError, match=r"\$\.headers\.count"):
        send_email.with_headers(count=7).dispatch("a@b.c", "s")  # type: ignore[arg-type]
    assert queued(moto_endpoint, aws, Priority.default) == []


def test_unserialisable_argument_is_named_and_nothing_is_sent(
    moto_endpoint: str, aws: dict[str, str], send_email: Any
) -> None:
    with pytest.raises(taskhawk.ValidationError, match=r"\$\.kwargs\.from_email"):
        send_email.dispatch("a@b.c", "s", from_email={1, 2})
    assert queued(moto_endpoint, aws, Priority.default) == []


@pytest.mark.parametrize(
    ("args", "kwargs", "path", "words"),
    [
        (("a@b.c",), {}, "$", "missing a required argument: 'subject'"),
        (("a@b.c", "s"), {"cc": "x"}, "$.kwargs.cc", "unexpected keyword argument 'cc'"),
        (("a@b.c", "s", None, "extra"), {}, "$.args[3]", "too many positional arguments"),
        (("a@b.c", "s"), {"to": "x"}, "$.kwargs.to", "multiple values for argument 'to'"),
    ],
)
def test_a_call_the_task_cannot_take_is_refused_at_dispatch_and_nothing_is_sent(
    moto_endpoint: str,
    aws: dict[str, str],
    send_email: Any,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    path: str,
    words: str,
) -> None:
    with pytest.raises(taskhawk.ArgumentsMismatch) as caught:
        send_email.dispatch(*args, **kwargs)
    assert caught.value.path == path
    assert words in caught.value.reason
    assert "fit tasks.send_email(to, subject, from_email=...)" in caught.value.reason
    with pytest.raises(taskhawk.ArgumentsMismatch):
        send_email.dispatch_many([(args, kwargs)])
    assert queued(moto_endpoint, aws, Priority.default) == []


def test_parameters_the_consumer_fills_in_are_neither_required_nor_allowed_at_dispatch() -> None:
    @taskhawk.task(name="tasks.audit")
    def audit(event: str, *, metadata: taskhawk.Metadata, headers: dict[str, str]) -> None: ...

    @taskhawk.task(name="tasks.wrapped")
    def catch_all(**kwargs: Any) -> None: ...

    taskhawk.configure(TASKHAWK_QUEUE="Q")
    with use_transport(MemoryTransport()) as memory:
        audit.dispatch("login")  # type: ignore[call-arg]
        catch_all.dispatch(anything=1)
        with pytest.raises(taskhawk.ArgumentsMismatch, match="filled in by the consumer"):
            audit.dispatch("login", metadata=None)  # type: ignore[arg-type]
        with pytest.raises(taskhawk.ArgumentsMismatch) as caught:
            catch_all.dispatch(headers={})
    assert caught.value.path == "$.kwargs.headers"
    assert len(memory.sent) == 2


def test_oversized_message_is_refused_with_size_and_limit(
    moto_endpoint: str, aws: dict[str, str], send_email: Any
) -> None:
    with pytest.raises(taskhawk.MessageTooLarge) as caught:
        send_email.dispatch("a@b.c", "x" * 1_048_576)
    assert caught.value.limit == 1_048_576 and caught.value.size > caught.value.limit
    assert "1048576" in str(caught.value)
    taskhawk.configure(aws_settings(moto_endpoint, "ANY", TASKHAWK_PUBLISH_VIA_SNS=True))
    with pytest.raises(taskhawk.MessageTooLarge, match="SNS limit of 262144"):
        send_email.dispatch("a@b.c", "x" * 262_144)


def test_missing_queue_is_a_publish_error_naming_it(moto_endpoint: str, send_email: Any) -> None:
    taskhawk.configure(aws_settings(moto_endpoint, "NEVER-PROVISIONED"))
    with pytest.raises(taskhawk.PublishError, match="TASKHAWK-NEVER-PROVISIONED") as caught:
        send_email.dispatch("a@b.c", "s")
    assert len(caught.value.failures) == 1


def test_dispatch_many_sends_in_tens_and_returns_ids_in_order(
    moto_endpoint: str, aws: dict[str, str], send_email: Any
) -> None:
    ids = send_email.dispatch_many([([f"u{i}@x.y", "s"], {}) for i in range(23)])
    assert len(set(ids)) == 23
    found = queued(moto_endpoint, aws, Priority.default)
    assert sorted(json.loads(m["Body"])["id"] for m in found) == sorted(ids)


def test_dispatch_many_validates_everything_before_sending(
    moto_endpoint: str, aws: dict[str, str], send_email: Any
) -> None:
    calls: list[tuple[list[Any], dict[str, Any]]] = [(["ok", "s"], {}), (["bad", float("nan")], {})]
    with pytest.raises(taskhawk.ValidationError, match=r"\$\.args\[1\]"):
        send_email.dispatch_many(calls)
    assert queued(moto_endpoint, aws, Priority.default) == []


def test_batch_block_groups_by_priority(
    moto_endpoint: str, aws: dict[str, str], send_email: Any
) -> None:
    with taskhawk.batch() as pending:
        first = send_email.dispatch("a@b.c", "1")
        second = send_email.with_priority(Priority.high).dispatch("a@b.c", "2")
        assert queued(moto_endpoint, aws, Priority.default) == []  # nothing sent yet
    assert pending.sent_ids == [first, second]
    assert len(queued(moto_endpoint, aws, Priority.default)) == 1
    assert len(queued(moto_endpoint, aws, Priority.high)) == 1


def test_batch_block_sends_nothing_when_the_block_fails(
    moto_endpoint: str, aws: dict[str, str], send_email: Any
) -> None:
    with pytest.raises(RuntimeError), taskhawk.batch():
        send_email.dispatch("a@b.c", "1")
        raise RuntimeError("abandon")
    assert queued(moto_endpoint, aws, Priority.default) == []


class FailingSomeTransport(MemoryTransport):
    """A broker that refuses chosen messages, as SendMessageBatch can per entry."""

    def __init__(self, refuse: set[int]) -> None:
        super().__init__()
        self.refuse = refuse
        self.calls = 0

    def send(self, destination: Destination, messages: Sequence[OutgoingMessage]) -> SendResult:
        self.calls += 1
        accepted = [m for m in messages if json.loads(m.body)["args"][0] not in self.refuse]
        super().send(destination, accepted)
        refused = [m for m in messages if m not in accepted]
        return SendResult(
            sent=tuple(m.key for m in accepted),
            not_sent={m.key: "InternalError: try again" for m in refused},
        )


def test_partial_batch_failure_reports_each_message_and_sends_the_rest_once(
    send_email: Any,
) -> None:
    taskhawk.configure(TASKHAWK_QUEUE="PARTIAL")
    transport = FailingSomeTransport(refuse={3, 11})
    with use_transport(transport), pytest.raises(taskhawk.PublishError) as caught:
        send_email.dispatch_many([([i, "s"], {}) for i in range(12)])
    sent = [json.loads(b)["args"][0] for b in transport.bodies("TASKHAWK-PARTIAL")]
    assert sent == [i for i in range(12) if i not in (3, 11)]  # once each, in order
    assert transport.calls == 2  # 10 + 2: batches, no blind re-send
    assert len(caught.value.failures) == 2
    assert "2 of 12 messages not known to be sent" in str(caught.value)


def test_batch_checks_every_message_before_sending_any(
    moto_endpoint: str, aws: dict[str, str], send_email: Any
) -> None:
    """A message too large for the second destination refuses the whole batch: nothing sent."""
    with pytest.raises(taskhawk.MessageTooLarge), taskhawk.batch():
        send_email.dispatch("a@b.c", "fits")
        send_email.with_priority(Priority.high).dispatch("a@b.c", "x" * 1_048_576)
    assert queued(moto_endpoint, aws, Priority.default) == []
    assert queued(moto_endpoint, aws, Priority.high) == []


def test_batch_failing_midway_tries_every_destination_and_says_what_went_out(
    moto_endpoint: str, aws: dict[str, str], send_email: Any
) -> None:
    """Over HTTP: the high-priority queue vanished; default and low are still sent, and the
    error says which message went where."""
    app = taskhawk.settings.get_settings().app_queue
    sqs = boto_client("sqs", moto_endpoint)
    sqs.delete_queue(QueueUrl=aws[queue_name(app, Priority.high)])
    with pytest.raises(taskhawk.PublishError) as caught, taskhawk.batch():
        default = send_email.dispatch("a@b.c", "1")
        high = send_email.with_priority(Priority.high).dispatch("a@b.c", "2")
        low = send_email.with_priority(Priority.low).dispatch("a@b.c", "3")
    error = caught.value
    assert sorted(error.sent) == sorted([default, low]) and list(error.not_sent) == [high]
    assert error.unknown == {}
    assert "safe to dispatch again" in str(error) and queue_name(app, Priority.high) in str(error)
    assert len(queued(moto_endpoint, aws, Priority.default)) == 1
    assert len(queued(moto_endpoint, aws, Priority.low)) == 1


def test_message_ids_are_random_version_4_uuids() -> None:
    ids = [new_message_id() for _ in range(2000)]
    assert len(set(ids)) == len(ids)
    for text in ids:
        parsed = uuid.UUID(text)
        assert str(parsed) == text  # lower case, canonical form
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122
    # The variant digit keeps its two random bits; the rest of each id stays random too.
    assert {text[19] for text in ids} == set("89ab")
    assert {text[14] for text in ids} == {"4"}
    assert len({text[15] for text in ids}) == 16
