"""One trace from a dispatch to its task, and taskhawk's metrics, with OpenTelemetry's SDK.

Needs `pip install 'taskhawk[otel]' opentelemetry-sdk`. A real application sends spans and metrics
to its collector (OTLP exporters, a BatchSpanProcessor); here they stay in memory to be printed.
"""

import settings
from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import taskhawk

spans = InMemorySpanExporter()
tracer_provider = TracerProvider()
tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
trace.set_tracer_provider(tracer_provider)
reader = InMemoryMetricReader()
metrics.set_meter_provider(MeterProvider(metric_readers=[reader]))

taskhawk.configure(settings)
tracer = trace.get_tracer("shop")


@taskhawk.task(name="shop.send_receipt")
def send_receipt(order_id: int) -> None:
    with tracer.start_as_current_span("render receipt"):  # a child of taskhawk's span
        print(f"receipt for order {order_id}")


with tracer.start_as_current_span("checkout"):
    send_receipt.dispatch(42)  # a PRODUCER span; the message carries its trace context

taskhawk.listen_for_messages("default", loop_count=1)  # the task runs in a CONSUMER span

finished = sorted(spans.get_finished_spans(), key=lambda span: span.start_time or 0)
names = {span.context.span_id: span.name for span in finished if span.context}
for span in finished:
    parent = names.get(span.parent.span_id, "?") if span.parent else "-"
    print(f"{span.kind.name:<9} {span.name:<28} parent: {parent}")
print("one trace:", len({span.context.trace_id for span in finished if span.context}) == 1)

data = reader.get_metrics_data()
for scope in data.resource_metrics[0].scope_metrics if data else []:
    for metric in scope.metrics:
        for point in metric.data.data_points:
            labels = dict(point.attributes or {})
            shown = {k.split(".")[-1]: v for k, v in labels.items() if k.startswith("taskhawk.")}
            count = getattr(point, "value", None) or getattr(point, "count", 0)
            print(metric.name, shown, count)
