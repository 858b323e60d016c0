"""listen_for_messages and the fate of each message, over the in-memory transport (SQS semantics
incl. redrive), recording every delete, visibility change and send the consumer makes."""

from __future__ import annotations

import functools
import json
import logging
import multiprocessing
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import pytest

import taskhawk
from taskhawk import (
    IgnoreException,
    LoggingException,
    Metadata,
    Priority,
    RetryException,
    listen_for_messages,
)
from taskhawk.consume.crash_watch import (
    RUNNING,
    TO_DELETE,
    WAITING,
    BatchSlot,
    CrashLedger,
    read_dead_child,
)
from taskhawk.consume.outcomes import Backoff
from taskhawk.consume.sqs import Consumer
from taskhawk.exceptions import ArgumentsMismatch, TransportError
from taskhawk.transport import Destination, OutgoingMessage, ReceivedMessage, SendResult
from taskhawk.transport.current import use_transport
from taskhawk.transport.memory import MemoryTransport
from taskhawk.transport.naming import dead_letter_queue_name, queue_name

APP = "DEV-MYAPP"
DEFAULT = queue_name(APP, Priority.default)
DEFAULT_DLQ = dead_letter_queue_name(APP, Priority.default)
HIGH = queue_name(APP, Priority.high)

calls: list[tuple[str, Any]] = []


class Recording(MemoryTransport):
    """MemoryTransport that records what the consumer asked of it, and can refuse sends."""

    def __init__(self) -> None:
        super().__init__()
        self.deletes: list[tuple[str, list[str]]] = []
        self.visibility: list[tuple[str, str, int]] = []
        self.refuse_sends_to: set[str] = set()

    def send(self, destination: Destination, messages: Sequence[OutgoingMessage]) -> SendResult:
        if destination.name in self.refuse_sends_to:
            return SendResult(not_sent={m.key: "AccessDenied: refused" for m in messages})
        return super().send(destination, messages)

    def delete(self, queue: str, receipts: Sequence[str]) -> list[str]:
        self.deletes.append((queue, list(receipts)))
        return super().delete(queue, receipts)

    def change_visibility(self, queue: str, receipt: str, seconds: int) -> None:
        self.visibility.append((queue, receipt, seconds))
        super().change_visibility(queue, receipt, seconds)


def app_recording() -> Recording:
    """A Recording holding the app's queue and dead-letter queue of every priority, each queue
    redriven after four receives."""
    recording = Recording()
    for priority in Priority:
        recording.create_queue(
            queue_name(APP, priority),
            dead_letter=dead_letter_queue_name(APP, priority),
            max_receive_count=4,
        )
    return recording


def pre_hook(**kwargs: Any) -> None:
    calls.append(("pre", kwargs))


def post_hook(**kwargs: Any) -> None:
    calls.append(("post", kwargs))


@pytest.fixture
def transport() -> Iterator[Recording]:
    calls.clear()
    recording = app_recording()
    taskhawk.configure(
        TASKHAWK_QUEUE=APP,
        TASKHAWK_PRE_PROCESS_HOOK=pre_hook,
        TASKHAWK_POST_PROCESS_HOOK=post_hook,
        TASKHAWK_RETRY_BACKOFF_BASE_S=5,
        TASKHAWK_RETRY_BACKOFF_MAX_S=60,
    )
    with use_transport(recording):
        yield recording


@taskhawk.task(name="tests.behave")
def behave(mode: str, metadata: Metadata, headers: dict[str, str]) -> None:
    calls.append(("task", {"mode": mode, "metadata": metadata, "headers": headers}))
    if mode == "ignore":
        raise IgnoreException("nothing to do")
    if mode == "retry":
        raise RetryException()
    if mode == "retry_delay":
        raise RetryException(delay_seconds=60)
    if mode == "logging":
        raise LoggingException("order not ready", extra={"order": 7, "name": "clash"})
    if mode == "boom":
        raise ValueError("boom")
    if mode == "type_error":
        raise TypeError("raised by the task itself")
    if mode == "extend":
        metadata.extend_visibility_timeout(100)
    if mode == "slow":
        time.sleep(1.3)


