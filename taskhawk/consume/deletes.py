"""Finished messages, deleted in batches of at most ten per queue (one request, not ten)."""

from __future__ import annotations

import logging
import time

from taskhawk.transport import Transport
from taskhawk.transport.limits import MAX_BATCH

__all__ = ["STALE_DELETE_S", "DeleteBuffer"]

logger = logging.getLogger("taskhawk.consumer")

STALE_DELETE_S = 1.0  # slow tasks do not keep finished messages waiting for the batch's end


class DeleteBuffer:
    def __init__(self, transport: Transport) -> None:
        self._transport = transport
        self._pending: dict[str, list[str]] = {}
        self._since: float | None = None

    def add(self, queue: str, receipt: str) -> None:
        self._pending.setdefault(queue, []).append(receipt)
        self._since = self._since or time.monotonic()
        if len(self._pending[queue]) >= MAX_BATCH:
            self.flush()

    def flush_if_stale(self) -> None:
        if self._since is not None and time.monotonic() - self._since >= STALE_DELETE_S:
            self.flush()

    def flush(self) -> None:
        pending, self._pending, self._since = self._pending, {}, None
        for queue, receipts in pending.items():
            for start in range(0, len(receipts), MAX_BATCH):
                self._delete(queue, receipts[start : start + MAX_BATCH])

    def _delete(self, queue: str, receipts: list[str]) -> None:
        try:
            failed = self._transport.delete(queue, receipts)
        except Exception as error:
            logger.error("delete failed on %s: %s", queue, error, extra={"queue": queue})
            failed = receipts
        if failed:
            logger.error(
                "%d finished messages not deleted from %s; they will run again",
                len(failed), queue, extra={"queue": queue},
            )  # fmt: skip
