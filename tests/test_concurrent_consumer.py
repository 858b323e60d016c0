"""`--concurrency N` over the in-memory transport: async tasks run many at a time on one loop,
bounded; plain tasks one at a time; the same decisions as the one-at-a-time consumer; FIFO
groups in order and never two at a time; shutdown releases what had not started; the crash
record follows every message; a task that blocks the loop is named."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from opentelemetry import trace

import taskhawk
from taskhawk import Priority
from taskhawk.consume.concurrent import ConcurrentConsumer, _Held
from taskhawk.consume.crash_watch import (
    RUNNING,
    SETTLED,
    WAITING,
    BatchSlot,
    CrashLedger,
    DeadChild,
    read_dead_child,
    settle_dead_children,
)
from taskhawk.consume.slot_pool import SlotPool
from taskhawk.consume.sqs import Consumer
from taskhawk.consume.turns import Turns
from taskhawk.transport import ReceivedMessage
from taskhawk.transport.current import use_transport
from taskhawk.transport.limits import MAX_BATCH
from taskhawk.transport.memory import MemoryTransport
from taskhawk.transport.naming import AppNames
from tests.support.call_log import CallLog
from tests.support.otel import collecting
from tests.test_consumer import Recording

APP = "CONC"
NAMES = AppNames(APP)
QUEUE, DLQ = NAMES.queue(Priority.default), NAMES.dead_letter_queue(Priority.default)
FIFO = AppNames(APP, fifo=True)
FIFO_QUEUE, FIFO_DLQ = FIFO.queue(Priority.default), FIFO.dead_letter_queue(Priority.default)

events: list[tuple[str, str]] = []
fail_once: set[str] = set()
gauge = {"async": 0, "async_max": 0, "plain": 0, "plain_max": 0}
lock = threading.Lock()
tracer = trace.get_tracer("tests")


def enter(kind: str, key: str) -> None:
    with lock:
        events.append(("start", key))
        gauge[kind] += 1
        gauge[f"{kind}_max"] = max(gauge[f"{kind}_max"], gauge[kind])


def leave(kind: str, key: str) -> None:
    with lock:
        gauge[kind] -= 1
        if key in fail_once:
            fail_once.discard(key)
            events.append(("fail", key))
            raise RuntimeError(f"{key} failed once")
        events.append(("end", key))


@taskhawk.task(name="conc.io")
async def io(key: str, seconds: float = 0.3) -> None:
    enter("async", key)
    await asyncio.sleep(seconds)
    leave("async", key)


@taskhawk.task(name="conc.plain")
def plain(key: str, seconds: float = 0.05) -> None:
    enter("plain", key)
    time.sleep(seconds)
    leave("plain", key)


@taskhawk.task(name="conc.blocker")
async def blocker(seconds: float) -> None:
    time.sleep(seconds)  # what an async task must not do


@pytest.fixture
def memory() -> Iterator[Recording]:
    events.clear()
    fail_once.clear()
    gauge.update(dict.fromkeys(gauge, 0))
    transport = Recording()
    transport.create_queue(QUEUE, dead_letter=DLQ, max_receive_count=4)
    transport.create_queue(FIFO_QUEUE, dead_letter=FIFO_DLQ, max_receive_count=4)
    taskhawk.configure(TASKHAWK_QUEUE=APP, TASKHAWK_RETRY_BACKOFF_BASE_S=1)
    with use_transport(transport):
        yield transport


def slots(count: int) -> list[BatchSlot]:
    return [BatchSlot(multiprocessing.get_context("spawn")) for _ in range(count)]


class Running:
    """A ConcurrentConsumer in a thread, until `stop()`."""

    def __init__(self, concurrency: int, visibility_s: int = 30) -> None:
        self.slots = slots(concurrency)
        pool = SlotPool(self.slots)
        consumer = Consumer([Priority.default], observer=pool, visibility_timeout_s=visibility_s)
        self.runner = ConcurrentConsumer(consumer, concurrency, pool)
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self.runner.run, args=(self.stop_event,))
        self.thread.start()

    def stop(self) -> None:
        self.stop_event.set()
        self.thread.join(30)
        assert not self.thread.is_alive()


def serve(
    concurrency: int, until: Callable[[], bool], timeout: float = 20, visibility_s: int = 30
) -> Running:
    running = Running(concurrency, visibility_s)
    try:
        wait(until, timeout)
    finally:
        running.stop()
    return running


def wait(until: Callable[[], bool], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not until():
        assert time.monotonic() < deadline, f"timed out; events: {events}"
        time.sleep(0.02)


def ended(count: int) -> Callable[[], bool]:
    return lambda: sum(1 for kind, _ in events if kind == "end") >= count


def test_async_tasks_run_many_at_a_time_bounded_by_the_concurrency(
    memory: Recording, caplog: pytest.LogCaptureFixture
) -> None:
    with taskhawk.batch():
        for n in range(12):
            io.dispatch(f"m{n}")
    with caplog.at_level(logging.DEBUG, logger="taskhawk.consumer"):  # successes: DEBUG
        serve(5, ended(12))
    assert gauge["async_max"] == 5
    assert memory.bodies(QUEUE) == []  # every one deleted, none left to run again
    assert caplog.text.count("task succeeded: conc.io") == 12


def test_plain_tasks_still_run_one_at_a_time_beside_async_ones(memory: Recording) -> None:
    with taskhawk.batch():
        for n in range(4):
            plain.dispatch(f"p{n}")
            io.dispatch(f"a{n}")
    serve(8, ended(8))
    assert gauge["plain_max"] == 1
    assert gauge["async_max"] > 1


def test_a_failed_async_task_is_hidden_for_the_backoff_as_on_any_worker(
    memory: Recording,
) -> None:
    fail_once.add("f")
    io.dispatch("f", 0.01)
    serve(3, ended(1))
    assert ("fail", "f") in events and ("end", "f") in events  # retried after 1 s
    assert any(seconds == 1 for queue, _, seconds in memory.visibility if queue == QUEUE)
    assert memory.bodies(QUEUE) == []


def test_a_fifo_group_runs_in_order_one_at_a_time_while_groups_overlap(
    memory: Recording,
) -> None:
    taskhawk.configure(TASKHAWK_QUEUE=APP, TASKHAWK_FIFO=True, TASKHAWK_RETRY_BACKOFF_BASE_S=1)
    with taskhawk.batch():
        for n in range(4):
            io.with_group("ada").dispatch(f"ada{n}", 0.1)
            io.with_group("bob").dispatch(f"bob{n}", 0.1)
    serve(8, ended(8))
    for group in ("ada", "bob"):
        mine = [(kind, key) for kind, key in events if key.startswith(group)]
        assert mine == [(kind, f"{group}{n}") for n in range(4) for kind in ("start", "end")]
    assert gauge["async_max"] == 2


def test_a_fifo_failure_holds_the_rest_of_its_group_back_until_its_retry(
    memory: Recording,
) -> None:
    taskhawk.configure(TASKHAWK_QUEUE=APP, TASKHAWK_FIFO=True, TASKHAWK_RETRY_BACKOFF_BASE_S=1)
    fail_once.add("ada1")
    with taskhawk.batch():
        for n in range(3):
            io.with_group("ada").dispatch(f"ada{n}", 0.01)
    serve(5, ended(3))
    ada = [(kind, key) for kind, key in events if kind != "start"]
    assert ada == [("end", "ada0"), ("fail", "ada1"), ("end", "ada1"), ("end", "ada2")]
    assert memory.bodies(FIFO_QUEUE) == []


def test_shutdown_lets_running_tasks_finish_and_releases_those_not_started(
    memory: Recording, caplog: pytest.LogCaptureFixture
) -> None:
    taskhawk.configure(TASKHAWK_QUEUE=APP, TASKHAWK_FIFO=True)
    with taskhawk.batch():
        for n in range(3):
            io.with_group("ada").dispatch(f"ada{n}", 0.5)
    running = Running(4)
    with caplog.at_level(logging.INFO, logger="taskhawk.consumer"):
        wait(lambda: ("start", "ada0") in events)
        running.stop()
    assert events == [("start", "ada0"), ("end", "ada0")]
    assert "released 2 received messages not started" in caplog.text
    assert len(memory.bodies(FIFO_QUEUE)) == 2
    # Released at once (visibility 0), not after the 30 s visibility timeout.
    again = memory.receive(FIFO_QUEUE, max_messages=10, wait_seconds=0)
    assert [r.receive_count for r in again] == [2, 2]  # the consumer's receive, and this one


def test_every_message_in_flight_is_in_the_crash_record_until_it_is_deleted(
    memory: Recording,
) -> None:
    for n in range(3):
        io.dispatch(f"m{n}", 0.5)
    running = Running(3)
    try:
        wait(lambda: sum(1 for kind, _ in events if kind == "start") == 3)
        states = [
            slot.states[index] for slot in running.slots if slot.length.value for index in range(3)
        ]
        assert states.count(RUNNING) == 3
        wait(ended(3))
    finally:
        running.stop()
    assert all(slot.length.value == 0 for slot in running.slots)
    assert memory.bodies(QUEUE) == []


def test_an_async_task_that_blocks_the_loop_is_named_in_a_warning(
    memory: Recording, caplog: pytest.LogCaptureFixture
) -> None:
    message_id = blocker.dispatch(1.5)
    with caplog.at_level(logging.DEBUG, logger="taskhawk.consumer"):  # successes: DEBUG
        serve(2, lambda: "task succeeded: conc.blocker" in caplog.text)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(
        f"task conc.blocker (message {message_id}) has blocked the event loop" in line
        for line in warnings
    ), warnings
    assert any("the event loop ran again after" in line for line in warnings), warnings


def test_a_turn_alone_waits_for_the_running_ones_and_nothing_starts_beside_it() -> None:
    turns = Turns()
    log: list[str] = []

    def run(name: str, alone: bool, seconds: float) -> None:
        with turns.turn(alone=alone):
            log.append(f"+{name}")
            time.sleep(seconds)
            log.append(f"-{name}")

    first = threading.Thread(target=run, args=("a", False, 0.3))
    first.start()
    time.sleep(0.05)
    suspect = threading.Thread(target=run, args=("s", True, 0.3))
    suspect.start()
    time.sleep(0.05)
    later = threading.Thread(target=run, args=("b", False, 0.01))
    later.start()
    for thread in (first, suspect, later):
        thread.join(5)
    assert log == ["+a", "-a", "+s", "-s", "+b", "-b"]


@taskhawk.task(name="conc.traced")
async def traced(key: str) -> None:
    await asyncio.sleep(0.2)  # the others run meanwhile: each span must stay with its task
    with tracer.start_as_current_span(f"inside {key}"):
        await asyncio.sleep(0.01)
    if key == "boom":
        raise ValueError("boom")


def test_each_async_task_runs_inside_its_own_message_span(memory: Recording) -> None:
    with collecting() as otel:
        for key in ("a", "b", "boom"):
            traced.dispatch(key)
        serve(3, lambda: len(otel.finished()) >= 9)  # 3 sends, 3 process spans, 3 inside
        finished = otel.finished()
    processes = {
        span.attributes["messaging.message.id"]: span  # type: ignore[index]
        for span in finished
        if span.name == f"process {QUEUE}"
    }
    assert sorted(str(s.attributes["taskhawk.outcome"]) for s in processes.values()) == [  # type: ignore[index]
        "retried", "succeeded", "succeeded",
    ]  # fmt: skip
    inside = [span for span in finished if span.name.startswith("inside ")]
    parents = {span.parent.span_id for span in inside if span.parent is not None}
    assert parents == {span.context.span_id for span in processes.values() if span.context}


def test_the_heartbeat_keeps_every_running_message_hidden(memory: Recording) -> None:
    for n in range(3):
        io.dispatch(f"long{n}", 3.0)  # longer than the 2 s visibility timeout
    serve(3, ended(3), visibility_s=2)
    assert [kind for kind, _ in events].count("start") == 3  # none received twice
    extended = [receipt for queue, receipt, seconds in memory.visibility if seconds == 2]
    assert len(set(extended)) == 3 and len(extended) >= 9  # a beat every 2/3 s, for each
    assert memory.bodies(QUEUE) == []


def test_no_progress_is_stamped_while_every_place_is_taken_by_a_running_task(
    memory: Recording,
) -> None:
    """The health file must go stale while a process's tasks hang, as it does one at a time."""
    for n in range(2):
        io.dispatch(f"hang{n}", 3.0)
    stamps: list[float] = []
    pool = SlotPool(slots(2))
    runner = ConcurrentConsumer(Consumer([Priority.default], observer=pool), 2, pool)
    stop = threading.Event()
    thread = threading.Thread(target=runner.run, args=(stop, lambda: stamps.append(1.0)))
    thread.start()
    try:
        wait(lambda: [kind for kind, _ in events].count("start") == 2)
        time.sleep(0.2)
        before = len(stamps)
        time.sleep(2.0)
        assert len(stamps) == before
    finally:
        stop.set()
        thread.join(30)