def body(mode: str = "ok", *, task: str = "tests.behave", priority: str = "default") -> str:
    return json.dumps(
        {
            "id": str(uuid.uuid4()),
            "metadata": {"priority": priority, "timestamp": 1460868253255, "version": "1.0"},
            "headers": {"request_id": "req-1"},
            "task": task,
            "args": [mode],
            "kwargs": {},
        }
    )


def put(
    transport: MemoryTransport,
    text: str,
    queue: str = DEFAULT,
    attributes: Mapping[str, str] | None = None,
) -> None:
    attrs = dict(attributes or {"taskhawk_task": "tests.behave", "request_id": "req-1"})
    transport.send(Destination("queue", queue), [OutgoingMessage("k", text, attrs)])


def task_calls() -> list[dict[str, Any]]:
    return [kwargs for kind, kwargs in calls if kind == "task"]


def hook_kinds() -> list[str]:
    return [kind for kind, _ in calls if kind != "task"]


def test_success_deletes_and_gives_hooks_and_task_the_received_message(
    transport: Recording,
) -> None:
    put(transport, body("ok"))
    listen_for_messages(Priority.default, loop_count=1)
    assert transport.bodies(DEFAULT) == []
    assert hook_kinds() == ["pre", "post"]
    pre = calls[0][1]
    assert set(pre) == {"queue_name", "sqs_queue_message"}
    assert pre["queue_name"] == DEFAULT
    received = pre["sqs_queue_message"]
    assert isinstance(received, ReceivedMessage) and received.receive_count == 1
    (call,) = task_calls()
    assert call["headers"] == {"request_id": "req-1"}
    metadata = call["metadata"]
    assert (metadata.priority, metadata.queue, metadata.receipt) == (
        Priority.default,
        DEFAULT,
        received.receipt,
    )
    assert transport.deletes == [(DEFAULT, [received.receipt])]


def test_ignore_exception_deletes_after_the_post_hook_without_an_error_log(
    transport: Recording, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="taskhawk")
    put(transport, body("ignore"))
    listen_for_messages("default", loop_count=1)
    assert transport.bodies(DEFAULT) == []
    assert hook_kinds() == ["pre", "post"]
    assert [re.sub(r"last [0-9.]+s", "last Ns", r.getMessage()) for r in caplog.records] == [
        f"consumer listening on {DEFAULT}",
        "task ignored: tests.behave (nothing to do)",
        "tasks in the last Ns: 1 handled: tests.behave ignored=1",  # the summary, at stop
        f"consumer stopped listening on {DEFAULT}",
    ]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


