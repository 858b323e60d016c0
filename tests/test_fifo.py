"""FIFO apps over the in-memory transport, which enforces what the local endpoint does not
(a deduplication id remembered after its message was deleted): dispatch rules, order within a
group through failures, deduplication, Lambda FIFO events."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

import taskhawk
from taskhawk import Priority, clock, process_messages_for_lambda_consumer
from taskhawk.consume.dead_letter import REASON_ATTRIBUTE
from taskhawk.consume.sqs import Consumer
from taskhawk.transport.current import use_transport
from taskhawk.transport.memory import MemoryTransport
from taskhawk.transport.naming import AppNames
from tests.support.fakes import FakeClock, sqs_record

APP = "SHOP"
NAMES = AppNames(APP, fifo=True)
QUEUE, DLQ = NAMES.queue(Priority.default), NAMES.dead_letter_queue(Priority.default)
runs: list[tuple[str, int]] = []
fail_once: set[tuple[str, int]] = set()


@pytest.fixture
def fake() -> Iterator[FakeClock]:
    fake = FakeClock()
    with clock.use_clock(fake):
        yield fake


@pytest.fixture
def memory(fake: FakeClock) -> Iterator[MemoryTransport]:
    runs.clear()
    fail_once.clear()
    transport = MemoryTransport(clock=fake)
    transport.create_queue(QUEUE, dead_letter=DLQ, max_receive_count=4)
    taskhawk.configure(TASKHAWK_QUEUE=APP, TASKHAWK_FIFO=True, TASKHAWK_RETRY_BACKOFF_BASE_S=10)
    with use_transport(transport):
        yield transport


@taskhawk.task(name="shop.bill")
def bill(customer: str, n: int) -> None:
    if (customer, n) in fail_once:
        fail_once.discard((customer, n))
        raise RuntimeError(f"billing {customer} #{n} failed once")
    runs.append((customer, n))


def test_names_end_in_fifo() -> None:
    assert QUEUE == "TASKHAWK-SHOP.fifo" and DLQ == "TASKHAWK-SHOP-DLQ.fifo"
    assert NAMES.topic(Priority.high) == "taskhawk-shop-high-priority.fifo"


def test_a_fifo_dispatch_carries_its_group_and_the_message_id_as_deduplication_id(
    memory: MemoryTransport,
) -> None:
    message_id = bill.with_group("ada").dispatch("ada", 1)
    ((destination, outgoing),) = memory.sent
    assert destination.name == QUEUE
    assert (outgoing.group_id, outgoing.deduplication_id) == ("ada", message_id)
    assert json.loads(outgoing.body)["metadata"]["version"] == "1.0"  # the body is unchanged


def test_a_fifo_dispatch_without_a_group_or_with_a_delay_is_refused(
    memory: MemoryTransport,
) -> None:
    with pytest.raises(taskhawk.ConfigurationError, match=r"call with_group\(\.\.\.\)"):
        bill.dispatch("ada", 1)
    with pytest.raises(taskhawk.ConfigurationError, match="cannot delay one task"):
        bill.with_group("ada").with_delay(60).dispatch("ada", 1)
    bill.with_group("ada").with_expires(60).dispatch("ada", 1)  # an expiry is fine
    assert len(memory.sent) == 1


def test_a_group_on_a_standard_app_is_refused() -> None:
    taskhawk.configure(TASKHAWK_QUEUE=APP)
    with pytest.raises(taskhawk.ConfigurationError, match="need a FIFO app"):
        bill.with_group("ada").dispatch("ada", 1)


def test_bad_ids_are_refused_at_once() -> None:
    with pytest.raises(ValueError, match="1-128 letters"):
        bill.with_group("with space")
    with pytest.raises(ValueError, match="1-128 letters"):
        bill.with_deduplication_id("x" * 129)


def test_a_repeated_dispatch_with_one_deduplication_id_is_one_message_even_after_it_ran(
    memory: MemoryTransport,
) -> None:
    once = bill.with_group("ada").with_deduplication_id("invoice-7")
    once.dispatch("ada", 7)
    Consumer([Priority.default], num_messages=10).poll(0, wait_s=0)
    once.dispatch("ada", 7)  # within five minutes: SQS drops it, though the first is deleted
    Consumer([Priority.default], num_messages=10).poll(0, wait_s=0)
    assert runs == [("ada", 7)]


def test_a_failure_holds_its_groups_later_tasks_back_and_other_groups_go_on(
    memory: MemoryTransport, fake: FakeClock
) -> None:
    with taskhawk.batch():
        for n in range(1, 4):
            bill.with_group("ada").dispatch("ada", n)
            bill.with_group("bob").dispatch("bob", n)
    fail_once.add(("ada", 2))
    consumer = Consumer([Priority.default], num_messages=10)
    consumer.poll(0, wait_s=0)
    assert runs == [("ada", 1), ("bob", 1), ("bob", 2), ("bob", 3)]  # ada 3 was held back
    consumer.poll(0, wait_s=0)
    assert len(runs) == 4  # ada is locked while its failed task waits for its retry
    fake.now += 11  # the retry backoff
    consumer.poll(0, wait_s=0)
    assert [n for customer, n in runs if customer == "ada"] == [1, 2, 3]
    assert memory.bodies(QUEUE) == [] and memory.bodies(DLQ) == []


def test_poison_goes_to_the_dlq_and_its_group_goes_on(memory: MemoryTransport) -> None:
    bill.with_group("ada").dispatch("ada", 1)
    memory.send(
        taskhawk.transport.Destination("queue", QUEUE),
        [taskhawk.transport.OutgoingMessage("p", "not json", {}, group_id="ada")],
    )
    bill.with_group("ada").dispatch("ada", 3)
    Consumer([Priority.default], num_messages=10).poll(0, wait_s=0)
    assert runs == [("ada", 1), ("ada", 3)]
    assert memory.bodies(DLQ) == ["not json"]


def fifo_event(*steps: tuple[str, str]) -> dict[str, Any]:
    records = []
    for n, (group, mode) in enumerate(steps):
        body = {
            "id": f"00000000-0000-4000-8000-{n:012d}",
            "metadata": {"priority": "default", "timestamp": 1, "version": "1.0"},
            "headers": {},
            "task": "shop.bill",
            "args": [group, n],
            "kwargs": {},
        }
        if mode == "fail":
            fail_once.add((group, n))
        records.append(
            {
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:us-east-1:123456789012:{QUEUE}",
                "messageId": f"m-{n}",
                "receiptHandle": f"r-{n}",
                "body": json.dumps(body),
                "attributes": {"ApproximateReceiveCount": "1", "MessageGroupId": group},
                "messageAttributes": {},
            }
        )
    return {"Records": records}


EVENT = (("ada", "ok"), ("ada", "fail"), ("bob", "ok"), ("ada", "ok"), ("bob", "ok"))


def test_a_lambda_fifo_event_reports_the_failed_record_and_every_later_one(
    memory: MemoryTransport,
) -> None:
    response = process_messages_for_lambda_consumer(fifo_event(*EVENT))
    assert response == {"batchItemFailures": [{"itemIdentifier": f"m-{n}"} for n in (1, 2, 3, 4)]}
    assert runs == [("ada", 0)]


def test_with_skip_group_on_error_other_groups_go_on(memory: MemoryTransport) -> None:
    taskhawk.configure(
        TASKHAWK_QUEUE=APP, TASKHAWK_FIFO=True, TASKHAWK_LAMBDA_FIFO_SKIP_GROUP_ON_ERROR=True
    )
    response = process_messages_for_lambda_consumer(fifo_event(*EVENT))
    assert response == {"batchItemFailures": [{"itemIdentifier": f"m-{n}"} for n in (1, 3)]}
    assert runs == [("ada", 0), ("bob", 2), ("bob", 4)]


def _received_record(memory: MemoryTransport) -> dict[str, Any]:
    """The next message on the FIFO queue as a Lambda record carries it: its group and
    deduplication id among the record's system attributes, as AWS sends them."""
    (received,) = memory.receive(QUEUE, max_messages=1, wait_seconds=0)
    record = sqs_record(received)
    record["attributes"].update(
        MessageGroupId=received.group_id, MessageDeduplicationId=received.transport_id
    )
    return record


