"""A periodic task's firing runs once: late firings expire, repeated ones are dropped.

A firing is known by its schedule's message id and its scheduled time (`taskhawk.periodic`).
Scheduler may deliver one firing twice (it retries a send whose answer it lost), and a standard
queue may deliver one message twice. Two guards, neither needing storage:

- **Lateness.** A firing whose scheduled time is more than TASKHAWK_PERIODIC_MAX_LATENESS_S
  behind this consumer's clock is expired like a task past its `with_expires`: logged, deleted
  (or dead-lettered, TASKHAWK_DEAD_LETTER_EXPIRED) and never run.
- **Seen firings.** Each consumer process remembers the firings it took, for as long as they are
  not late (at most `MAX_REMEMBERED` of them). Another SQS message of a firing it remembers is
  deleted unrun; a redelivery of the same SQS message (same transport id: a retry of a failed
  run) is not a duplicate and runs. A duplicate taken by *another* process, or after a restart,
  is not caught here: on standard queues that needs shared storage, which taskhawk does not
  keep. FIFO apps have no such gap: both attempts of a firing are the same text, and SQS drops
  the second within its deduplication window.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from typing import Any

from taskhawk import clock
from taskhawk.consume.decision import Action, Decision
from taskhawk.periodic import schedule_for_message
from taskhawk.settings import Settings
from taskhawk.transport import ReceivedMessage
from taskhawk.wire import Message

__all__ = ["MAX_REMEMBERED", "check_firing", "forget_firings"]

logger = logging.getLogger("taskhawk.consumer")

MAX_REMEMBERED = 10_000
_lock = threading.Lock()
_seen: OrderedDict[tuple[str, int], str] = OrderedDict()  # (id, scheduled ms) -> transport id


def check_firing(
    message: Message, received: ReceivedMessage, fields: dict[str, Any], settings: Settings
) -> Decision | None:
    """None when the message is no firing, or a firing that may run now; otherwise the
    decision (after its log line)."""
    schedule = schedule_for_message(message.id)
    if schedule is None:
        return None
    scheduled_ms = message.metadata.timestamp
    now_ms = clock.now_ms()
    limit = settings.taskhawk_periodic_max_lateness_s
    late_ms = now_ms - scheduled_ms
    fields["schedule"] = schedule.name
    if limit is not None and late_ms > limit * 1000:
        return _late(message, fields, settings, late_ms / 1000, limit)
    if _seen_before((message.id, scheduled_ms), received.transport_id, now_ms, limit):
        logger.warning(
            "periodic firing already taken: %s, schedule %s at %d; deleted unrun",
            message.task, schedule.name, scheduled_ms,
            extra={**fields, "outcome": "duplicate"},
        )  # fmt: skip
        return Decision(Action.EXPIRE, fields)
    return None


def forget_firings() -> None:
    """Forget every firing seen (tests start clean)."""
    with _lock:
        _seen.clear()


def _seen_before(key: tuple[str, int], transport_id: str, now_ms: int, limit: float | None) -> bool:
    with _lock:
        if limit is not None:  # older firings expire by lateness anyway
            while _seen and next(iter(_seen))[1] < now_ms - limit * 1000:
                _seen.popitem(last=False)
        taken_by = _seen.get(key)
        if taken_by is not None:
            return taken_by != transport_id
        _seen[key] = transport_id
        while len(_seen) > MAX_REMEMBERED:
            _seen.popitem(last=False)
        return False


def _late(
    message: Message, fields: dict[str, Any], settings: Settings, late_s: float, limit: float
) -> Decision:
    extra = {**fields, "late_s": round(late_s, 3), "outcome": "expired"}
    words = f"fired {late_s:.1f}s after its scheduled time, later than {limit:g}s"
    if settings.taskhawk_dead_letter_expired:
        logger.warning("periodic firing late: %s, %s; dead-lettered unrun", message.task, words,
                       extra=extra)  # fmt: skip
        return Decision(Action.DEAD_LETTER, fields, reason=f"expired: {words}")
    logger.warning("periodic firing late: %s, %s; deleted unrun", message.task, words, extra=extra)
    return Decision(Action.EXPIRE, fields)
