"""The three ways the CPU rows meet OpenTelemetry: not installed, installed with no SDK (the API's
no-op providers), and an SDK that samples every span and exports none.

"Not installed" is made real in this process: `opentelemetry` cannot be imported inside
`without_opentelemetry()`, so taskhawk decides as it would without the [otel] extra. The SDK can
be installed once per process, so its rows come last.
"""

from __future__ import annotations

import importlib.abc
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib.machinery import ModuleSpec
from types import ModuleType

__all__ = ["NOOP", "SDK", "TRACEPARENT", "install_sdk", "without_opentelemetry"]

NOOP = ", OpenTelemetry API, no SDK"  # row suffixes
SDK = ", OpenTelemetry SDK, every span sampled, none exported"
# What a traced publisher's messages carry (consume rows with OpenTelemetry).
TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


class _Refuse(importlib.abc.MetaPathFinder):
    def find_spec(
        self, name: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if name.partition(".")[0] == "opentelemetry":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


@contextmanager
def without_opentelemetry() -> Iterator[None]:
    """`opentelemetry` cannot be imported inside the block (it must not be imported yet)."""
    if any(name.partition(".")[0] == "opentelemetry" for name in sys.modules):
        raise RuntimeError("opentelemetry is imported already: measure without it first")
    refuse = _Refuse()
    sys.meta_path.insert(0, refuse)
    try:
        yield
    finally:
        sys.meta_path.remove(refuse)


def install_sdk() -> None:
    """The SDK's providers, globally: spans sampled and ended, but no processor exports them;
    measurements aggregated for a reader that is never read."""
    from opentelemetry import metrics, trace  # noqa: PLC0415 - only after the rows without it
    from opentelemetry.sdk.metrics import MeterProvider  # noqa: PLC0415 - same
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader  # noqa: PLC0415 - same
    from opentelemetry.sdk.trace import TracerProvider  # noqa: PLC0415 - same

    trace.set_tracer_provider(TracerProvider())
    metrics.set_meter_provider(MeterProvider(metric_readers=[InMemoryMetricReader()]))