def _send(memory: MemoryTransport, body: str, group: str) -> None:
    memory.send(
        taskhawk.transport.Destination("queue", QUEUE),
        [taskhawk.transport.OutgoingMessage(body[:20], body, {}, group_id=group)],
    )


def _bill_body(n: int, **metadata: Any) -> str:
    version = "1.1" if metadata else "1.0"
    return json.dumps(
        {
            "id": f"00000000-0000-4000-8000-{n:012d}",
            "metadata": {"priority": "default", "timestamp": 1, "version": version, **metadata},
            "headers": {},
            "task": "shop.bill",
            "args": ["ada", n],
            "kwargs": {},
        }
    )


def test_a_lambda_fifo_poison_record_is_dead_lettered_at_once_in_its_group(
    memory: MemoryTransport,
) -> None:
    _send(memory, "not json", "ada")
    record = _received_record(memory)
    assert process_messages_for_lambda_consumer({"Records": [record]}) == {"batchItemFailures": []}
    assert memory.bodies(DLQ) == ["not json"]
    (attributes,) = memory.attributes(DLQ)
    assert attributes[REASON_ATTRIBUTE].startswith("invalid message: $: not valid JSON")
    (copy,) = [m for d, m in memory.sent if d.name == DLQ]
    assert copy.group_id == "ada" and copy.deduplication_id == record["messageId"]


