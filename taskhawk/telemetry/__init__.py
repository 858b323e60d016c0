"""Telemetry: whether dispatches and consumers report to OpenTelemetry, decided once.

OpenTelemetry is optional (`pip install taskhawk[otel]`). The decision is made on first use, once
per resolved Settings: off when TASKHAWK_OPENTELEMETRY is False or `opentelemetry` cannot be
imported, and then nothing is imported and every hot path takes its plain branch. When on,
`taskhawk.telemetry.otel` does the work through OpenTelemetry's global providers, so an SDK set
up before or after the first message is used, and with none set up it costs a few no-op calls.

Callers talk to the `Telemetry` protocol below and hand it plain values: the publisher its
messages and send results, the execution core each received message and its outcome.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Protocol

from taskhawk.settings import Settings
from taskhawk.transport import Destination, ReceivedMessage, SendResult
from taskhawk.wire import Message

__all__ = [
    "OUTCOMES",
    "SNS",
    "SQS",
    "Consuming",
    "Publishing",
    "Telemetry",
    "telemetry_for",
]

logger = logging.getLogger("taskhawk.telemetry")

SQS = "aws_sqs"  # messaging.system, as OpenTelemetry's semantic conventions name them
SNS = "aws.sns"
# What became of a received message, as spans and metrics say it (`taskhawk.outcome`).
OUTCOMES = ("succeeded", "retried", "dead_lettered", "ignored", "expired", "deferred")


class Publishing(Protocol):
    """One send of one or more messages, inside its PRODUCER span."""

    @property
    def trace_context(self) -> Mapping[str, str]:
        """What the configured propagator writes for this send: the messages' attributes."""

    def sent(self, results: Sequence[tuple[Destination, SendResult]]) -> None:
        """What became of each message (without it, nothing was sent)."""

    def offloaded(self, count: int, size: int) -> None:
        """How many messages of this send went as pointers, their bodies (`size` bytes in all)
        in S3."""


class Consuming(Protocol):
    """One received message, inside its CONSUMER span."""

    def message(self, message: Message) -> None:
        """Decoded, and its task is registered: the task is about to run or be scheduled."""

    def finished(
        self, outcome: str, duration_s: float | None, error: BaseException | None, reason: str
    ) -> None:
        """One of OUTCOMES; how long hooks and task ran (None when the task did not run); the
        error that makes it a failure, if any; why a dead letter can never run."""


class Telemetry(Protocol):
    def publishing(
        self, batch: Sequence[tuple[Destination, Sequence[Message]]]
    ) -> AbstractContextManager[Publishing]: ...

    def consuming(
        self, received: ReceivedMessage, system: str
    ) -> AbstractContextManager[Consuming]: ...


class _State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.decided: tuple[Settings, Telemetry | None] | None = None
        self.instance: Telemetry | None = None


_state = _State()


def telemetry_for(settings: Settings) -> Telemetry | None:
    """The telemetry to report to under `settings`, or None: decided once per Settings object
    (they are immutable), so the per-message cost of "off" is one comparison."""
    decided = _state.decided
    if decided is not None and decided[0] is settings:
        return decided[1]
    with _state.lock:
        telemetry = _decide(settings)
        _state.decided = (settings, telemetry)
    return telemetry


def _decide(settings: Settings) -> Telemetry | None:
    if not settings.taskhawk_opentelemetry:
        return None
    if _state.instance is None:
        # Only now: importing taskhawk imports none of it, and without it nothing ever does.
        try:
            from taskhawk.telemetry.otel import OpenTelemetry  # noqa: PLC0415 - optional extra
        except ImportError as error:
            if not (error.name or "").startswith("opentelemetry"):
                raise
            logger.debug("opentelemetry-api is not installed: no spans, no metrics")
            return None
        _state.instance = OpenTelemetry()
    return _state.instance
