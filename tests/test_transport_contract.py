"""One behaviour suite for every transport: the in-memory broker must act like SQS/SNS does,
or tests built on it would prove nothing."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

import taskhawk
from taskhawk.settings import Settings, get_settings
from taskhawk.transport import Destination, OutgoingMessage, Transport
from taskhawk.transport.aws import AWSTransport
from taskhawk.transport.memory import MemoryTransport
from tests.conftest import SECRET_KEY, aws_settings, create_queues


@pytest.fixture(params=["memory", "aws"])
def transport_and_queue(request: pytest.FixtureRequest) -> Iterator[tuple[Transport, str, str]]:
    """(transport, queue name, topic name) with a redrive policy of 2 receives."""
    queue_base = f"C{uuid.uuid4().hex[:8].upper()}"
    queue, topic = f"TASKHAWK-{queue_base}", f"taskhawk-{queue_base.lower()}"
    if request.param == "memory":
        memory = MemoryTransport()
        memory.create_queue(queue, dead_letter=f"{queue}-DLQ", max_receive_count=2)
        memory.subscribe(topic, queue)
        yield memory, queue, topic
        return
    endpoint = request.getfixturevalue("moto_endpoint")
    create_queues(endpoint, queue_base, max_receive_count=2)
    taskhawk.configure(aws_settings(endpoint, queue_base))
    yield AWSTransport(get_settings()), queue, topic


def outgoing(key: str, **attributes: str) -> OutgoingMessage:
    return OutgoingMessage(key, f'{{"key": "{key}"}}', {"taskhawk_task": "t", **attributes})


def test_send_receive_delete(transport_and_queue: tuple[Transport, str, str]) -> None:
    transport, queue, _ = transport_and_queue
    assert transport.send(Destination("queue", queue), [outgoing("a", h="1")]).ok
    [received] = transport.receive(queue, max_messages=10, wait_seconds=1)
    assert received.body == '{"key": "a"}'
    assert received.attributes == {"taskhawk_task": "t", "h": "1"}
    assert received.receive_count == 1 and received.queue == queue
    assert transport.delete(queue, [received.receipt]) == []
    assert transport.receive(queue, max_messages=10, wait_seconds=0) == []


def test_batch_send_and_batch_delete(transport_and_queue: tuple[Transport, str, str]) -> None:
    transport, queue, _ = transport_and_queue
    messages = [outgoing(str(i)) for i in range(10)]
    assert transport.send(Destination("queue", queue), messages).ok
    received: list[Any] = []
    deadline = time.monotonic() + 10
    while len(received) < 10 and time.monotonic() < deadline:  # SQS may answer with part
        received += transport.receive(queue, max_messages=10, wait_seconds=1)
    assert sorted(m.body for m in received) == sorted(m.body for m in messages)
    assert transport.delete(queue, [m.receipt for m in received]) == []


def test_each_message_has_its_own_id_and_each_receive_its_own_receipt(
    transport_and_queue: tuple[Transport, str, str],
) -> None:
    transport, queue, _ = transport_and_queue
    transport.send(Destination("queue", queue), [outgoing(str(i)) for i in range(3)])
    ids: set[str] = set()
    receipts: list[str] = []
    deadline = time.monotonic() + 10
    while len(ids) < 3 and time.monotonic() < deadline:  # SQS may answer with part of the queue
        for message in transport.receive(
            queue, max_messages=10, wait_seconds=1, visibility_timeout=0
        ):
            ids.add(message.transport_id)
            receipts.append(message.receipt)
    again = transport.receive(queue, max_messages=10, wait_seconds=1)
    receipts += [message.receipt for message in again]
    assert len(ids) == 3 and {message.transport_id for message in again} <= ids
    assert again and len(set(receipts)) == len(receipts)
    assert all(uuid.UUID(transport_id) for transport_id in ids)  # shaped like a MessageId


def test_topic_delivers_raw_body_and_attributes(
    transport_and_queue: tuple[Transport, str, str],
) -> None:
    transport, queue, topic = transport_and_queue
    assert transport.send(Destination("topic", topic), [outgoing("t1", h="x")]).ok
    deadline = time.monotonic() + 5
    received: list[Any] = []
    while not received and time.monotonic() < deadline:  # SNS delivery is asynchronous on AWS
        received = transport.receive(queue, max_messages=1, wait_seconds=1)
    assert received[0].body == '{"key": "t1"}'
    assert received[0].attributes == {"taskhawk_task": "t", "h": "x"}


def test_visibility_zero_redelivers_with_growing_count_then_redrive(
    transport_and_queue: tuple[Transport, str, str],
) -> None:
    transport, queue, _ = transport_and_queue
    transport.send(Destination("queue", queue), [outgoing("r")])
    counts = []
    for _ in range(2):
        [received] = transport.receive(queue, max_messages=1, wait_seconds=1)
        counts.append(received.receive_count)
        transport.change_visibility(queue, received.receipt, 0)
    assert counts == [1, 2]
    assert transport.receive(queue, max_messages=1, wait_seconds=0) == []  # moved on 3rd receive
    [dead] = transport.receive(f"{queue}-DLQ", max_messages=1, wait_seconds=1)
    assert dead.body == '{"key": "r"}'


def test_extended_visibility_hides_the_message(
    transport_and_queue: tuple[Transport, str, str],
) -> None:
    transport, queue, _ = transport_and_queue
    transport.send(Destination("queue", queue), [outgoing("v")])
    [received] = transport.receive(queue, max_messages=1, wait_seconds=1, visibility_timeout=1)
    transport.change_visibility(queue, received.receipt, 60)
    time.sleep(1.2)
    assert transport.receive(queue, max_messages=1, wait_seconds=0) == []


def test_a_batch_visibility_change_says_which_receipts_it_did_not_change(
    transport_and_queue: tuple[Transport, str, str],
) -> None:
    transport, queue, _ = transport_and_queue
    transport.send(Destination("queue", queue), [outgoing("x"), outgoing("y")])
    received = transport.receive(queue, max_messages=10, wait_seconds=1, visibility_timeout=1)
    assert len(received) == 2
    transport.delete(queue, [received[1].receipt])
    receipts = [m.receipt for m in received]
    assert list(transport.change_visibility_batch(queue, receipts, 60)) == [receipts[1]]
    time.sleep(1.2)
    assert transport.receive(queue, max_messages=1, wait_seconds=0) == []  # x stays hidden


def test_aws_clients_honour_timeouts_endpoints_and_session_token(moto_endpoint: str) -> None:
    settings = Settings(
        **{k.lower(): v for k, v in aws_settings(moto_endpoint).items()},
        aws_connect_timeout_s=3,
        aws_read_timeout_s=4,
        aws_session_token="session-token",
    )
    transport = AWSTransport(settings)
    for client, read_timeout in (
        (transport._sqs, 4),
        (transport._sns, 4),
        (transport._sqs_poll, 24),
        (transport._sqs_short_poll, 5),
    ):
        assert client.meta.config.connect_timeout == 3
        assert client.meta.config.read_timeout == read_timeout
        assert client.meta.endpoint_url == moto_endpoint
        assert client._request_signer._credentials.token == "session-token"


def test_short_polls_use_the_client_that_gives_up_sooner(moto_endpoint: str) -> None:
    """A consumer polling for 1 s (shutdown event, several queues) must not wait out a long
    poll's read timeout when the endpoint stalls."""
    queue_base = f"P{uuid.uuid4().hex[:8].upper()}"
    create_queues(moto_endpoint, queue_base)
    taskhawk.configure(aws_settings(moto_endpoint, queue_base))
    transport = AWSTransport(get_settings())
    calls: list[str] = []
    for label, client in (("long", transport._sqs_poll), ("short", transport._sqs_short_poll)):
        client.meta.events.register(
            "before-call.sqs.ReceiveMessage", lambda label=label, **_: calls.append(label)
        )
    queue = f"TASKHAWK-{queue_base}"
    transport.receive(queue, max_messages=1, wait_seconds=1)
    transport.receive(queue, max_messages=1, wait_seconds=0)
    transport.send(Destination("queue", queue), [outgoing("waiting")])  # the long poll returns
    assert len(transport.receive(queue, max_messages=1, wait_seconds=20)) == 1
    assert calls == ["short", "short", "long"]


