"""Messages lost to another consumer: their visibility ran out by this worker's own clock.

The clock is monotonic, so a process frozen with SIGSTOP (a suspended VM or container, a long
pause) notices when it resumes. Another consumer may have received such a message and be running
it, so this worker never extends it (the heartbeat) nor deletes it (an old receipt could delete
it from under its new runner, whose failure would then never be retried). It says so, once when
it notices and once when its own run of the task ends.
"""

from __future__ import annotations

import logging

from taskhawk.transport import ReceivedMessage

__all__ = [
    "EXPIRY_MARGIN_S",
    "log_finished_lost",
    "log_lost",
    "log_not_deleted",
    "log_not_extended",
    "log_skipped",
    "ran_out",
    "warn_outlived",
]

logger = logging.getLogger("taskhawk.consumer")

# A message this close to the end of its visibility is lost already: an extension sent now could
# reach SQS after another consumer received it.
EXPIRY_MARGIN_S = 0.25


def ran_out(expires_at: float, now: float) -> bool:
    """Whether a message hidden until `expires_at` (monotonic) is lost at `now`."""
    return expires_at - EXPIRY_MARGIN_S <= now


def log_lost(received: ReceivedMessage, overdue_s: float, finished: bool) -> None:
    logger.warning(
        "lost a message to another consumer: its visibility timeout ran out %.1fs ago by this "
        "worker's clock (the process was frozen or stalled, or its task outlived the timeout); "
        "it is neither extended nor deleted here, and may run again elsewhere",
        overdue_s,
        extra=_fields(received, finished=finished),
    )


def log_finished_lost(received: ReceivedMessage) -> bool:
    """Says so; False (its message is not this worker's any more)."""
    logger.warning(
        "finished a task whose message was lost to another consumer: not deleted",
        extra=_fields(received, finished=True),
    )
    return False


def log_skipped(received: ReceivedMessage) -> None:
    logger.warning(
        "skipped a message whose visibility timeout ran out while it waited its turn; it "
        "is received again (a longer visibility timeout or the heartbeat prevents this)",
        extra={"queue": received.queue, "transport_id": received.transport_id},
    )


def warn_outlived(received: ReceivedMessage, visibility_s: int, *, heartbeat: bool) -> None:
    """A running task outlived its message's visibility timeout (not yet lost by the margin)."""
    logger.warning(
        "a running task outlived its message's visibility timeout (%ds): another "
        "worker may run it too; %s",
        visibility_s,
        "the heartbeat could not extend it"
        if heartbeat
        else "turn the heartbeat on (TASKHAWK_HEARTBEAT_INTERVAL_S) or lengthen the "
        "visibility timeout",
        extra={"queue": received.queue, "transport_id": received.transport_id},
    )


def log_not_extended(failed: list[str], held: int) -> None:
    """Some extensions of a heartbeat failed: they may return early; nothing is lost yet."""
    logger.warning(
        "heartbeat could not extend %d of %d messages: %s",
        len(failed), held, "; ".join(failed[:3]),
    )  # fmt: skip


def log_not_deleted(queue: str, not_deleted: int, given_up: int) -> None:
    logger.error(
        "%d finished messages not deleted from %s (%d retried while still hidden, %d "
        "given up: their visibility ran out, so they will run again)",
        not_deleted, queue, not_deleted - given_up, given_up,
        extra={"queue": queue, "not_deleted": not_deleted, "given_up": given_up},
    )  # fmt: skip


def _fields(received: ReceivedMessage, *, finished: bool) -> dict[str, object]:
    return {
        "queue": received.queue,
        "transport_id": received.transport_id,
        "lost": True,
        "finished": finished,
    }
