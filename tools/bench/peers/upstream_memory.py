"""Upstream Taskhawk 4.7's backend interface over an in-process queue, for the library-only row.

As minimal as an SQS stand-in can be (a message id per send, a receipt per receive, a delete
that forgets it), so the row measures upstream, not a broker.

Upstream imports its optional OpenTelemetry hook on every message and, when the extra is not
installed, pays for a failing import each time; `stub_instrumentation` makes that import fail
at once, so upstream is measured as if it skipped the hook cleanly.
"""

from __future__ import annotations

import collections
import sys
import uuid
from typing import Any

from taskhawk.backends.base import TaskhawkConsumerBaseBackend, TaskhawkPublisherBaseBackend

_QUEUE: collections.deque[tuple[str, str, dict[str, Any]]] = collections.deque()


def stub_instrumentation() -> None:
    sys.modules["taskhawk.instrumentation"] = None  # type: ignore[assignment]


class _QueueMessage:
    """What upstream's SQS consumer reads of a boto3 SQS Message."""

    __slots__ = ("body", "message_attributes", "message_id", "receipt_handle")

    def __init__(self, message_id: str, body: str, attributes: dict[str, Any]) -> None:
        self.message_id = message_id
        self.body = body
        self.message_attributes = attributes
        self.receipt_handle = str(uuid.uuid4())


class MemoryPublisherBackend(TaskhawkPublisherBaseBackend):
    def __init__(self, priority: Any) -> None:
        self.priority = priority

    def _publish(self, message: Any, payload: str, headers: Any = None) -> str:
        attributes = {
            key: {"DataType": "String", "StringValue": str(value)}
            for key, value in (headers or {}).items()
        }
        message_id = str(uuid.uuid4())
        _QUEUE.append((message_id, payload, attributes))
        return message_id


class MemoryConsumerBackend(TaskhawkConsumerBaseBackend):
    def __init__(self, priority: Any, dlq: bool = False) -> None:
        self.in_flight: dict[str, tuple[str, str, dict[str, Any]]] = {}

    def pull_messages(self, num_messages: int = 1, visibility_timeout: Any = None) -> list[Any]:
        taken = []
        while _QUEUE and len(taken) < num_messages:
            entry = _QUEUE.popleft()
            message = _QueueMessage(*entry)
            self.in_flight[message.receipt_handle] = entry
            taken.append(message)
        return taken

    def process_message(self, queue_message: Any) -> None:
        self.message_handler(queue_message.body, queue_message.receipt_handle)

    def delete_message(self, queue_message: Any) -> None:
        del self.in_flight[queue_message.receipt_handle]

    def nack_message(self, queue_message: Any) -> None:
        _QUEUE.append(self.in_flight.pop(queue_message.receipt_handle))

    @staticmethod
    def pre_process_hook_kwargs(queue_message: Any) -> dict[str, Any]:
        return {"sqs_queue_message": queue_message}

    @staticmethod
    def post_process_hook_kwargs(queue_message: Any) -> dict[str, Any]:
        return {"sqs_queue_message": queue_message}


def queued() -> int:
    return len(_QUEUE)
