"""The metrics taskhawk reports through OpenTelemetry's metrics API (the [otel] extra).

Every instrument carries `messaging.system` and `messaging.destination.name`; those of a
message whose task is registered also carry `taskhawk.task` and `taskhawk.priority` (never the
task name of a message that named an unknown one: its sender controls it, and a metric's
attributes must stay few). The Observability page documents each.
"""

from __future__ import annotations

from opentelemetry.metrics import Meter

__all__ = ["DURATION_BUCKETS_S", "Instruments"]

# Task durations, in seconds: from a few milliseconds to the longest SQS visibility extension
# anyone sets by hand. The API's default buckets are meant for milliseconds.
DURATION_BUCKETS_S = (
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0,
)  # fmt: skip


class Instruments:
    """Created once per process; the meter is the global provider's, through the API's proxy."""

    def __init__(self, meter: Meter) -> None:
        self.received = meter.create_counter(
            "taskhawk.messages.received",
            unit="{message}",
            description="Messages handed to the execution core, counted before their task runs.",
        )
        self.handled = meter.create_counter(
            "taskhawk.messages.handled",
            unit="{message}",
            description="Messages the execution core decided on, by taskhawk.outcome.",
        )
        self.duration = meter.create_histogram(
            "taskhawk.task.duration",
            unit="s",
            description="Time spent in the pre-process hook, the task and the post-process hook.",
            explicit_bucket_boundaries_advisory=DURATION_BUCKETS_S,
        )
        self.published = meter.create_counter(
            "taskhawk.messages.published",
            unit="{message}",
            description="Messages dispatched, by taskhawk.publish.outcome: sent, not_sent or "
            "unknown (the endpoint may have it).",
        )
