"""A received message's schedule (format 1.1's `eta` and `expires`) against this consumer's clock:
run it now, hold it back until it is due (`taskhawk.consume.deferral`), or drop it as expired.

Clocks disagree; the consumer's decides. An `eta` up to a second ahead counts as due, so
publisher and consumer clocks a little apart do not cost a trip through the queue; beyond that
a message is never run early. An expiry has no grace: a task not started by its `expires`, by
the consumer's clock, never runs. Keep clocks in sync (NTP): a skew of N seconds moves every
schedule by N seconds.
"""

from __future__ import annotations

import logging
from typing import Any

from taskhawk import clock
from taskhawk.consume.decision import Action, Decision, Redelivery
from taskhawk.consume.deferral import fifo_cannot_hold, plan_deferral
from taskhawk.settings import Settings
from taskhawk.transport import ReceivedMessage
from taskhawk.transport.naming import FIFO_SUFFIX
from taskhawk.wire import Message, scheduled

__all__ = ["EARLY_TOLERANCE_MS", "check_schedule"]

logger = logging.getLogger("taskhawk.consumer")

EARLY_TOLERANCE_MS = 1000


def check_schedule(
    message: Message,
    fields: dict[str, Any],
    settings: Settings,
    redelivery: Redelivery,
    received: ReceivedMessage,
) -> Decision | None:
    """None when the task may run now; otherwise the decision (after its log line)."""
    eta, expires = scheduled(message)
    if eta is None and expires is None:
        return None
    now_ms = clock.now_ms()
    if expires is not None and now_ms > expires:
        return _expired(message, fields, settings, now_ms - expires)
    if eta is None or eta <= now_ms + EARLY_TOLERANCE_MS or redelivery is Redelivery.CALLER:
        return None  # due (sync mode and the test recorder run it now, as documented)
    due_in_s = (eta - now_ms) / 1000
    if redelivery is Redelivery.LAMBDA:
        reason = (
            f"not due for {_duration(due_in_s)}, and an SNS-triggered consumer has no queue to "
            "hold it back (dispatch delays to SQS apps only)"
        )
        logger.error("task not due: %s, %s", message.task, reason, extra=fields)
        return Decision(Action.DEAD_LETTER, fields, reason=reason)
    return _defer(message, fields, settings, due_in_s, received)


def _defer(
    message: Message,
    fields: dict[str, Any],
    settings: Settings,
    due_in_s: float,
    received: ReceivedMessage,
) -> Decision:
    """Hidden until due, or sent back (`taskhawk.consume.deferral`), after its log line."""
    fifo = received.queue.endswith(FIFO_SUFFIX)
    limit = settings.taskhawk_max_receive_count
    if fifo_cannot_hold(received, limit, fifo=fifo):
        reason = (
            f"not due for {_duration(due_in_s)}: its eta is further out than a FIFO queue can "
            f"hold it back ({limit} receives, each hiding it at most 12 hours; it cannot be "
            "sent back delayed without losing its place in its group)"
        )
        logger.error("task not due: %s, %s", message.task, reason, extra=fields)
        return Decision(Action.DEAD_LETTER, fields, reason=reason)
    plan = plan_deferral(due_in_s, received, limit, fifo=fifo)
    how = "sent back delayed" if plan.sends_back else "hidden"
    logger.info(
        "task not due yet: %s, due in %s; %s %ds",
        message.task, _duration(due_in_s), how, plan.seconds,
        extra={**fields, "due_in_s": round(due_in_s), "deferral": plan.how},
    )  # fmt: skip
    return Decision(Action.DEFER, fields, delay_s=plan.seconds, sends_back=plan.sends_back)


def _expired(
    message: Message, fields: dict[str, Any], settings: Settings, late_ms: int
) -> Decision:
    late = _duration(late_ms / 1000)
    extra = {**fields, "late_s": round(late_ms / 1000, 3), "outcome": "expired"}
    if settings.taskhawk_dead_letter_expired:
        reason = f"expired: not started before its expiry ({late} late)"
        logger.warning(
            "task expired: %s, %s late; dead-lettered unrun", message.task, late, extra=extra
        )
        return Decision(Action.DEAD_LETTER, fields, reason=reason)
    logger.warning("task expired: %s, %s late; deleted unrun", message.task, late, extra=extra)
    return Decision(Action.EXPIRE, fields)


def _duration(seconds: float) -> str:
    """`1h 59m 58s`, `42.5s`."""
    if seconds < 60:
        return f"{seconds:.1f}s"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return " ".join(f"{n}{unit}" for n, unit in ((hours, "h"), (minutes, "m"), (secs, "s")) if n)
