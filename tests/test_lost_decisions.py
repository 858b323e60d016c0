"""A message lost to another consumer while its task ran (its visibility ran out by this
worker's clock: a frozen process) is left alone whatever its task decided: no retry hiding, no
dead letter, no send-back, no delete, and its crash record says settled, not to-delete, so the
parent deletes nothing with its stale receipt either."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest

import taskhawk
from taskhawk import Priority, RetryException
from taskhawk.consume.sqs import Consumer
from taskhawk.transport import ReceivedMessage
from taskhawk.transport.current import use_transport
from taskhawk.transport.memory import MemoryTransport
from taskhawk.transport.naming import AppNames
from tests.support.call_log import CallLog

APP = "LOSTAPP"
NAMES = AppNames(APP)
QUEUE, DLQ = NAMES.queue(Priority.default), NAMES.dead_letter_queue(Priority.default)
VISIBILITY_S = 30


@taskhawk.task(name="tests.lost.fails")
def fails() -> None:
    raise RetryException()


@taskhawk.task(name="tests.lost.works")
def works() -> None:
    pass


class Observer:
    """A BatchObserver recording decisions; refuses to run a message when told why."""

    def __init__(self, refusal: str | None = None) -> None:
        self.refusal = refusal
        self.decisions: list[tuple[int, bool]] = []

    def received(self, batch: object) -> None:
        pass

    def starting(self, index: int, received: ReceivedMessage) -> str | None:
        return self.refusal

    def decided(self, index: int, to_delete: bool) -> None:
        self.decisions.append((index, to_delete))


@pytest.fixture
def configured() -> Iterator[None]:
    taskhawk.configure(TASKHAWK_QUEUE=APP)
    yield


def received(task: taskhawk.Task[..., None], receipt: str = "old-receipt") -> ReceivedMessage:
    memory = MemoryTransport()
    with use_transport(memory):
        task.dispatch()
    ((_, outgoing),) = memory.sent
    return ReceivedMessage(QUEUE, outgoing.body, receipt, dict(outgoing.attributes), 1, "tid-1")


def lost_consumer(message: ReceivedMessage, observer: Observer) -> tuple[Consumer, CallLog]:
    """A consumer holding `message` since before its visibility ran out (as after a freeze)."""
    log = CallLog()
    consumer = Consumer(
        [Priority.default], visibility_timeout_s=VISIBILITY_S, transport=log, observer=observer
    )
    consumer.inflight.hold([message], time.monotonic() - VISIBILITY_S - 1)
    return consumer, log


@pytest.mark.usefixtures("configured")
def test_a_task_that_failed_after_its_message_was_lost_does_not_hide_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="taskhawk")
    observer = Observer()
    message = received(fails)
    consumer, log = lost_consumer(message, observer)
    assert consumer.handle(message, DLQ, 0) is False
    assert log.visibility == [] and log.calls() == 0
    assert observer.decisions == [(0, False)]
    assert "finished a task whose message was lost to another consumer" in caplog.text


@pytest.mark.usefixtures("configured")
def test_a_lost_message_is_not_dead_lettered_nor_recorded_to_delete() -> None:
    observer = Observer(refusal="the task killed its worker process 2 times")
    message = received(works)
    consumer, log = lost_consumer(message, observer)
    assert consumer.handle(message, DLQ, 0) is False
    assert log.sent == [] and log.calls() == 0
    assert observer.decisions == [(0, False)]  # settled: the parent deletes nothing


@pytest.mark.usefixtures("configured")
def test_a_finished_task_whose_message_was_lost_is_recorded_settled() -> None:
    observer = Observer()
    message = received(works)
    consumer, log = lost_consumer(message, observer)
    assert consumer.handle(message, DLQ, 0) is False
    consumer.inflight.flush()
    assert log.calls() == 0 and observer.decisions == [(0, False)]


@pytest.mark.usefixtures("configured")
def test_a_lost_message_is_not_held_back() -> None:
    observer = Observer()
    message = received(works)
    consumer, log = lost_consumer(message, observer)
    consumer.hold_back(message, 0)
    assert log.calls() == 0 and observer.decisions == [(0, False)]


@pytest.mark.usefixtures("configured")
def test_a_message_still_held_in_time_is_hidden_for_its_retry() -> None:
    observer = Observer()
    message = received(fails)
    log = CallLog()
    consumer = Consumer(
        [Priority.default], visibility_timeout_s=VISIBILITY_S, transport=log, observer=observer
    )
    consumer.inflight.hold([message], time.monotonic())
    assert consumer.handle(message, DLQ, 0) is False
    assert [receipt for receipt, _ in log.visibility] == ["old-receipt"]


@taskhawk.task(name="tests.lost.outlives")
def outlives() -> None:
    time.sleep(1.4)  # longer than the 1 s visibility: its batch-mate runs out meanwhile


@pytest.mark.usefixtures("configured")
def test_a_batch_mate_skipped_for_its_visibility_is_recorded_settled() -> None:
    taskhawk.configure(TASKHAWK_QUEUE=APP, TASKHAWK_HEARTBEAT_INTERVAL_S=0)
    observer = Observer()
    batch = [received(outlives, "slow"), received(works, "skipped")]
    log = CallLog(batch)
    consumer = Consumer(
        [Priority.default], num_messages=2, visibility_timeout_s=1, transport=log,
        observer=observer,
    )  # fmt: skip
    consumer.poll(0, wait_s=0)
    assert (1, False) in observer.decisions  # not left waiting: a parent would release it
    assert [receipt for receipt, _ in log.visibility] == []


class Raising(Observer):
    def starting(self, index: int, received: ReceivedMessage) -> str | None:
        raise RuntimeError("the crash record could not be written")


@pytest.mark.usefixtures("configured")
def test_a_message_whose_handling_raised_is_recorded_settled_not_running() -> None:
    observer = Raising()
    log = CallLog([received(works)])
    consumer = Consumer([Priority.default], transport=log, observer=observer)
    consumer.poll(0, wait_s=0)
    assert observer.decisions == [(0, False)]  # a later death of its process does not blame it
