"""`with taskhawk.batch():` collects dispatches and sends them in batches of ten on exit."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

from taskhawk.exceptions import PublishError
from taskhawk.transport import Destination
from taskhawk.wire import Message

__all__ = ["PendingBatch", "batch", "current_batch"]

_current: contextvars.ContextVar[PendingBatch | None] = contextvars.ContextVar(
    "taskhawk_batch", default=None
)


class PendingBatch:
    """Messages dispatched inside the block, per destination, in dispatch order."""

    def __init__(self) -> None:
        self.messages: dict[Destination, list[Message]] = {}
        self.sent_ids: list[str] = []

    def add(self, destination: Destination, message: Message) -> None:
        self.messages.setdefault(destination, []).append(message)

    def flush(self) -> None:
        from taskhawk.publisher import send_messages

        failures: dict[str, str] = {}
        for destination, messages in self.messages.items():
            try:
                send_messages(destination, messages)
            except PublishError as error:
                failures.update(error.failures)
            self.sent_ids.extend(m.id for m in messages if m.id not in failures)
        self.messages.clear()
        if failures:
            raise PublishError(
                f"{len(failures)} batched messages not sent: "
                + "; ".join(f"{key}: {reason}" for key, reason in failures.items()),
                failures=failures,
            )


def current_batch() -> PendingBatch | None:
    return _current.get()


@contextmanager
def batch() -> Iterator[PendingBatch]:
    """Dispatches inside return their ids at once; the messages go out when the block ends
    without an exception (an exception discards them: nothing half-sent)."""
    pending = PendingBatch()
    token = _current.set(pending)
    try:
        yield pending
    finally:
        _current.reset(token)
    pending.flush()
