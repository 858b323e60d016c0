"""When a dispatched task may start, and until when: `with_delay` and `with_expires`.

Up to SQS's longest delay (900 s) a delay is the queue's own `DelaySeconds`: the message is a
plain 1.0 message. Beyond, or through SNS (which cannot delay), the message carries its run-at
time (`metadata.eta`, format 1.1) and a consumer receiving it early sends it back to its queue
with the next delay. An expiry always travels as `metadata.expires` (format 1.1): a task not
started by then never runs. An SNS-triggered Lambda app has no queue to hold a message, so a
delay is refused there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from taskhawk.exceptions import ConfigurationError
from taskhawk.settings import Settings
from taskhawk.transport import Destination
from taskhawk.transport.limits import MAX_DELAY_S
from taskhawk.wire import format_for
from taskhawk.wire.models import version_key

__all__ = ["NO_SCHEDULE", "Plan", "Schedule", "When", "absolute"]

# Seconds from now (int or float), a timedelta from now, or an aware datetime (a moment).
When = int | float | timedelta | datetime

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MILLISECOND = timedelta(milliseconds=1)


def absolute(when: When, now_ms: int, name: str) -> int:
    """`when` in epoch milliseconds; ValueError naming `name` for what cannot be one.

    Counted in integer milliseconds: a float of seconds since the epoch cannot hold most
    milliseconds exactly, and `int((now + delay) * 1000)` lands one short for many moments."""
    if isinstance(when, datetime):
        if when.tzinfo is None or when.utcoffset() is None:
            raise ValueError(f"{name}: a datetime must be timezone-aware (it has no tzinfo)")
        return (when - _EPOCH) // _MILLISECOND
    if isinstance(when, timedelta):
        if when < timedelta(0):
            raise ValueError(f"{name}: must be a finite number of seconds >= 0, not {when}")
        return now_ms + _milliseconds(when / _MILLISECOND)
    if isinstance(when, bool) or not isinstance(when, int | float):
        raise TypeError(f"{name}: seconds, a timedelta or an aware datetime, not {when!r}")
    if not math.isfinite(when) or when < 0:
        raise ValueError(f"{name}: must be a finite number of seconds >= 0, not {when}")
    return now_ms + _milliseconds(when * 1000)


def _milliseconds(duration_ms: float) -> int:
    """A duration in whole milliseconds, the message's resolution: the nearest (1.4 s is 1400,
    though `1.4 * 1000` is not exactly that), but a positive one never 0 (never early)."""
    rounded = round(duration_ms)
    return 1 if rounded == 0 and duration_ms > 0 else rounded


@dataclass(frozen=True, slots=True)
class Plan:
    """What scheduling adds to one message: metadata fields and the send's DelaySeconds."""

    fields: dict[str, int]
    delay_s: int = 0


@dataclass(frozen=True, slots=True)
class Schedule:
    """An invocation's `with_delay` and `with_expires`, resolved against the clock at each
    dispatch (a saved invocation delays every dispatch by the same amount)."""

    delay: When | None = None
    expires: When | None = None

    def check(self) -> Schedule:
        """Refuse a value of the wrong type at once, not at the dispatch."""
        for name, when in (("with_delay", self.delay), ("with_expires", self.expires)):
            if when is not None:
                absolute(when, 0, name)
        return self

    def plan(self, now_ms: int, destination: Destination, settings: Settings) -> Plan:
        """The plan of a message stamped `now_ms` (its `metadata.timestamp`): a delay is the
        send's DelaySeconds rounded up, never early, or beyond 900 s (or through SNS) an eta."""
        fields: dict[str, int] = {}
        delay_s = 0
        if self.delay is not None:
            eta = absolute(self.delay, now_ms, "with_delay")
            if eta > now_ms:
                _check_can_delay(settings)
                delay_s = -(-(eta - now_ms) // 1000)
                if destination.kind == "topic" or delay_s > MAX_DELAY_S:
                    fields["eta"] = eta
                    delay_s = 0 if destination.kind == "topic" else MAX_DELAY_S
        if self.expires is not None:
            fields["expires"] = absolute(self.expires, now_ms, "with_expires")
        _check_format_allowed(fields, settings)
        return Plan(fields, delay_s)


NO_SCHEDULE = Schedule()


def _check_can_delay(settings: Settings) -> None:
    if settings.taskhawk_fifo:
        raise ConfigurationError(
            "a FIFO app (TASKHAWK_FIFO) cannot delay one task: FIFO queues take no per-message "
            "delay, and holding one back would break its group's order"
        )
    if settings.is_lambda_app:
        raise ConfigurationError(
            "a delay cannot reach an SNS-triggered Lambda app (IS_LAMBDA_APP): SNS delivers at "
            "once and there is no queue to hold the message; dispatch without with_delay, or "
            "consume through an SQS queue"
        )


def _check_format_allowed(fields: dict[str, int], settings: Settings) -> None:
    allowed = settings.taskhawk_max_format_version
    if not fields or allowed is None:
        return
    needed = format_for(list(fields)).version
    if version_key(needed) > version_key(allowed):
        raise ConfigurationError(
            f"this dispatch needs message format {needed} (for metadata."
            f"{', metadata.'.join(sorted(fields))}), newer than TASKHAWK_MAX_FORMAT_VERSION="
            f"{allowed}: upgrade every consumer of the app, then raise or unset the setting"
        )