@pytest.mark.parametrize(
    ("mode", "visibility"),
    [("retry_delay", 60), ("retry", 5)],
    ids=["delay-honoured", "no-delay-uses-backoff"],
)
def test_retry_exception_hides_the_message_without_an_error_log(
    transport: Recording, caplog: pytest.LogCaptureFixture, mode: str, visibility: int
) -> None:
    caplog.set_level(logging.INFO, logger="taskhawk")
    put(transport, body(mode))
    listen_for_messages(Priority.default, loop_count=1)
    assert len(transport.bodies(DEFAULT)) == 1  # kept, in flight
    assert transport.deletes == []
    assert [(q, s) for q, _, s in transport.visibility] == [(DEFAULT, visibility)]
    assert hook_kinds() == ["pre"]
    (line,) = [r for r in caplog.records if r.getMessage().startswith("task retrying")]
    assert line.levelno == logging.INFO and line.retry_in_s == visibility  # type: ignore[attr-defined]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_logging_exception_is_logged_with_its_extra_and_retried(
    transport: Recording, caplog: pytest.LogCaptureFixture
) -> None:
    put(transport, body("logging"))
    listen_for_messages(Priority.default, loop_count=1)
    (record,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert record.getMessage() == "order not ready"
    assert record.exc_info is not None and isinstance(record.exc_info[1], LoggingException)
    assert record.order == 7  # type: ignore[attr-defined]
    assert record.extra_name == "clash"  # type: ignore[attr-defined]  # LogRecord owns "name"
    assert record.task == "tests.behave"  # type: ignore[attr-defined]
    assert [s for _, _, s in transport.visibility] == [5]
    assert len(transport.bodies(DEFAULT)) == 1


def test_other_exception_is_logged_and_retried_with_a_growing_delay(
    transport: Recording, caplog: pytest.LogCaptureFixture
) -> None:
    put(transport, body("boom"))
    for _ in range(3):
        listen_for_messages(Priority.default, loop_count=1)
        transport.change_visibility(DEFAULT, transport.visibility[-1][1], 0)  # time passes
    delays = [s for _, _, s in transport.visibility if s]
    assert delays == [5, 10, 20]
    failed = [r for r in caplog.records if r.getMessage().startswith("task failed")]
    assert [r.receive_count for r in failed] == [1, 2, 3]  # type: ignore[attr-defined]
    assert all(r.exc_info and isinstance(r.exc_info[1], ValueError) for r in failed)
    assert failed[0].getMessage() == "task failed: tests.behave (receive 1), retry in 5s"


def test_a_type_error_raised_inside_the_task_is_its_failure_and_retried(
    transport: Recording, caplog: pytest.LogCaptureFixture
) -> None:
    put(transport, body("type_error"))
    listen_for_messages(Priority.default, loop_count=1)
    assert transport.bodies(DEFAULT_DLQ) == []
    assert [s for _, _, s in transport.visibility] == [5]
    assert "task failed: tests.behave (receive 1), retry in 5s" in caplog.text


def with_connection(fn: Callable[..., None]) -> Callable[..., None]:
    """A decorator that supplies an argument itself, as database helpers do."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        fn("connection", *args, **kwargs)

    return wrapper


@taskhawk.task(name="tests.decorated")
@with_connection
def decorated(connection: str, mode: str) -> None:
    calls.append(("task", {"mode": mode, "connection": connection}))
    if mode == "type_error":
        raise TypeError("raised inside a decorated task")
    if mode == "nested_mismatch":  # as a sync-mode dispatch of another task with bad arguments
        raise ArgumentsMismatch("$", "another message's arguments", message_id="another")


@pytest.mark.parametrize("mode", ["type_error", "nested_mismatch"])
def test_errors_raised_inside_a_decorated_task_are_its_failures_and_retried(
    transport: Recording, mode: str
) -> None:
    put(transport, body(mode, task="tests.decorated"))
    listen_for_messages(Priority.default, loop_count=1)
    assert task_calls() == [{"mode": mode, "connection": "connection"}]
    assert transport.bodies(DEFAULT_DLQ) == []
    assert [s for _, _, s in transport.visibility] == [5]


def test_after_the_max_receive_count_redrive_moves_a_failing_message_to_the_dlq(
    transport: Recording, caplog: pytest.LogCaptureFixture
) -> None:
    put(transport, body("boom"))
    for _ in range(4):
        listen_for_messages(Priority.default, loop_count=1)
        transport.change_visibility(DEFAULT, transport.visibility[-1][1], 0)
    stop = threading.Event()  # 1 s polls: the 5th receive finds the message redriven
    listen_for_messages(Priority.default, loop_count=1, shutdown_event=stop)
    assert len(task_calls()) == 4
    assert transport.bodies(DEFAULT) == []
    assert len(transport.bodies(DEFAULT_DLQ)) == 1
    # The last receive the redrive policy allows promises no retry (TASKHAWK_MAX_RECEIVE_COUNT 4).
    failed = [r.getMessage() for r in caplog.records if r.getMessage().startswith("task failed")]
    assert failed[2] == "task failed: tests.behave (receive 3), retry in 20s"
    assert failed[3] == (
        "task failed: tests.behave (receive 4), last attempt; dead-lettered by the redrive policy"
    )
    assert [getattr(r, "last_attempt", False) for r in caplog.records if r.levelname == "ERROR"][
        -1
    ] is True


def test_a_retry_requested_on_the_last_receive_says_it_is_dead_lettered(
    transport: Recording, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="taskhawk")
    put(transport, body("retry"))
    for _ in range(4):
        listen_for_messages(Priority.default, loop_count=1)
        transport.change_visibility(DEFAULT, transport.visibility[-1][1], 0)
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("task retrying")]
    assert lines == [
        "task retrying: tests.behave, retry in 5s",
        "task retrying: tests.behave, retry in 10s",
        "task retrying: tests.behave, retry in 20s",
        "task retrying: tests.behave, last attempt; dead-lettered by the redrive policy",
    ]


def test_backoff_doubles_per_receive_and_is_capped() -> None:
    backoff = Backoff(base_s=30, max_s=900)
    assert [backoff.delay(n) for n in range(1, 8)] == [30, 60, 120, 240, 480, 900, 900]
    assert backoff.delay(0) == 30
    assert Backoff(base_s=30, max_s=10**9).delay(10**6) == 43_200


@pytest.mark.parametrize("hook", ["pre", "post"])
def test_a_failing_hook_is_a_failure_so_the_message_is_retried(
    transport: Recording, hook: str
) -> None:
    def failing(**kwargs: Any) -> None:
        raise RuntimeError(f"{hook} hook down")

    taskhawk.configure(
        TASKHAWK_QUEUE=APP,
        TASKHAWK_RETRY_BACKOFF_BASE_S=5,
        **{f"TASKHAWK_{hook.upper()}_PROCESS_HOOK": failing},
    )
    put(transport, body("ok"))
    listen_for_messages(Priority.default, loop_count=1)
    assert transport.deletes == []
    assert [s for _, _, s in transport.visibility] == [5]
    assert len(task_calls()) == (0 if hook == "pre" else 1)


def test_metadata_extends_visibility_on_the_queue_the_message_came_from(
    transport: Recording,
) -> None:
    put(transport, body("extend", priority="high"))  # claims high, sits in the default queue
    listen_for_messages(Priority.default, loop_count=1)
    assert [(q, s) for q, _, s in transport.visibility] == [(DEFAULT, 100)]
    assert transport.bodies(DEFAULT) == []


def test_successful_messages_are_deleted_in_batches_of_at_most_ten(transport: Recording) -> None:
    for _ in range(12):
        put(transport, body("ok"))
    listen_for_messages(Priority.default, num_messages=10, loop_count=2)
    assert transport.bodies(DEFAULT) == []
    assert [len(receipts) for _, receipts in transport.deletes] == [10, 2]


@pytest.mark.parametrize("num_messages", [0, 11])
def test_num_messages_is_an_sqs_batch(transport: Recording, num_messages: int) -> None:
    with pytest.raises(ValueError, match=r"1\.\.10"):
        listen_for_messages(Priority.default, num_messages=num_messages, loop_count=1)


def test_shutdown_event_stops_an_idle_loop_within_about_a_second(transport: Recording) -> None:
    stop = threading.Event()
    thread = threading.Thread(
        target=listen_for_messages, args=(Priority.default,), kwargs={"shutdown_event": stop}
    )
    thread.start()
    time.sleep(0.3)
    asked = time.monotonic()
    stop.set()
    thread.join(5)
    assert not thread.is_alive()
    assert time.monotonic() - asked < 1.5


def test_messages_already_received_are_finished_after_shutdown(transport: Recording) -> None:
    stop = threading.Event()

    @taskhawk.task(name="tests.stopper")
    def stopper(n: int) -> None:
        calls.append(("task", {"n": n}))
        stop.set()

    for n in range(3):
        text = json.dumps({**json.loads(body()), "task": "tests.stopper", "args": [n]})
        put(transport, text)
    listen_for_messages(Priority.default, num_messages=10, shutdown_event=stop)
    assert [c["n"] for c in task_calls()] == [0, 1, 2]
    assert transport.bodies(DEFAULT) == []


def test_heartbeat_keeps_every_unfinished_message_of_the_batch_hidden(
    transport: Recording,
) -> None:
    taskhawk.configure(TASKHAWK_QUEUE=APP, TASKHAWK_VISIBILITY_TIMEOUT_S=3)  # beats every 1 s
    put(transport, body("slow"))
    put(transport, body("ok"))
    listen_for_messages(Priority.default, num_messages=2, loop_count=1)
    beats = [(q, r) for q, r, s in transport.visibility if s == 3]
    assert len({receipt for _, receipt in beats}) == 2  # the waiting message was extended too
    assert transport.bodies(DEFAULT) == []


def test_several_priorities_prefer_the_first_given(transport: Recording) -> None:
    put(transport, body("ok", priority="default"))
    put(transport, body("ok", priority="high"), queue=HIGH)
    consumer = Consumer([Priority.high, Priority.default])
    consumer.run(loop_count=3, shutdown_event=threading.Event())  # high, high (empty), default
    assert [c["metadata"].queue for c in task_calls()] == [HIGH, DEFAULT]


def test_a_failed_receive_is_logged_and_retried(
    transport: Recording, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = transport.receive
    failures = iter([TransportError("endpoint unreachable")])

    def flaky(*args: Any, **kwargs: Any) -> list[ReceivedMessage]:
        for error in failures:
            raise error
        return real(*args, **kwargs)

    monkeypatch.setattr(transport, "receive", flaky)
    put(transport, body("ok"))
    listen_for_messages(Priority.default, loop_count=2, shutdown_event=threading.Event())
    assert "receive from TASKHAWK-DEV-MYAPP failed, next try in 1s" in caplog.text
    assert transport.bodies(DEFAULT) == []


UPSTREAM_SEMANTICS = "integration/upstream_wire/consumer_exception_semantics.json"


@pytest.mark.parametrize(
    ("case", "mode", "deleted"),
    [
        ("ok", "ok", True),
        ("ignore", "ignore", True),
        ("retry0", "retry", False),
        ("retry_delay", "retry_delay", False),
        ("logging", "logging", False),
        ("boom", "boom", False),
    ],
)
def test_hooks_per_outcome_match_upstream_and_only_done_messages_are_deleted(
    transport: Recording, case: str, mode: str, deleted: bool
) -> None:
    from pathlib import Path

    upstream = json.loads((Path(__file__).parent / UPSTREAM_SEMANTICS).read_text())[case]
    put(transport, body(mode))
    listen_for_messages(Priority.default, loop_count=1)
    assert hook_kinds() == [kind for kind, _ in upstream["hooks"]]
    assert (transport.bodies(DEFAULT) == []) is deleted
    # Upstream made failures visible again at once (a hot loop); here they stay hidden.
    assert len(transport.visibility) == (0 if deleted else 1)
    assert all(seconds > 0 for _, _, seconds in transport.visibility)


def test_a_batch_slot_tells_the_parent_what_a_dead_child_held_batch_after_batch() -> None:
    context = multiprocessing.get_context("spawn")
    slot = BatchSlot(context)
    slot.ledger = CrashLedger(context, 1)

    def batch(size: int, tag: str) -> list[ReceivedMessage]:
        return [ReceivedMessage("Q", "{}", f"{tag}-r{i}", {}, 1, f"{tag}-{i}") for i in range(size)]

    slot.received(batch(10, "long" * 20))
    slot.received(batch(3, "b"))  # shorter than the last: nothing of the last must show
    slot.starting(0, batch(3, "b")[0])
    slot.decided(0, True)
    slot.starting(1, batch(3, "b")[1])
    dead = read_dead_child(slot)
    assert dead is not None
    assert (dead.queue, dict(dead.messages)) == (
        "Q",
        {TO_DELETE: [("b-0", "b-r0")], RUNNING: [("b-1", "b-r1")], WAITING: [("b-2", "b-r2")]},
    )
    slot.ledger.record("b-1", "killed by SIGKILL")
    assert slot.ledger.refusal("b-0") is None
    assert "killed its worker process 1 times" in (slot.ledger.refusal("b-1") or "")


def test_a_batch_whose_fields_break_the_slot_lines_is_not_recorded_rather_than_misread() -> None:
    slot = BatchSlot(multiprocessing.get_context("spawn"))
    odd = ReceivedMessage("Q", "{}", "r-0\nforged-1\nforged-r1", {}, 1, "m-0")
    slot.received([odd])
    assert read_dead_child(slot) is None  # as a batch too large to record: the queue settles it
    slot.received([ReceivedMessage("Q", "{}", "r-1", {}, 1, "m-1")])
    dead = read_dead_child(slot)
    assert dead is not None and dict(dead.messages) == {WAITING: [("m-1", "r-1")]}
