"""Keeping received messages hidden while a long task runs (TASKHAWK_HEARTBEAT_INTERVAL_S).

Without it a task that outlives the queue's visibility timeout is delivered to a second worker
while the first is still running it; messages waiting their turn in a batch of ten can expire
too. Every `interval` seconds a thread re-extends each unfinished message of the batch to three
intervals, so one late beat does not expose it, and a dead worker's messages return soon.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from types import TracebackType

from taskhawk.consume.visibility import set_visibility
from taskhawk.transport import ReceivedMessage, Transport
from taskhawk.transport.limits import MAX_VISIBILITY_S

__all__ = ["VisibilityHeartbeat"]

logger = logging.getLogger("taskhawk.heartbeat")


class VisibilityHeartbeat:
    """Context manager around one batch; `release` a message before deciding its fate."""

    def __init__(
        self, transport: Transport, interval_s: int | None, batch: Iterable[ReceivedMessage]
    ) -> None:
        self._transport = transport
        self._interval = interval_s
        self._held = {received.receipt: received.queue for received in batch}
        self._lock = threading.Lock()  # a beat in progress finishes before release returns
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def visibility_s(self) -> int:
        return min(3 * (self._interval or 0), MAX_VISIBILITY_S)

    def __enter__(self) -> VisibilityHeartbeat:
        if self._interval and self._interval > 0 and self._held:
            self._thread = threading.Thread(
                target=self._run, name="taskhawk-heartbeat", daemon=True
            )
            self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def release(self, receipt: str) -> None:
        """Stop extending this message: its outcome decides its visibility from now on."""
        with self._lock:
            self._held.pop(receipt, None)

    def beat(self) -> None:
        with self._lock:
            for receipt, queue in list(self._held.items()):
                try:
                    set_visibility(self._transport, queue, receipt, self.visibility_s)
                except Exception as error:  # the message may return early; nothing is lost
                    logger.warning(
                        "heartbeat could not extend a message on %s: %s", queue, error,
                        extra={"queue": queue},
                    )  # fmt: skip

    def _run(self) -> None:
        assert self._interval is not None
        while not self._stop.wait(self._interval):
            self.beat()
