"""Spans and metrics through OpenTelemetry's API (`opentelemetry-api`, the [otel] extra).

Imported by `taskhawk.telemetry` only when TASKHAWK_OPENTELEMETRY is on and the package is
installed. The tracer and meter are the global providers', through the API's proxies, so an SDK
set up after this module was imported is used from then on (within a second). Until a tracer
provider is set up no span is made (it would be a no-op one): the context a message carries, or
the caller's, is only passed on, as a no-op span would; a span's attributes are computed only
when it records.

Spans follow OpenTelemetry's messaging semantic conventions: a PRODUCER span `send <destination>`
per send (one for a whole batch, whose trace context every message of it carries), and per
received message a CONSUMER span `process <queue>`, the child of the context the message carries
and linked to it, current while hooks and task run.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager

from opentelemetry import context as otel_context
from opentelemetry import metrics, propagate, trace
from opentelemetry.context import Context
from opentelemetry.propagators.textmap import TextMapPropagator
from opentelemetry.trace import Link, SpanContext, SpanKind

from taskhawk.telemetry.instruments import Instruments
from taskhawk.telemetry.observations import (
    Batch,
    PublishObservation,
    ReceiveObservation,
    send_attributes,
)
from taskhawk.transport import ReceivedMessage
from taskhawk.version import __version__

__all__ = ["PROVIDER_LOOKUP_S", "SCOPE", "OpenTelemetry"]

SCOPE = "taskhawk"  # the instrumentation scope of every span and instrument
PROVIDER_LOOKUP_S = 1.0
_NO_PROVIDER = (trace.ProxyTracerProvider, trace.NoOpTracerProvider)


class OpenTelemetry:
    """`taskhawk.telemetry.Telemetry` on the OpenTelemetry API; one per process."""

    def __init__(self) -> None:
        self._tracer = trace.get_tracer(SCOPE, __version__)
        self._instruments = Instruments(metrics.get_meter(SCOPE, __version__))
        self._traced = False
        self._next_lookup = 0.0
        self._textmap: TextMapPropagator | None = None
        self._fields: frozenset[str] = frozenset()

    def publishing(self, batch: Batch) -> AbstractContextManager[PublishObservation]:
        if self._tracing():
            return self._traced_send(batch)
        return PublishObservation(None, _injected(), batch, self._instruments)

    def consuming(
        self, received: ReceivedMessage, system: str
    ) -> AbstractContextManager[ReceiveObservation]:
        carried = self._carried(received.attributes)
        destination = received.queue.rpartition(":")[2]  # an SNS record's topic ARN: its name
        if self._tracing():
            return self._traced_process(received, system, destination, carried)
        token = otel_context.attach(carried[0]) if carried is not None else None
        return ReceiveObservation(None, system, destination, received, self._instruments, token)

    def _tracing(self) -> bool:
        """Whether a tracer provider was set up: until then a span would be the API's no-op one,
        so none is made. Looked up at most once a second (the lookup reads the environment),
        and never again once found: the global provider cannot change."""
        if self._traced:
            return True
        now = time.monotonic()
        if now >= self._next_lookup:
            self._next_lookup = now + PROVIDER_LOOKUP_S
            self._traced = not isinstance(trace.get_tracer_provider(), _NO_PROVIDER)
        return self._traced

    def _carried(self, attributes: Mapping[str, str]) -> tuple[Context, SpanContext] | None:
        """The context the attributes carry, and its span's; None when they carry no span (most
        untraced messages are told by the propagator's field names alone)."""
        textmap = propagate.get_global_textmap()
        if textmap is not self._textmap:
            self._textmap, self._fields = textmap, frozenset(textmap.fields)
        if not any(field in attributes for field in self._fields):
            return None
        carried = textmap.extract(attributes)
        remote = trace.get_current_span(carried).get_span_context()
        return (carried, remote) if remote.is_valid else None

    @contextmanager
    def _traced_send(self, batch: Batch) -> Iterator[PublishObservation]:
        name = f"send {batch[0][0].name}" if len(batch) == 1 else "send"
        with self._tracer.start_as_current_span(name, kind=SpanKind.PRODUCER) as span:
            if span.is_recording():
                span.set_attributes(send_attributes(batch))
            with PublishObservation(span, _injected(), batch, self._instruments) as observed:
                yield observed

    @contextmanager
    def _traced_process(
        self,
        received: ReceivedMessage,
        system: str,
        destination: str,
        carried: tuple[Context, SpanContext] | None,
    ) -> Iterator[ReceiveObservation]:
        # A message that carries no context runs under the caller's (a Lambda layer's span).
        token = otel_context.attach(carried[0]) if carried is not None else None
        try:
            with self._tracer.start_as_current_span(
                f"process {destination}",
                kind=SpanKind.CONSUMER,
                links=(Link(carried[1]),) if carried is not None else None,
            ) as span:
                yield ReceiveObservation(span, system, destination, received, self._instruments)
        finally:
            if token is not None:
                otel_context.detach(token)


def _injected() -> dict[str, str]:
    """The current context as the configured propagator writes it."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier
