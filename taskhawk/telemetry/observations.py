"""What one send and one received message report: span attributes (when their span records) and
metrics. Each is also the context manager around its work when no span is made.

Part of the [otel] extra: imported only with `opentelemetry-api` installed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextvars import Token
from types import TracebackType
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry.context import Context
from opentelemetry.trace import Span, Status, StatusCode

from taskhawk.telemetry import SNS, SQS
from taskhawk.telemetry.instruments import Instruments
from taskhawk.transport import Destination, ReceivedMessage, SendResult
from taskhawk.transport.payload_pointer import LEGACY_SIZE_ATTRIBUTE, SIZE_ATTRIBUTE, parse_pointer
from taskhawk.wire import Message

__all__ = ["Batch", "PublishObservation", "ReceiveObservation", "send_attributes", "system_of"]

Batch = Sequence[tuple[Destination, Sequence[Message]]]
# A send: how many of its messages went through S3, and their bodies' bytes; a received message:
# 1 when its body was in S3, and the size its sender gave.
LARGE_PAYLOAD_COUNT = "taskhawk.large_payload.count"
LARGE_PAYLOAD_BYTES = "taskhawk.large_payload.bytes"


def system_of(destination: Destination) -> str:
    return SNS if destination.kind == "topic" else SQS


def send_attributes(batch: Batch) -> dict[str, Any]:
    """The PRODUCER span's attributes (computed only when it records)."""
    attributes: dict[str, Any] = {
        "messaging.operation.type": "send",
        "messaging.operation.name": "send",
    }
    systems = {system_of(destination) for destination, _ in batch}
    if len(systems) == 1:
        attributes["messaging.system"] = systems.pop()
    if len(batch) == 1:
        attributes["messaging.destination.name"] = batch[0][0].name
    messages = [message for _, messages in batch for message in messages]
    tasks = {message.task for message in messages}
    if len(tasks) == 1:
        attributes["taskhawk.task"] = tasks.pop()
    if len(messages) == 1:
        attributes["messaging.message.id"] = messages[0].id
        attributes["taskhawk.priority"] = messages[0].metadata.priority
    else:
        attributes["messaging.batch.message_count"] = len(messages)
    return attributes


class PublishObservation:
    """`taskhawk.telemetry.Publishing`: the trace context to send, and the count of what went.
    Leaving it without `sent()` (refused before the first send) counts every message not sent."""

    def __init__(
        self,
        span: Span | None,
        trace_context: Mapping[str, str],
        batch: Batch,
        instruments: Instruments,
    ) -> None:
        self._span = span if span is not None and span.is_recording() else None
        self.trace_context = trace_context
        self._batch = batch
        self._instruments = instruments
        self._counted = False

    def __enter__(self) -> PublishObservation:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if not self._counted:
            self.sent(())

    def offloaded(self, count: int, size: int) -> None:
        if self._span is not None:
            self._span.set_attributes({LARGE_PAYLOAD_COUNT: count, LARGE_PAYLOAD_BYTES: size})

    def sent(self, results: Sequence[tuple[Destination, SendResult]]) -> None:
        """One count per message by outcome; a message no result names was not sent."""
        self._counted = True
        outcomes: dict[str, str] = {}
        everything_sent = bool(results) and all(result.ok for _, result in results)
        if not everything_sent:
            for _, result in results:
                outcomes.update(dict.fromkeys(result.sent, "sent"))
                outcomes.update(dict.fromkeys(result.unknown, "unknown"))
        counts: dict[tuple[str, str, str, str, str], int] = {}
        for destination, messages in self._batch:
            system, name = system_of(destination), destination.name
            for m in messages:
                outcome = "sent" if everything_sent else outcomes.get(m.id, "not_sent")
                key = (system, name, m.task, m.metadata.priority, outcome)
                counts[key] = counts.get(key, 0) + 1
        for (system, name, task, priority, outcome), count in counts.items():
            attributes = {
                "messaging.system": system,
                "messaging.destination.name": name,
                "taskhawk.task": task,
                "taskhawk.priority": priority,
                "taskhawk.publish.outcome": outcome,
            }
            self._instruments.published.add(count, attributes)
        failed = sum(count for key, count in counts.items() if key[4] != "sent")
        if failed and self._span is not None:
            self._span.set_attribute("taskhawk.publish.failed", failed)


class ReceiveObservation:
    """`taskhawk.telemetry.Consuming`: one message's span attributes and counts. As a context
    manager (no span made), it detaches the context it was handed when it ends."""

    def __init__(
        self,
        span: Span | None,
        system: str,
        destination: str,
        received: ReceivedMessage,
        instruments: Instruments,
        token: Token[Context] | None = None,
    ) -> None:
        self._span = span if span is not None and span.is_recording() else None
        self._instruments = instruments
        self._token = token
        self._attributes: dict[str, Any] = {
            "messaging.system": system,
            "messaging.destination.name": destination,
        }
        self._counted = False
        if self._span is not None:
            self._span.set_attributes(
                {
                    **self._attributes,
                    "messaging.operation.type": "process",
                    "messaging.operation.name": "process",
                    "taskhawk.receive_count": received.receive_count,
                    **_offload_attributes(received),
                }
            )

    def __enter__(self) -> ReceiveObservation:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._token is not None:
            otel_context.detach(self._token)

    def message(self, message: Message) -> None:
        task = {"taskhawk.task": message.task, "taskhawk.priority": message.metadata.priority}
        self._attributes.update(task)
        if self._span is not None:
            self._span.set_attributes({"messaging.message.id": message.id, **task})
        self._instruments.received.add(1, self._attributes)
        self._counted = True

    def finished(
        self, outcome: str, duration_s: float | None, error: BaseException | None, reason: str
    ) -> None:
        if not self._counted:  # never decoded: counted here, without a task
            self._instruments.received.add(1, self._attributes)
        attributes = {**self._attributes, "taskhawk.outcome": outcome}
        self._instruments.handled.add(1, attributes)
        if duration_s is not None:
            self._instruments.duration.record(duration_s, attributes)
        span = self._span
        if span is None:
            return
        span.set_attribute("taskhawk.outcome", outcome)
        if error is not None:
            span.set_attribute("error.type", type(error).__qualname__)
            span.record_exception(error)
        if error is not None or reason:
            span.set_status(Status(StatusCode.ERROR, reason or f"{type(error).__name__}: {error}"))


def _offload_attributes(received: ReceivedMessage) -> dict[str, Any]:
    """A message whose body is in S3: marked, with the payload's size when the sender gave it."""
    if parse_pointer(received.body) is None:
        return {}
    size = received.attributes.get(SIZE_ATTRIBUTE) or received.attributes.get(LEGACY_SIZE_ATTRIBUTE)
    found: dict[str, Any] = {LARGE_PAYLOAD_COUNT: 1}
    if size is not None and size.isdigit():
        found[LARGE_PAYLOAD_BYTES] = int(size)
    return found
