"""The messages dispatched inside `with taskhawk.batch():`, waiting to be sent when it ends.

Only the collecting is here; `taskhawk.publisher.batch` opens the block and sends.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

from taskhawk.sending import Outbound
from taskhawk.transport import Destination

__all__ = ["PendingBatch", "collecting", "current_batch"]

_current: contextvars.ContextVar[PendingBatch | None] = contextvars.ContextVar(
    "taskhawk_batch", default=None
)


class PendingBatch:
    """Messages dispatched inside the block, per destination, in dispatch order."""

    def __init__(self) -> None:
        self.messages: dict[Destination, list[Outbound]] = {}
        self.sent_ids: list[str] = []

    def add(self, destination: Destination, message: Outbound) -> None:
        self.messages.setdefault(destination, []).append(message)


def current_batch() -> PendingBatch | None:
    """The batch being collected in this context, if any."""
    return _current.get()


@contextmanager
def collecting() -> Iterator[PendingBatch]:
    """Make a new batch current for the block; the previous one is restored after it."""
    pending = PendingBatch()
    token = _current.set(pending)
    try:
        yield pending
    finally:
        _current.reset(token)