def test_a_death_among_batches_blames_none_of_the_messages_running_in_them(
    memory: Recording,
) -> None:
    context = multiprocessing.get_context("spawn")
    ledger = CrashLedger(context, 1)
    dead = [
        DeadChild(QUEUE, {RUNNING: [(f"t{n}", f"r{n}")], WAITING: []}) for n in range(2)
    ]  # one running message in each of two batches
    settle_dead_children(memory, dead, ledger, "killed by SIGKILL")
    assert ledger.suspected("t0") and ledger.suspected("t1")
    assert ledger.refusal("t0") is None and ledger.refusal("t1") is None
    settle_dead_children(memory, dead[:1], ledger, "killed by SIGKILL")  # t0 alone this time
    assert "killed its worker process 1 times" in (ledger.refusal("t0") or "")


ran: list[str] = []


@taskhawk.task(name="conc.records")
def records(key: str) -> None:
    ran.append(key)


def lost_batch(count: int) -> tuple[ConcurrentConsumer, list[_Held], list[BatchSlot], CallLog]:
    """A runner holding a batch of `count` messages, the first of them received long ago."""
    ran.clear()
    memory = MemoryTransport()
    with use_transport(memory):
        for n in range(count):
            records.dispatch(f"m{n}")
    messages = [
        ReceivedMessage(QUEUE, out.body, f"r{n}", dict(out.attributes), 1, f"t{n}")
        for n, (_, out) in enumerate(memory.sent)
    ]
    log = CallLog()
    batch_slots = slots(1)
    pool = SlotPool(batch_slots)
    consumer = Consumer([Priority.default], observer=pool, transport=log, visibility_timeout_s=30)
    runner = ConcurrentConsumer(consumer, MAX_BATCH, pool)
    first = pool.take(messages)
    consumer.inflight.hold(messages[:1], time.monotonic() - 29.5)  # lost in 0.25 s
    consumer.inflight.hold(messages[1:], time.monotonic())
    held = [_Held(message, DLQ, first + n) for n, message in enumerate(messages)]
    return runner, held, batch_slots, log


@pytest.mark.usefixtures("memory")
def test_a_message_whose_visibility_ran_out_while_it_waited_for_its_turn_is_not_run() -> None:
    runner, held, _, log = lost_batch(1)
    carrier = threading.Thread(target=runner._carry, args=(held[0],))
    with runner._turns.turn(alone=True):  # a suspect runs alone: the message waits
        carrier.start()
        time.sleep(0.6)
    carrier.join(10)
    assert ran == [] and log.calls() == 0


@pytest.mark.usefixtures("memory")
def test_a_skipped_message_is_recorded_settled_not_waiting() -> None:
    runner, held, batch_slots, _ = lost_batch(2)
    time.sleep(0.6)
    runner._carry(held[0])
    dead = read_dead_child(batch_slots[0])
    assert dead is not None and ran == []
    assert dead.messages.get(SETTLED) == [("t0", "r0")]  # not released by a parent: not ours
    assert dead.messages.get(WAITING) == [("t1", "r1")]
