"""Scheduling (message format 1.1): with_delay and with_expires, the oldest-format rule, and
consumers that hold early messages back and drop expired ones, under a fake clock (no sleeping).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import taskhawk
from taskhawk import Priority, clock, process_messages_for_lambda_consumer
from taskhawk.consume.dead_letter import REASON_ATTRIBUTE
from taskhawk.consume.deferral import HIDDEN, SENT_BACK, Deferral, plan_deferral
from taskhawk.consume.lambda_handler import LambdaRecordsFailed
from taskhawk.consume.sqs import Consumer
from taskhawk.transport import OutgoingMessage, ReceivedMessage
from taskhawk.transport.current import use_transport
from taskhawk.transport.memory import MemoryTransport
from taskhawk.transport.naming import dead_letter_queue_name, queue_name
from tests.support.fakes import FakeClock, sqs_record

APP = "SCHED"
QUEUE = queue_name(APP, Priority.default)
DLQ = dead_letter_queue_name(APP, Priority.default)
START = 1_800_000_000.0  # a fixed wall-clock second, far from any real one
ran: list[tuple[str, float]] = []


@pytest.fixture
def fake() -> Iterator[FakeClock]:
    fake = FakeClock(START)
    with clock.use_clock(fake):
        yield fake


@pytest.fixture
def memory(fake: FakeClock) -> Iterator[MemoryTransport]:
    ran.clear()
    transport = MemoryTransport(clock=fake)
    transport.create_queue(QUEUE, dead_letter=DLQ, max_receive_count=4)
    taskhawk.configure(TASKHAWK_QUEUE=APP)
    with use_transport(transport):
        yield transport


@taskhawk.task(name="sched.remind")
def remind(who: str) -> None:
    ran.append((who, clock.now()))


def sent(memory: MemoryTransport) -> list[tuple[dict[str, Any], OutgoingMessage]]:
    return [(json.loads(message.body), message) for _, message in memory.sent]


def consume_once(memory: MemoryTransport) -> int:
    return Consumer([Priority.default], num_messages=10).poll(0, wait_s=0)


def test_a_plain_dispatch_is_an_exact_1_0_message(memory: MemoryTransport) -> None:
    remind.dispatch("ada")
    ((body, outgoing),) = sent(memory)
    assert body["metadata"] == {
        "priority": "default",
        "timestamp": int(START * 1000),
        "version": "1.0",
    }
    assert list(body) == ["id", "metadata", "headers", "task", "args", "kwargs"]
    assert outgoing.delay_s == 0


@pytest.mark.parametrize(
    "delay", [600, 600.0, timedelta(minutes=10), datetime.fromtimestamp(START + 600, UTC)]
)
def test_a_delay_up_to_15_minutes_is_the_queues_own_delay(
    memory: MemoryTransport, delay: Any
) -> None:
    remind.with_delay(delay).dispatch("ada")
    ((body, outgoing),) = sent(memory)
    assert body["metadata"]["version"] == "1.0" and "eta" not in body["metadata"]
    assert outgoing.delay_s == 600


def test_a_two_hour_delay_is_a_1_1_message_sent_with_the_longest_delay(
    memory: MemoryTransport,
) -> None:
    remind.with_delay(timedelta(hours=2)).dispatch("ada")
    ((body, outgoing),) = sent(memory)
    assert body["metadata"]["version"] == "1.1"
    assert body["metadata"]["eta"] == int((START + 7200) * 1000)
    assert outgoing.delay_s == 900
    assert taskhawk.wire.decode(outgoing.body).metadata.version == "1.1"  # valid 1.1


def test_an_expiry_is_a_1_1_message(memory: MemoryTransport) -> None:
    remind.with_expires(60).dispatch("ada")
    ((body, outgoing),) = sent(memory)
    assert body["metadata"]["version"] == "1.1"
    assert body["metadata"]["expires"] == int((START + 60) * 1000)
    assert "eta" not in body["metadata"] and outgoing.delay_s == 0


def test_a_saved_invocation_delays_each_dispatch_from_its_own_time(
    memory: MemoryTransport, fake: FakeClock
) -> None:
    later = remind.with_delay(timedelta(hours=1)).with_priority("default")
    later.dispatch("a")
    fake.advance(30)
    later.dispatch("b")
    etas = [body["metadata"]["eta"] for body, _ in sent(memory)]
    assert etas == [int((START + 3600) * 1000), int((START + 3630) * 1000)]


@pytest.mark.parametrize(
    ("stamp_ms", "delay_s", "expected_delay_s"),
    [(1_830_388_680_563, 4.35, 5), (1_739_432_476_541, 899.1, 900), (1_828_263_541_432, 0.2, 1)],
)
def test_eta_and_expires_are_exact_milliseconds_after_the_timestamp(
    memory: MemoryTransport, fake: FakeClock, stamp_ms: int, delay_s: float, expected_delay_s: int
) -> None:
    # At these moments `int((now + delay) * 1000)` in float seconds lands one millisecond short.
    fake.now = stamp_ms / 1000
    remind.with_expires(delay_s).dispatch("ada")
    remind.with_delay(delay_s).dispatch("bob")
    (expiring, _), (delayed, outgoing) = sent(memory)
    delay_ms = round(delay_s * 1000)
    assert expiring["metadata"]["timestamp"] == stamp_ms
    assert expiring["metadata"]["expires"] == stamp_ms + delay_ms
    assert outgoing.delay_s == expected_delay_s and "eta" not in delayed["metadata"]


@pytest.mark.parametrize("delay", [0.0004, timedelta(microseconds=1)])
def test_a_delay_under_a_millisecond_still_waits_a_second(
    memory: MemoryTransport, delay: Any
) -> None:
    remind.with_delay(delay).dispatch("ada")
    ((_, outgoing),) = sent(memory)
    assert outgoing.delay_s == 1


def test_a_delay_through_sns_is_an_exact_eta(memory: MemoryTransport, fake: FakeClock) -> None:
    stamp_ms = 1_830_388_680_563
    fake.now = stamp_ms / 1000
    taskhawk.configure(TASKHAWK_QUEUE=APP, TASKHAWK_PUBLISH_VIA_SNS=True, AWS_ACCOUNT_ID="1")
    remind.with_delay(4.35).dispatch("ada")
    ((body, _),) = sent(memory)
    assert body["metadata"]["eta"] == stamp_ms + 4350


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (datetime(2030, 1, 1), "timezone-aware"),
        (-1, ">= 0"),
        (float("nan"), "finite"),
        (True, "seconds, a timedelta"),
        ("10", "seconds, a timedelta"),
    ],
)
def test_bad_delays_and_expiries_are_refused_at_once(value: Any, error: str) -> None:
    with pytest.raises((ValueError, TypeError), match=error):
        remind.with_delay(value)
    with pytest.raises((ValueError, TypeError), match=error):
        remind.with_expires(value)


def test_a_fleet_mid_upgrade_can_forbid_the_newer_format(memory: MemoryTransport) -> None:
    taskhawk.configure(TASKHAWK_QUEUE=APP, TASKHAWK_MAX_FORMAT_VERSION="1.0")
    remind.with_delay(600).dispatch("fits in 1.0")
    with pytest.raises(taskhawk.ConfigurationError, match=r"TASKHAWK_MAX_FORMAT_VERSION=1\.0"):
        remind.with_delay(timedelta(hours=2)).dispatch("needs 1.1")
    with pytest.raises(taskhawk.ConfigurationError, match=r"format 1\.1 \(for metadata\.expires"):
        remind.with_expires(60).dispatch("needs 1.1")
    assert len(memory.sent) == 1


def test_an_sns_triggered_lambda_app_refuses_a_delay(memory: MemoryTransport) -> None:
    taskhawk.configure(TASKHAWK_QUEUE=APP, IS_LAMBDA_APP=True, AWS_ACCOUNT_ID="1")
    with pytest.raises(taskhawk.ConfigurationError, match="no queue to hold the message"):
        remind.with_delay(60).dispatch("ada")
    remind.with_expires(60).dispatch("ada")  # an expiry needs no queue


def test_through_sns_to_queues_even_a_short_delay_travels_as_eta(memory: MemoryTransport) -> None:
    taskhawk.configure(TASKHAWK_QUEUE=APP, TASKHAWK_PUBLISH_VIA_SNS=True, AWS_ACCOUNT_ID="1")
    remind.with_delay(60).dispatch("ada")
    ((body, outgoing),) = sent(memory)
    assert body["metadata"]["eta"] == int((START + 60) * 1000) and outgoing.delay_s == 0


def test_a_two_hour_delay_is_held_back_until_due_then_runs_once(
    memory: MemoryTransport, fake: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="taskhawk")
    message_id = remind.with_delay(timedelta(hours=2)).dispatch("ada")
    receives = 0
    while not ran and fake.now < START + 3 * 3600:
        receives += consume_once(memory)
        fake.advance(60)
    assert ran == [("ada", ran[0][1])] and ran[0][1] >= START + 7200  # once, never early
    assert receives == 2  # at 900 s: hidden until due (one call, nothing to duplicate); run
    ((body, _),) = sent(memory)  # never sent back: no second copy, ever
    assert body["id"] == message_id
    deferred = [r for r in caplog.records if r.getMessage().startswith("task not due yet")]
    assert len(deferred) == 1 and "due in 1h 45m; hidden 6300s" in deferred[0].getMessage()
    assert getattr(deferred[0], "deferral", None) == "hidden"
    assert memory.bodies(QUEUE) == [] and memory.bodies(DLQ) == []
    assert all(record.levelno < logging.WARNING for record in caplog.records)


def test_a_wait_beyond_twelve_hours_is_sent_back_and_deleted_at_once(
    memory: MemoryTransport, fake: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="taskhawk")
    remind.with_delay(timedelta(hours=13)).dispatch("ada")
    fake.advance(900)
    consume_once(memory)
    assert len(memory.sent) == 2 and memory.sent[1][1].delay_s == 900
    assert len(memory.bodies(QUEUE)) == 1  # the copy received was deleted with the send-back
    (line,) = [r for r in caplog.records if r.getMessage().startswith("task not due yet")]
    assert getattr(line, "deferral", None) == "sent_back"


def test_a_message_on_its_last_allowed_receive_is_sent_back_not_hidden(
    memory: MemoryTransport, fake: FakeClock
) -> None:
    remind.with_delay(timedelta(hours=2)).dispatch("ada")
    fake.advance(900)
    for _ in range(3):  # received three times and left: the next receive is the fourth of four
        memory.receive(QUEUE, max_messages=1, wait_seconds=0, visibility_timeout=0)
    consume_once(memory)
    assert len(memory.sent) == 2  # hidden, its next receive would move it to the DLQ
    fake.advance(900)
    consume_once(memory)
    assert memory.bodies(DLQ) == [] and ran == []


def test_an_expired_task_never_runs_and_is_deleted_with_one_line(
    memory: MemoryTransport, fake: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="taskhawk")
    remind.with_expires(60).dispatch("too late")
    fake.advance(90)
    consume_once(memory)
    assert ran == [] and memory.bodies(QUEUE) == [] and memory.bodies(DLQ) == []
    (line,) = [r for r in caplog.records if r.getMessage().startswith("task expired")]
    assert line.getMessage() == "task expired: sched.remind, 30.0s late; deleted unrun"


def test_expired_tasks_can_go_to_the_dlq_instead(memory: MemoryTransport, fake: FakeClock) -> None:
    taskhawk.configure(TASKHAWK_QUEUE=APP, TASKHAWK_DEAD_LETTER_EXPIRED=True)
    remind.with_expires(60).dispatch("too late")
    fake.advance(61)
    consume_once(memory)
    assert ran == [] and memory.bodies(QUEUE) == []
    (attributes,) = memory.attributes(DLQ)
    assert attributes[REASON_ATTRIBUTE] == "expired: not started before its expiry (1.0s late)"


def test_a_task_not_yet_expired_runs(memory: MemoryTransport, fake: FakeClock) -> None:
    remind.with_expires(60).dispatch("in time")
    fake.advance(59)
    consume_once(memory)
    assert [who for who, _ in ran] == ["in time"]


def test_sync_mode_runs_a_delayed_task_at_once_but_refuses_an_expired_one(
    fake: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    ran.clear()
    taskhawk.configure(TASKHAWK_QUEUE=APP, TASKHAWK_SYNC=True)
    remind.with_delay(timedelta(hours=2)).dispatch("now")
    assert [who for who, _ in ran] == ["now"]
    with caplog.at_level(logging.INFO, logger="taskhawk"):
        remind.with_expires(datetime.fromtimestamp(START - 5, UTC)).dispatch("expired")
    assert [who for who, _ in ran] == ["now"]
    assert "task expired: sched.remind, 5.0s late; deleted unrun" in caplog.text


def lambda_record(memory: MemoryTransport) -> dict[str, Any]:
    (received,) = memory.receive(QUEUE, max_messages=1, wait_seconds=0)
    return sqs_record(received)


def test_a_lambda_sqs_event_holds_an_early_message_back_like_a_worker(
    memory: MemoryTransport, fake: FakeClock
) -> None:
    remind.with_delay(timedelta(hours=2)).dispatch("ada")
    fake.advance(900)
    record = lambda_record(memory)
    response = process_messages_for_lambda_consumer({"Records": [record]})
    # Hidden until due and reported, so Lambda keeps it: no second copy is ever sent.
    assert response == {"batchItemFailures": [{"itemIdentifier": record["messageId"]}]}
    assert ran == [] and len(memory.sent) == 1
    fake.advance(6299)
    assert memory.receive(QUEUE, max_messages=1, wait_seconds=0) == []
    fake.advance(1)
    assert len(memory.receive(QUEUE, max_messages=1, wait_seconds=0)) == 1


def test_an_sns_triggered_lambda_cannot_hold_an_early_message(
    memory: MemoryTransport, fake: FakeClock
) -> None:
    remind.with_delay(timedelta(hours=2)).dispatch("ada")
    body = memory.sent[0][1].body
    event = {
        "Records": [
            {"EventSource": "aws:sns", "Sns": {"MessageId": "s-1", "Message": body}},
        ]
    }
    with pytest.raises(LambdaRecordsFailed, match="no queue"):
        process_messages_for_lambda_consumer(event)
    assert ran == []


def test_plans_for_old_and_fifo_messages() -> None:
    old = ReceivedMessage(QUEUE, "{}", "r", {}, 1, "m", sent_at_ms=clock.now_ms() - 13 * 3600_000)
    assert plan_deferral(7200, old, 4, fifo=False) == Deferral(SENT_BACK, 900)  # past 12 h
    assert plan_deferral(7200, old, 4, fifo=True) == Deferral(HIDDEN, 900)  # never a spin
    fresh = ReceivedMessage(QUEUE, "{}", "r", {}, 1, "m", sent_at_ms=clock.now_ms())
    assert plan_deferral(50_000, fresh, 4, fifo=True) == Deferral(HIDDEN, 43_200 - 60)
    assert plan_deferral(0.2, fresh, 4, fifo=False) == Deferral(HIDDEN, 1)
