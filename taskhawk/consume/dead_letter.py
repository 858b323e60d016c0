"""Sending a received message on: one that can never run to its priority's DLQ, with its
reason, and one that is not due yet back to its queue, delayed.

A poison message (undecodable, invalid, naming an unknown task, arguments its task cannot take)
goes to the DLQ at once with a `taskhawk_dead_letter_reason` attribute instead of spinning
through the redrive count. `taskhawk.admin.requeue` moves dead letters back.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from taskhawk.consume.outcomes import logger
from taskhawk.exceptions import TaskNotFound, ValidationError
from taskhawk.transport import Destination, OutgoingMessage, ReceivedMessage, Transport
from taskhawk.transport.limits import (
    MAX_ATTRIBUTES,
    SQS_MAX_BYTES,
    SQS_REFUSED_CHARACTER,
    transport_size,
)

__all__ = [
    "REASON_ATTRIBUTE",
    "UNKNOWN_TASK_REASON",
    "dead_letter_attributes",
    "dead_letter_reason",
    "forward",
    "loads_leniently",
    "send_back",
    "send_to_dead_letter",
]

REASON_ATTRIBUTE = "taskhawk_dead_letter_reason"
UNKNOWN_TASK_REASON = "unknown task"  # how the reason of a message naming no known task starts
_MAX_REASON = 1024
_KEPT_REASON = 128  # kept before any other attribute when a copy near the size limit is cut


def dead_letter_reason(error: ValidationError, body: str) -> str:
    """One line saying why the message can never run, safe to carry as an SQS attribute."""
    if isinstance(error, TaskNotFound):
        reason = f"{UNKNOWN_TASK_REASON}: {error.reason}"
    elif _is_sns_envelope(body):
        reason = (
            "SNS notification envelope, not a taskhawk message: enable RawMessageDelivery on "
            "the SNS subscription of this queue"
        )
    else:
        reason = f"invalid message: {error.path}: {error.reason}"
    return SQS_REFUSED_CHARACTER.sub("?", reason)[:_MAX_REASON]


def _is_sns_envelope(body: str) -> bool:
    if '"Notification"' not in body:  # cheap: most poison is not an envelope
        return False
    data = loads_leniently(body)
    return (
        isinstance(data, dict)
        and data.get("Type") == "Notification"
        and "TopicArn" in data
        and "Message" in data
    )


def dead_letter_attributes(
    attributes: Mapping[str, str], reason: str, body: str = ""
) -> dict[str, str]:
    """The original attributes plus the reason, within SQS's ten and, with `body`, within the
    size limit (body plus attributes; the original may fill it). `taskhawk_*` attributes are
    kept first, then headers in order (headers dropped here still travel in the body). The
    reason comes before them all: its first _KEPT_REASON characters first, the rest only if
    room is left. It is left out only when not one character of it fits (logged instead)."""
    kept = [(name, value) for name, value in attributes.items() if name != REASON_ATTRIBUTE]
    kept.sort(key=lambda item: not item[0].startswith("taskhawk_"))  # stable: order kept
    room = SQS_MAX_BYTES - transport_size(body, {})
    overhead = _attribute_size(REASON_ATTRIBUTE, "")
    first = _shortened(reason[:_KEPT_REASON], room - overhead)
    if first:
        room -= overhead + _utf8_size(first)
    copied: dict[str, str] = {}
    for name, value in kept[: MAX_ATTRIBUTES - 1]:
        size = _attribute_size(name, value)
        if size <= room:
            copied[name], room = value, room - size
    if first:  # the rest of the reason, as far as it fits beside what was kept
        copied[REASON_ATTRIBUTE] = first + _shortened(reason[len(first) :], room)
    return copied


def _attribute_size(name: str, value: str) -> int:
    return transport_size("", {name: value})


def _utf8_size(text: str) -> int:
    return len(text.encode("utf-8"))


def _shortened(text: str, limit: int) -> str:
    """`text` cut to at most `limit` UTF-8 bytes, never inside a character."""
    if limit <= 0:
        return ""
    return text.encode("utf-8")[:limit].decode("utf-8", "ignore")


def send_to_dead_letter(
    transport: Transport,
    dead_letter_queue: str,
    received: ReceivedMessage,
    reason: str,
    fields: Mapping[str, Any],
) -> bool:
    """Send a copy to the DLQ; True once it is there (only then may the original be deleted)."""
    attributes = dead_letter_attributes(received.attributes, reason, received.body)
    outgoing = forward(received, attributes)
    extra = {**fields, "dead_letter_queue": dead_letter_queue, "reason": reason}
    if attributes.get(REASON_ATTRIBUTE) != reason:  # cut to fit the size limit: the log has it
        extra["reason_attribute_cut"] = True
    try:
        problems = transport.send(Destination("queue", dead_letter_queue), [outgoing]).problems
    except Exception as error:  # the message stays on its queue; nothing is lost
        problems = {outgoing.key: f"{type(error).__name__}: {error}"}
    if problems:  # also when the outcome is unknown: a second copy beats a lost message
        logger.error(
            "dead-letter send failed, message kept on %s: %s (%s)",
            received.queue, reason, "; ".join(problems.values()), extra=extra,
        )  # fmt: skip
        return False
    logger.error("message dead-lettered to %s: %s", dead_letter_queue, reason, extra=extra)
    return True


def loads_leniently(body: str) -> Any:
    """json.loads for bodies that wire.decode refused: any of them may be hostile (nested deep
    enough to raise RecursionError), so failing to parse is None, never an exception."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None


def forward(
    received: ReceivedMessage, attributes: Mapping[str, str], delay_s: int = 0
) -> OutgoingMessage:
    """A received message sent on as it is: same body, in its FIFO group if it has one (its
    SQS message id deduplicates: a retried send of the same copy is dropped)."""
    group = received.group_id
    return OutgoingMessage(
        received.transport_id,
        received.body,
        attributes,
        delay_s,
        group,
        received.transport_id if group is not None else None,
    )


def send_back(transport: Transport, received: ReceivedMessage, delay_s: int) -> bool:
    """Send a message that is not due yet back to its queue, the same body and attributes,
    delayed `delay_s`; True once the queue has it (only then may the original be deleted: a
    send whose outcome is unknown keeps it, so a second copy is possible but never a loss)."""
    outgoing = forward(received, received.attributes, delay_s)
    try:
        problems = transport.send(Destination("queue", received.queue), [outgoing]).problems
    except Exception as error:
        problems = {outgoing.key: f"{type(error).__name__}: {error}"}
    if problems:
        logger.error(
            "could not send a message that is not due yet back to %s; it is kept: %s",
            received.queue, "; ".join(problems.values()), extra={"queue": received.queue},
        )  # fmt: skip
        return False
    return True
