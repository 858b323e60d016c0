"""Running an `async def` task's coroutine to its end from the synchronous code that decides
its message.

A driver (the worker, Lambda, sync mode, the test recorder) must know a task's outcome before it
deletes or retries the message. Calling an `async def` function only creates a coroutine, so
unless the coroutine is run to its end the body never runs while the message is deleted as
done. `run_to_completion` runs it:

- on the event loop a process serves (`serving`), when there is one: an async worker or a Lambda
  batch runs many coroutines on one loop while each message's own thread waits for its outcome;
- otherwise on a new loop of its own, in this thread (or in a thread of its own when this one
  already runs a loop, as in sync mode called from async code).

While a loop is served, plain tasks of that process run one at a time (`call_plain`), as they do
on a worker without one, even though several messages' threads may call them.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import threading
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

__all__ = ["call_plain", "run_to_completion", "served_loop", "serving"]

T = TypeVar("T")


class _Served:
    """The loop this process serves, and the lane its plain tasks take one at a time."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.plain_lane = threading.RLock()  # a plain task may run another (sync mode)


_served: _Served | None = None


def served_loop() -> asyncio.AbstractEventLoop | None:
    return None if _served is None else _served.loop


@contextmanager
def serving() -> Iterator[asyncio.AbstractEventLoop]:
    """Run a new event loop in a thread of its own for the block; every coroutine run to
    completion meanwhile runs on it. The loop's tasks are cancelled when the block ends (its
    users wait for theirs first)."""
    global _served  # noqa: PLW0603 - one served loop per process, by design
    if _served is not None:
        raise RuntimeError("this process already serves an event loop")
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="taskhawk-event-loop", daemon=True)
    thread.start()
    _served = _Served(loop)
    try:
        yield loop
    finally:
        _served = None
        asyncio.run_coroutine_threadsafe(_cancel_all(), loop).result()
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()


async def _cancel_all() -> None:
    current = asyncio.current_task()
    tasks = [task for task in asyncio.all_tasks() if task is not current]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def run_to_completion(coroutine: Coroutine[Any, Any, T], name: str | None = None) -> T:
    """Run the coroutine to its end and return its result (or raise its exception). `name`
    names its asyncio task, so a warning about a blocked loop can say which task blocked it."""
    try:
        running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    served = _served
    if running is None:
        if served is not None and served.loop.is_running():
            return _on_served_loop(served.loop, coroutine, name)
        return asyncio.run(coroutine)
    # This thread runs a loop (sync mode called from async code, the served loop's own thread
    # included): waiting here for a task of that loop would never end. A thread of its own.
    with concurrent.futures.ThreadPoolExecutor(1, "taskhawk-run-coroutine") as pool:
        context = contextvars.copy_context()
        return pool.submit(context.run, asyncio.run, coroutine).result()


def _on_served_loop(
    loop: asyncio.AbstractEventLoop, coroutine: Coroutine[Any, Any, T], name: str | None
) -> T:
    """The coroutine becomes a task of the served loop, in a copy of this thread's context (so
    spans it opens are children of the message's span); this thread waits for its outcome."""
    outcome: concurrent.futures.Future[T] = concurrent.futures.Future()

    def start() -> None:
        task = loop.create_task(coroutine, name=name)
        task.add_done_callback(lambda done: _settle(done, outcome))

    loop.call_soon_threadsafe(start, context=contextvars.copy_context())
    return outcome.result()


def _settle(task: asyncio.Task[T], outcome: concurrent.futures.Future[T]) -> None:
    if task.cancelled():
        outcome.set_exception(asyncio.CancelledError(f"task {task.get_name()} was cancelled"))
        return
    error = task.exception()
    if error is not None:
        outcome.set_exception(error)
    else:
        outcome.set_result(task.result())


def call_plain(fn: Callable[..., T], args: Any, kwargs: Any) -> T:
    """Call a plain task's function; while a loop is served, one plain task at a time."""
    served = _served
    if served is None:
        return fn(*args, **kwargs)
    with served.plain_lane:
        return fn(*args, **kwargs)