def test_a_lambda_fifo_record_not_due_is_hidden_until_due_and_holds_its_group(
    memory: MemoryTransport, fake: FakeClock
) -> None:
    _send(memory, _bill_body(1, eta=int((fake.now + 3600) * 1000)), "ada")
    _send(memory, _bill_body(2), "ada")
    first = _received_record(memory)
    later = {**first, "messageId": "m-later", "body": _bill_body(2)}
    response = process_messages_for_lambda_consumer({"Records": [first, later]})
    failed = [item["itemIdentifier"] for item in response["batchItemFailures"]]  # type: ignore[index]
    assert failed == [first["messageId"], "m-later"]  # the group keeps its order
    assert runs == [] and all(m.delay_s == 0 for _, m in memory.sent)  # no DelaySeconds on FIFO
    fake.advance(3000)
    assert memory.receive(QUEUE, max_messages=10, wait_seconds=0) == []  # hidden, group locked
    fake.advance(601)
    (due,) = memory.receive(QUEUE, max_messages=1, wait_seconds=0)
    assert due.transport_id == first["messageId"]


def test_a_lambda_fifo_poison_record_between_good_ones_does_not_hold_its_group(
    memory: MemoryTransport,
) -> None:
    event = fifo_event(("ada", "ok"), ("ada", "ok"), ("ada", "ok"))
    event["Records"][1]["body"] = "not json"
    assert process_messages_for_lambda_consumer(event) == {"batchItemFailures": []}
    assert runs == [("ada", 0), ("ada", 2)]
    assert memory.bodies(DLQ) == ["not json"]


def test_a_fifo_message_due_beyond_what_its_receives_can_hold_is_dead_lettered_with_a_reason(
    memory: MemoryTransport, fake: FakeClock
) -> None:
    _send(memory, _bill_body(1, eta=int((fake.now + 30 * 86400) * 1000)), "ada")  # 30 days out
    consumer = Consumer([Priority.default], num_messages=10)
    for _ in range(6):  # the redrive policy allows 4 receives
        consumer.poll(0, wait_s=0)
        fake.advance(43200)
    assert runs == [] and memory.bodies(QUEUE) == []
    (attributes,) = memory.attributes(DLQ)
    assert "further out than a FIFO queue can hold it back" in attributes[REASON_ATTRIBUTE]
