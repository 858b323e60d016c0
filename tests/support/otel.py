"""OpenTelemetry's SDK for tests: in-memory spans and metrics, and a JSON-lines span file for
processes the tests start.

The global providers can be set once per process, so `collecting()` sets them the first time
and only switches the SDK on for its block: outside it, tracers are the API's no-op ones, so the
rest of the suite runs as without an SDK (no spans, no trace context in messages). Metrics are
read with delta temporality: each read returns what was recorded since the previous one.

`install_file_exporter()` is for worker processes started by tests: with $TASKHAWK_TEST_SPANS set,
it sets up a provider whose spans are appended to that file, one JSON object per line.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import Counter, Histogram, MeterProvider
from opentelemetry.sdk.metrics.export import AggregationTemporality, InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    SimpleSpanProcessor,
    SpanExporter,
    SpanExportResult,
)
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from taskhawk import telemetry

__all__ = [
    "SPANS_ENV",
    "Collected",
    "SpanFile",
    "collecting",
    "install_file_exporter",
    "span_record",
]

SPANS_ENV = "TASKHAWK_TEST_SPANS"


class _SwitchTracer(trace.Tracer):
    """The SDK's tracer while a test collects; the API's no-op tracer otherwise, so the rest of
    the suite sees what an application without an SDK sees (no span, no context to send)."""

    def __init__(self, sdk: trace.Tracer) -> None:
        self.sdk = sdk
        self.noop = trace.NoOpTracer()

    def _tracer(self) -> trace.Tracer:
        return self.sdk if _global.on else self.noop

    def start_span(self, *args: Any, **kwargs: Any) -> trace.Span:
        return self._tracer().start_span(*args, **kwargs)

    def start_as_current_span(self, *args: Any, **kwargs: Any) -> Any:
        return self._tracer().start_as_current_span(*args, **kwargs)


class _SwitchProvider(trace.TracerProvider):
    def __init__(self, sdk: TracerProvider) -> None:
        self.sdk = sdk

    def get_tracer(self, *args: Any, **kwargs: Any) -> trace.Tracer:
        return _SwitchTracer(self.sdk.get_tracer(*args, **kwargs))


@dataclass
class Collected:
    spans: InMemorySpanExporter
    reader: InMemoryMetricReader

    def finished(self) -> list[ReadableSpan]:
        return list(self.spans.get_finished_spans())

    def metrics(self) -> dict[str, list[tuple[dict[str, Any], Any]]]:
        """Instrument name -> (attributes, value) per point, recorded since the last read; a
        histogram's value is its count of measurements."""
        found: dict[str, list[tuple[dict[str, Any], Any]]] = {}
        data = self.reader.get_metrics_data()
        for resource in data.resource_metrics if data is not None else []:
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    points = found.setdefault(metric.name, [])
                    for point in metric.data.data_points:
                        value = getattr(point, "value", None)
                        if value is None:
                            value = point.count  # type: ignore[union-attr]
                        points.append((dict(point.attributes or {}), value))
        return found


class _Global:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.collected: Collected | None = None
        self.on = False


_global = _Global()


def _install() -> Collected:
    with _global.lock:
        if _global.collected is None:
            exporter = InMemorySpanExporter()
            provider = TracerProvider()
            provider.add_span_processor(SimpleSpanProcessor(exporter))
            trace.set_tracer_provider(_SwitchProvider(provider))
            delta = AggregationTemporality.DELTA
            reader = InMemoryMetricReader(preferred_temporality={Counter: delta, Histogram: delta})
            metrics.set_meter_provider(MeterProvider(metric_readers=[reader]))
            _global.collected = Collected(exporter, reader)
            # taskhawk looks for a tracer provider once a second: make it look again now.
            telemetry._state.instance = None
            telemetry._state.decided = None
        return _global.collected


@contextmanager
def collecting() -> Iterator[Collected]:
    """Spans and metrics recorded inside the block (none from before it)."""
    collected = _install()
    collected.spans.clear()
    collected.reader.get_metrics_data()  # forget what was recorded before
    _global.on = True
    try:
        yield collected
    finally:
        _global.on = False
        collected.spans.clear()


def span_record(span: ReadableSpan) -> dict[str, Any]:
    """A finished span as plain data: what the span file holds per line."""
    context = span.get_span_context()
    assert context is not None
    return {
        "name": span.name,
        "kind": span.kind.name,
        "trace_id": f"{context.trace_id:032x}",
        "span_id": f"{context.span_id:016x}",
        "parent_id": f"{span.parent.span_id:016x}" if span.parent is not None else None,
        "links": [f"{link.context.span_id:016x}" for link in span.links],
        "attributes": dict(span.attributes or {}),
        "status": span.status.status_code.name,
        "pid": os.getpid(),
    }


class SpanFile(SpanExporter):
    """Appends each span as one JSON line: one write per line, so processes can share the
    file."""

    def __init__(self, path: str) -> None:
        self.path = path

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        lines = "".join(json.dumps(span_record(span)) + "\n" for span in spans)
        descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(descriptor, lines.encode("utf-8"))
        finally:
            os.close(descriptor)
        return SpanExportResult.SUCCESS


def install_file_exporter() -> None:
    """In a process a test started: spans to $TASKHAWK_TEST_SPANS, when it is set."""
    path = os.environ.get(SPANS_ENV)
    if path:
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(SpanFile(path)))
        trace.set_tracer_provider(provider)
