"""How a message that is not due yet (format 1.1's `eta`) is held back until it is.

Sending it back to its queue delayed and then deleting the copy received takes two calls: a
consumer killed between them leaves both copies, and the task runs twice. Hiding the received
copy until it is due (ChangeMessageVisibility) is one call, with nothing to duplicate, so that is
what a consumer does whenever it can:

- a wait up to SQS's longest visibility (12 hours, less the time since the message was sent and
  a minute's margin) hides the message for the whole wait;
- a longer wait, or a message on the last receive its redrive policy allows (hidden, it would be
  moved to the dead-letter queue on its next receive), is sent back, delayed at most 15 minutes;
  from a FIFO queue, which takes no per-message delay and must keep its group's order, it is
  hidden for as long as SQS allows instead, until its last allowed receive: then no queue can
  hold it back any longer (hidden again, it would reach the dead-letter queue unrun and without
  a reason), so it is dead-lettered with a reason naming its eta (`fifo_cannot_hold`).

Hiding costs one receive against the redrive policy (SQS counts every receive); a send-back
starts the count afresh. A send-back is the only deferral with a window for a duplicate: from
the send's answer to the delete's (one request, deleted at once, never buffered). Log lines of a
deferral carry `deferral` (`hidden` or `sent_back`), so the send-backs can be counted.
The queue must keep messages longer than 12 hours (SQS's default is 4 days); a message is
deleted when its retention ends, hidden or not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from taskhawk import clock
from taskhawk.transport import ReceivedMessage
from taskhawk.transport.limits import MAX_DELAY_S, MAX_VISIBILITY_S

__all__ = ["HIDDEN", "SENT_BACK", "Deferral", "fifo_cannot_hold", "plan_deferral"]

HIDDEN = "hidden"
SENT_BACK = "sent_back"
_MARGIN_S = 60


@dataclass(frozen=True, slots=True)
class Deferral:
    """Hide the received copy for `seconds`, or send it back delayed `seconds` and delete it."""

    how: str  # HIDDEN or SENT_BACK
    seconds: int

    @property
    def sends_back(self) -> bool:
        return self.how == SENT_BACK


def plan_deferral(
    due_in_s: float, received: ReceivedMessage, max_receive_count: int, *, fifo: bool
) -> Deferral:
    """The deferral of a message due in `due_in_s`, from a queue whose redrive policy allows
    `max_receive_count` receives."""
    wait = max(math.ceil(due_in_s), 1)
    longest = _longest_hiding(received)
    if fifo:  # never a send-back: a copy would go to the end of its group; at least 15 min
        return Deferral(HIDDEN, max(min(wait, longest), min(wait, MAX_DELAY_S)))
    if wait <= longest and received.receive_count < max_receive_count:
        return Deferral(HIDDEN, wait)
    return Deferral(SENT_BACK, min(wait, MAX_DELAY_S))


def fifo_cannot_hold(received: ReceivedMessage, max_receive_count: int, *, fifo: bool) -> bool:
    """A FIFO message not due on the last receive its redrive policy allows: hiding it again
    would only move it to the dead-letter queue unrun, with no reason, at its next receive."""
    return fifo and received.receive_count >= max_receive_count


def _longest_hiding(received: ReceivedMessage) -> int:
    """The longest SQS lets this message stay hidden: 12 hours from its receive (from its send,
    by some local endpoints), less a margin for the time since."""
    age_s = 0
    if received.sent_at_ms is not None:
        age_s = max(0, (clock.now_ms() - received.sent_at_ms) // 1000)
    return MAX_VISIBILITY_S - age_s - _MARGIN_S
