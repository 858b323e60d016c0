"""`async def` tasks: every driver runs the coroutine's body to its end before it decides the
message (it was once deleted as "succeeded" with the body never run), reaches the same verdict as
for a plain task, and dispatch from an event loop never blocks it."""

from __future__ import annotations

import asyncio
import functools
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import Any

import pytest

import taskhawk
from taskhawk import IgnoreException, RetryException
from taskhawk.coroutines import run_to_completion, serving
from taskhawk.exceptions import ArgumentsMismatch
from taskhawk.settings import get_settings
from taskhawk.testing import Recorder
from taskhawk.transport import Destination, OutgoingMessage, SendResult
from taskhawk.transport.current import use_transport
from taskhawk.transport.memory import MemoryTransport
from tests.test_consumer import Recording
from tests.test_execute import (
    BACKOFF_BASE_S,
    DLQ,
    QUEUE,
    body,
    lambda_verdict,
    recorder_verdict,
    sync_verdict,
    worker_verdict,
)

ran: list[tuple[str, str]] = []


@taskhawk.task(name="exec.async_email")
async def async_email(to: str, subject: str) -> str:
    await asyncio.sleep(0.001)  # a real suspension: the body goes on after it
    if to == "ignore":
        raise IgnoreException("not wanted")
    if to == "retry":
        raise RetryException(delay_seconds=42)
    if to == "boom":
        raise KeyError("mail server")
    ran.append((to, subject))
    return to


def sns_record(text: str) -> dict[str, Any]:
    return {
        "EventSource": "aws:sns",
        "Sns": {"TopicArn": "arn:aws:sns:us-east-1:1:t", "MessageId": "sns-1", "Message": text},
    }


def async_body(args: list[Any], kwargs: dict[str, Any] | None = None) -> str:
    return body(args, kwargs, task=async_email.name)


CASES = {
    "succeeds": (async_body(["a@b.c", "hi"]), "done"),
    "ignored": (async_body(["ignore", "hi"]), "done"),
    "asks-for-retry": (async_body(["retry", "hi"]), "retry in 42s"),
    "fails": (async_body(["boom", "hi"]), f"retry in {BACKOFF_BASE_S}s"),
    "missing-argument": (async_body(["a@b.c"]), "dead-letter"),
}


@pytest.fixture
def transport() -> Iterator[Recording]:
    recording = Recording()
    recording.create_queue(QUEUE, dead_letter=DLQ)
    taskhawk.configure(TASKHAWK_QUEUE="EXEC-APP", TASKHAWK_RETRY_BACKOFF_BASE_S=BACKOFF_BASE_S)
    ran.clear()
    with use_transport(recording):
        yield recording


@pytest.mark.parametrize("case", list(CASES))
def test_every_driver_runs_an_async_task_to_its_end(transport: Recording, case: str) -> None:
    text, expected = CASES[case]
    fresh = Recording()
    fresh.create_queue(QUEUE, dead_letter=DLQ)
    verdicts = {
        "worker": worker_verdict(transport, text),
        "sync": sync_verdict(text),
        "recorder": recorder_verdict(text),
    }
    with use_transport(fresh):
        verdicts["lambda-sqs"] = lambda_verdict(fresh, text)
    assert {verdict.split(":")[0] for verdict in verdicts.values()} == {expected}, verdicts
    assert ran == ([("a@b.c", "hi")] * 4 if case == "succeeds" else [])


def test_an_async_task_run_by_an_sns_event_runs_its_body(transport: Recording) -> None:
    assert (
        taskhawk.process_messages_for_lambda_consumer(
            {"Records": [sns_record(async_body(["sns@b.c", "hi"]))]}
        )
        is None
    )
    assert ran == [("sns@b.c", "hi")]


def test_a_coroutine_returned_by_a_plain_function_is_run_too(transport: Recording) -> None:
    @functools.wraps(async_email.fn)
    def wrapped(to: str, subject: str) -> Awaitable[str]:
        return async_email.fn(to, subject)

    taskhawk.task(name="exec.wrapped")(wrapped)
    assert worker_verdict(transport, body(["w@b.c", "hi"], task="exec.wrapped")) == "done"
    assert ran == [("w@b.c", "hi")]


