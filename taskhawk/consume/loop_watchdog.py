"""Finding the async task that blocks its process's event loop.

Async tasks share one loop per worker process: one that blocks it (`time.sleep`, a blocking
client, a long computation) holds every other one up, and their heartbeats, timeouts and sockets
with them. A thread asks the loop to answer every `BLOCKED_S / 2` seconds; when it has not
answered after `BLOCKED_S`, the task running on it is named in a warning, and once the loop
answers again a second line says for how long it was blocked.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from types import TracebackType

__all__ = ["BLOCKED_S", "LoopWatchdog", "running_task"]

logger = logging.getLogger("taskhawk.consumer")

BLOCKED_S = 0.5  # a loop that has not run a callback for this long is blocked


def running_task(loop: asyncio.AbstractEventLoop) -> str:
    """The name of the asyncio task the loop is running now (read from another thread)."""
    task = asyncio.current_task(loop)
    return "code outside any task" if task is None else task.get_name()


class LoopWatchdog:
    """A daemon thread watching `loop` while the block runs."""

    def __init__(self, loop: asyncio.AbstractEventLoop, blocked_s: float = BLOCKED_S) -> None:
        self.loop = loop
        self.blocked_s = blocked_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="taskhawk-loop-watchdog")
        self._thread.daemon = True

    def __enter__(self) -> LoopWatchdog:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.blocked_s / 2):
            answered = threading.Event()
            asked = time.monotonic()
            try:
                self.loop.call_soon_threadsafe(answered.set)
            except RuntimeError:  # the loop is closed: nothing left to watch
                return
            if not answered.wait(self.blocked_s):
                self._blocked(answered, asked)

    def _blocked(self, answered: threading.Event, asked: float) -> None:
        culprit = running_task(self.loop)
        logger.warning(
            "task %s has blocked the event loop for %.1fs: every async task of this process "
            "waits meanwhile (await instead of blocking; asyncio.to_thread for a blocking call)",
            culprit, time.monotonic() - asked, extra={"blocking_task": culprit},
        )  # fmt: skip
        while not answered.wait(self.blocked_s):
            if self._stop.is_set():
                return
        blocked_s = time.monotonic() - asked
        logger.warning(
            "the event loop ran again after %.1fs blocked by task %s", blocked_s, culprit,
            extra={"blocking_task": culprit, "blocked_s": round(blocked_s, 3)},
        )  # fmt: skip
