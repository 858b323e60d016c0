"""moto's ReceiveMessage made to behave as SQS's for what the tests rely on."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from moto.sqs.models import SQSBackend

__all__ = ["atomic_receives"]

_RECEIVE_LOCK = threading.Lock()


def atomic_receives(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make moto's ReceiveMessage atomic, as SQS's is for a message's visibility.

    moto checks `message.visible` and marks the message received without a lock, so two
    concurrent receives (two worker processes) can both get the same message: measured twice in
    a 2,000-task soak, each redelivered ~40 ms after the first receive with receive count 2. That
    double delivery would be counted against the library. Receives run one at a time here; a
    long poll waits outside the lock.

    Each try also reads the FIFO groups in flight afresh: moto reads them once per receive, so
    a long poll that began before another receive took a group's messages could hand out a
    later message of that group (SQS never does).
    """
    original = SQSBackend.receive_message

    def receive_message(
        self: SQSBackend,
        queue_name: str,
        count: int,
        wait_seconds_timeout: int,
        visibility_timeout: int,
        message_attribute_names: list[str] | None = None,
    ) -> list[Any]:
        deadline = time.monotonic() + wait_seconds_timeout
        while True:
            with _RECEIVE_LOCK:
                result: list[Any] = original(
                    self, queue_name, count, 0, visibility_timeout, message_attribute_names
                )
            remaining = deadline - time.monotonic()
            if result or remaining <= 0:
                return result
            self.get_queue(queue_name).wait_for_messages(min(remaining, 0.5))  # type: ignore[arg-type]
            time.sleep(0.01)  # visible but taken by another receive: do not spin

    monkeypatch.setattr(SQSBackend, "receive_message", receive_message)