def test_an_async_task_is_recognised_and_called_directly_gives_its_coroutine() -> None:
    assert async_email.is_async
    assert asyncio.run(async_email("direct@b.c", "hi")) == "direct@b.c"


def test_sync_mode_runs_an_async_task_even_when_dispatched_inside_an_event_loop() -> None:
    taskhawk.configure(TASKHAWK_QUEUE="EXEC-APP", TASKHAWK_SYNC=True)
    ran.clear()

    async def main() -> None:
        async_email.dispatch("loop@b.c", "hi")
        await async_email.dispatch_async("awaited@b.c", "hi")

    asyncio.run(main())
    assert ran == [("loop@b.c", "hi"), ("awaited@b.c", "hi")]


def test_dispatch_of_an_async_task_checks_its_arguments(transport: Recording) -> None:
    with pytest.raises(ArgumentsMismatch, match="missing a required argument: 'subject'"):
        async_email.dispatch("a@b.c")  # type: ignore[call-arg]
    with pytest.raises(ArgumentsMismatch, match="missing a required argument: 'subject'"):
        asyncio.run(async_email.dispatch_async("a@b.c"))  # type: ignore[call-arg]
    assert transport.sent == []


class SlowTransport(MemoryTransport):
    """Every send takes `seconds`, as a slow network would: blocking, like boto3."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds
        self.sending_threads: list[str] = []

    def send(self, destination: Destination, messages: Sequence[OutgoingMessage]) -> SendResult:
        self.sending_threads.append(threading.current_thread().name)
        time.sleep(self.seconds)
        return super().send(destination, messages)


async def ticks_during(work: Callable[[], Awaitable[Any]]) -> tuple[int, Any]:
    """How often a 10 ms ticker ran on this loop while `work` was awaited, and its result."""
    done = asyncio.Event()
    count = 0

    async def ticker() -> None:
        nonlocal count
        while not done.is_set():
            await asyncio.sleep(0.01)
            count += 1

    ticking = asyncio.create_task(ticker())
    try:
        result = await work()
    finally:
        done.set()
        await ticking
    return count, result


def test_dispatch_async_never_blocks_the_event_loop() -> None:
    taskhawk.configure(TASKHAWK_QUEUE="EXEC-APP")
    slow = SlowTransport(0.4)
    with use_transport(slow):

        async def work() -> list[str]:
            first = await async_email.dispatch_async("a@b.c", "hi")
            many = await async_email.dispatch_many_async([(("b@b.c", "hi"), {})])
            return [first, *many]

        ticks, ids = asyncio.run(ticks_during(work))
    assert len(ids) == 2 and len(slow.sent) == 2
    # 0.8 s of blocking sends: a loop blocked by them would have ticked at most twice.
    assert ticks >= 20, ticks
    assert threading.main_thread().name not in slow.sending_threads


def test_dispatch_async_inside_a_batch_is_collected_until_the_batch_ends() -> None:
    taskhawk.configure(TASKHAWK_QUEUE="EXEC-APP")
    memory = MemoryTransport()

    async def main() -> str:
        with taskhawk.batch():
            message_id = await async_email.dispatch_async("a@b.c", "hi")
            assert memory.sent == []
        return message_id

    with use_transport(memory):
        message_id = asyncio.run(main())
    assert [outgoing.key for _, outgoing in memory.sent] == [message_id]


def test_the_recorder_runs_async_tasks(transport: Recording) -> None:
    recorder = Recorder(MemoryTransport())
    with use_transport(recorder.transport):
        async_email.dispatch("rec@b.c", "hi")
        recorder.assert_dispatched(async_email, args=["rec@b.c", "hi"])
        assert recorder.run_all() == 1
    assert ran == [("rec@b.c", "hi")]
    assert get_settings().taskhawk_queue == "EXEC-APP"


def test_a_coroutine_run_to_completion_from_the_served_loop_itself_does_not_wait_forever() -> None:
    async def inner() -> str:
        await asyncio.sleep(0.01)
        return "inner"

    async def outer() -> str:
        return run_to_completion(inner())  # as sync mode does, from a task of the served loop

    with serving():
        assert run_to_completion(outer(), "outer") == "inner"
