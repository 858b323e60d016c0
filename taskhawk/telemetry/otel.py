"""Spans and metrics through OpenTelemetry's API (`opentelemetry-api`, the [otel] extra).

Imported by `taskhawk.telemetry` only when TASKHAWK_OPENTELEMETRY is on and the package is
installed. The tracer and meter are the global providers', through the API's proxies, so an SDK
set up after this module was imported is used from then on; with none, every call is a no-op and
a span's attributes are never even computed (`is_recording()` is False).

Spans follow OpenTelemetry's messaging semantic conventions: a PRODUCER span `send <destination>`
per send (one for a whole batch, whose trace context every message of it carries), and per
received message a CONSUMER span `process <queue>`, the child of the context the message carries
and linked to it, current while hooks and task run.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import metrics, propagate, trace
from opentelemetry.trace import Link, Span, SpanKind, Status, StatusCode

from taskhawk.telemetry import SNS, SQS
from taskhawk.telemetry.instruments import Instruments
from taskhawk.transport import Destination, ReceivedMessage, SendResult
from taskhawk.version import __version__
from taskhawk.wire import Message

__all__ = ["SCOPE", "OpenTelemetry"]

SCOPE = "taskhawk"  # the instrumentation scope of every span and instrument

Batch = Sequence[tuple[Destination, Sequence[Message]]]


class OpenTelemetry:
    """`taskhawk.telemetry.Telemetry` on the OpenTelemetry API; one per process."""

    def __init__(self) -> None:
        self._tracer = trace.get_tracer(SCOPE, __version__)
        self._instruments = Instruments(metrics.get_meter(SCOPE, __version__))

    @contextmanager
    def publishing(self, batch: Batch) -> Iterator[_Publishing]:
        name = f"send {batch[0][0].name}" if len(batch) == 1 else "send"
        with self._tracer.start_as_current_span(name, kind=SpanKind.PRODUCER) as span:
            if span.is_recording():
                span.set_attributes(_send_attributes(batch))
            carrier: dict[str, str] = {}
            propagate.inject(carrier)
            publishing = _Publishing(span, carrier, batch, self._instruments)
            try:
                yield publishing
            finally:
                if not publishing.counted:  # refused before the first send: nothing went out
                    publishing.sent([])

    @contextmanager
    def consuming(self, received: ReceivedMessage, system: str) -> Iterator[_Consuming]:
        carried = propagate.extract(received.attributes)
        remote = trace.get_current_span(carried).get_span_context()
        # A message that carries no context runs under the caller's (a Lambda layer's span).
        token = otel_context.attach(carried) if remote.is_valid else None
        destination = received.queue.rpartition(":")[2]  # an SNS record's topic ARN: its name
        try:
            with self._tracer.start_as_current_span(
                f"process {destination}",
                kind=SpanKind.CONSUMER,
                links=(Link(remote),) if remote.is_valid else None,
            ) as span:
                yield _Consuming(span, system, destination, received, self._instruments)
        finally:
            if token is not None:
                otel_context.detach(token)


def _system(destination: Destination) -> str:
    return SNS if destination.kind == "topic" else SQS


def _send_attributes(batch: Batch) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        "messaging.operation.type": "send",
        "messaging.operation.name": "send",
    }
    systems = {_system(destination) for destination, _ in batch}
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


class _Publishing:
    """`taskhawk.telemetry.Publishing`: the trace context to send, and the count of what went."""

    def __init__(
        self, span: Span, carrier: Mapping[str, str], batch: Batch, instruments: Instruments
    ) -> None:
        self._span = span
        self.trace_context = carrier
        self._batch = batch
        self._instruments = instruments
        self.counted = False

    def sent(self, results: Sequence[tuple[Destination, SendResult]]) -> None:
        """One count per message by outcome; a message no result names was not sent."""
        self.counted = True
        outcomes: dict[str, str] = {}
        for _, result in results:
            outcomes.update(dict.fromkeys(result.sent, "sent"))
            outcomes.update(dict.fromkeys(result.not_sent, "not_sent"))
            outcomes.update(dict.fromkeys(result.unknown, "unknown"))
        counts: Counter[tuple[str, str, str, str, str]] = Counter(
            (_system(d), d.name, m.task, m.metadata.priority, outcomes.get(m.id, "not_sent"))
            for d, messages in self._batch
            for m in messages
        )
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
        if failed and self._span.is_recording():
            self._span.set_attribute("taskhawk.publish.failed", failed)


class _Consuming:
    """`taskhawk.telemetry.Consuming`: one message's span attributes and counts."""

    def __init__(
        self,
        span: Span,
        system: str,
        destination: str,
        received: ReceivedMessage,
        instruments: Instruments,
    ) -> None:
        self._span = span
        self._instruments = instruments
        self._attributes: dict[str, Any] = {
            "messaging.system": system,
            "messaging.destination.name": destination,
        }
        self._counted = False
        if span.is_recording():
            span.set_attributes(
                {
                    **self._attributes,
                    "messaging.operation.type": "process",
                    "messaging.operation.name": "process",
                    "taskhawk.receive_count": received.receive_count,
                }
            )

    def message(self, message: Message) -> None:
        task = {"taskhawk.task": message.task, "taskhawk.priority": message.metadata.priority}
        self._attributes.update(task)
        if self._span.is_recording():
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
        if not span.is_recording():
            return
        span.set_attribute("taskhawk.outcome", outcome)
        if error is not None:
            span.set_attribute("error.type", type(error).__qualname__)
            span.record_exception(error)
        if error is not None or reason:
            span.set_status(Status(StatusCode.ERROR, reason or f"{type(error).__name__}: {error}"))
