"""Changing how long a received message stays hidden: the one place that asks SQS to.

Used for a task's own `metadata.extend_visibility_timeout`, for `extend_visibility_timeout`, for
retry delays and by the heartbeat; every value is checked against SQS's range first.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from taskhawk.priority import Priority
from taskhawk.settings import get_settings
from taskhawk.transport import ReceivedMessage, Transport
from taskhawk.transport.current import current_transport
from taskhawk.transport.limits import check_visibility

__all__ = [
    "extend_visibility_timeout",
    "extender",
    "hide",
    "set_visibility",
    "set_visibility_batch",
]

logger = logging.getLogger("taskhawk.consumer")


def set_visibility(transport: Transport, queue: str, receipt: str, seconds: int) -> None:
    """Hide the received message for `seconds` from now (0..43200; 0 releases it)."""
    transport.change_visibility(queue, receipt, check_visibility(seconds))


def set_visibility_batch(
    transport: Transport, queue: str, receipts: Sequence[str], seconds: int
) -> dict[str, str]:
    """set_visibility for up to ten messages of one queue in one request; those not changed,
    each with the reason (an error of the request itself is each one's)."""
    check_visibility(seconds)
    try:
        return transport.change_visibility_batch(queue, receipts, seconds)
    except Exception as error:
        return dict.fromkeys(receipts, str(error))


def hide(transport: Transport, received: ReceivedMessage, seconds: int) -> bool:
    """set_visibility, for a message whose fate is decided: a failure is logged, not raised
    (the message then returns after its current visibility timeout). True when it worked."""
    try:
        set_visibility(transport, received.queue, received.receipt, seconds)
    except Exception as error:
        logger.warning(
            "could not set visibility of a message on %s to %ds: %s",
            received.queue, seconds, error, extra={"queue": received.queue},
        )  # fmt: skip
        return False
    return True


def extender(transport: Transport, received: ReceivedMessage) -> Callable[[int], None]:
    """metadata.extend_visibility_timeout: on the queue the message was received from (not the
    one its priority names, as upstream did)."""

    def extend(visibility_timeout_s: int) -> None:
        set_visibility(transport, received.queue, received.receipt, visibility_timeout_s)

    return extend


def extend_visibility_timeout(priority: Priority, receipt: str, visibility_timeout_s: int) -> None:
    """Hide the message with this receipt for `visibility_timeout_s` more seconds (0..43200),
    on the queue of `priority`. Tasks usually call `metadata.extend_visibility_timeout` instead,
    which knows the queue the message came from."""
    queue = get_settings().names.queue(Priority.parse(priority))
    set_visibility(current_transport(), queue, receipt, visibility_timeout_s)