def test_secrets_are_never_logged(
    moto_endpoint: str, aws: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    @taskhawk.task
    def logged(value: int) -> None: ...

    with caplog.at_level(logging.DEBUG):
        logged.dispatch(1)
        with pytest.raises(taskhawk.PublishError):
            taskhawk.configure(aws_settings(moto_endpoint, "MISSING"))
            logged.dispatch(2)
    assert caplog.records, "DEBUG logging captured nothing"
    assert SECRET_KEY not in caplog.text


def test_memory_receive_waiting_on_an_empty_queue_gets_a_message_sent_meanwhile() -> None:
    memory = MemoryTransport()
    memory.create_queue("Q")
    sender = threading.Timer(0.2, memory.send, (Destination("queue", "Q"), [outgoing("late")]))
    sender.start()
    try:
        [received] = memory.receive("Q", max_messages=10, wait_seconds=20)
    finally:
        sender.join()
    assert received.body == '{"key": "late"}'


def test_memory_keep_sent_false_delivers_and_keeps_no_record() -> None:
    memory = MemoryTransport(keep_sent=False)
    memory.create_queue("Q")
    assert memory.send(Destination("queue", "Q"), [outgoing("a"), outgoing("b")]).ok
    assert memory.sent == []
    assert [m.body for m in memory.receive("Q", max_messages=10, wait_seconds=0)] == [
        '{"key": "a"}',
        '{"key": "b"}',
    ]
    recording = MemoryTransport()
    recording.send(Destination("queue", "Q"), [outgoing("a")])
    assert [message.key for _, message in recording.sent] == ["a"]


def test_memory_delete_names_only_the_unknown_receipts() -> None:
    memory = MemoryTransport()
    memory.create_queue("Q")
    memory.send(Destination("queue", "Q"), [outgoing(str(i)) for i in range(3)])
    first, second, third = memory.receive("Q", max_messages=10, wait_seconds=0)
    assert memory.delete("Q", [first.receipt, first.receipt]) == []  # the same one twice
    assert memory.delete("Q", [second.receipt, "stale", first.receipt]) == ["stale", first.receipt]
    assert memory.bodies("Q") == [third.body]
    assert memory.delete("NOWHERE", ["r"]) == ["r"]
    with pytest.raises(LookupError):  # a delete made no queue
        memory.receive("NOWHERE", max_messages=1, wait_seconds=0)
