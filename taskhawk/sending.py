"""Sending built messages: encoding, size checks, batches of ten, and what became of each.

Exactly one message per dispatch: the transport sends it once, re-sending only when an error
proves nothing was sent. A batch is checked whole before anything is sent, and a failure says,
per message, what was sent, not sent, and unknown. With telemetry on, each send is one PRODUCER
span whose trace context every message of it carries in its attributes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from typing import NamedTuple

from taskhawk.exceptions import MessageTooLarge, PublishError, summarize_failures
from taskhawk.offload import Offload, Payload, discard_unsent, store_payloads
from taskhawk.priority import Priority
from taskhawk.settings import Settings
from taskhawk.telemetry import Publishing, telemetry_for
from taskhawk.transport import Destination, OutgoingMessage, SendResult
from taskhawk.transport.current import current_transport
from taskhawk.transport.limits import MAX_BATCH, SNS_MAX_BYTES, SQS_MAX_BYTES, transport_size
from taskhawk.wire import Message, encode, message_attributes

__all__ = [
    "Outbound",
    "destination_for",
    "prepare",
    "raise_unless_sent",
    "send_all",
    "send_messages",
    "send_one",
]

logger = logging.getLogger("taskhawk.publisher")


def destination_for(settings: Settings, priority: Priority) -> Destination:
    """Where a priority's messages go; remembered per Settings object (they are immutable)."""
    cached = _destinations.get(priority)
    if cached is not None and cached[0] is settings:
        return cached[1]
    names = settings.names
    if settings.is_lambda_app or settings.taskhawk_publish_via_sns:
        destination = Destination("topic", names.topic(priority))
    else:
        destination = Destination("queue", names.queue(priority))
    _destinations[priority] = (settings, destination)
    return destination


_destinations: dict[Priority, tuple[Settings, Destination]] = {}


class Outbound(NamedTuple):
    """A message on its way out, with what its send asks of the transport: DelaySeconds, and a
    FIFO queue's message group and deduplication id. `body` is its text when a dispatch wrote
    it from checked parts; without it, `prepare` encodes and checks the whole message. (A
    named tuple: immutable like a frozen dataclass, and made at a fraction of its cost, once
    per dispatch.)"""

    message: Message
    delay_s: int = 0
    group_id: str | None = None
    deduplication_id: str | None = None
    body: str | None = None


def send_messages(
    destination: Destination,
    messages: Sequence[Message | Outbound],
    settings: Settings | None = None,
) -> None:
    """Encode and check every message, then send them in batches of ten; PublishError says,
    per message, what was sent, not sent and unknown."""
    send_all({destination: list(messages)}, settings)


def send_one(destination: Destination, outbound: Outbound, settings: Settings) -> None:
    """`send_messages` of one dispatch's message, the most common send, without the lists a
    batch needs; a traced send, or one that may go through S3, takes `send_all`."""
    if telemetry_for(settings) is not None or Offload.from_settings(settings) is not None:
        send_all({destination: [outbound]}, settings)
        return
    limit, service = _LIMITS[destination.kind]
    outgoing, size = _outgoing(outbound, None)
    if size > limit:
        raise MessageTooLarge(size, limit, service)
    result = _send_chunk(destination, [outgoing])
    _log_sent(destination, result)
    if result.not_sent or result.unknown:
        raise_unless_sent([(destination, result)])


def send_all(
    by_destination: Mapping[Destination, Sequence[Message | Outbound]],
    settings: Settings | None = None,
) -> list[str]:
    """Every message to its destination, all checked before the first is sent (so
    MessageTooLarge means nothing was sent); the ids sent, or PublishError. Traced as the
    `settings` say (without them, as a tool's send, never)."""
    telemetry = telemetry_for(settings) if settings is not None else None
    if telemetry is None:
        return _send_all(by_destination, None, settings)
    batch = [(d, [_message(item) for item in items]) for d, items in by_destination.items()]
    with telemetry.publishing(batch) as publishing:
        return _send_all(by_destination, publishing, settings)


def _send_all(
    by_destination: Mapping[Destination, Sequence[Message | Outbound]],
    publishing: Publishing | None,
    settings: Settings | None,
) -> list[str]:
    context = publishing.trace_context if publishing is not None else None
    offload = Offload.from_settings(settings) if settings is not None else None
    # Loops, not comprehensions: each of those is a function call, and most sends are one
    # message to one destination.
    prepared = []
    for destination, items in by_destination.items():
        prepared.append((destination, prepare(destination, items, context, offload)))
    payloads = _payloads(prepared) if offload is not None else []
    if payloads and settings is not None:  # S3 first: a failure there sends nothing
        keys = [o.message.key for _, outgoing in prepared for o in outgoing]
        store_payloads(payloads, keys, settings)
        if publishing is not None:
            publishing.offloaded(len(payloads), sum(p.size for p in payloads))
    results = []
    for destination, outgoing in prepared:
        results.append((destination, _send(destination, outgoing)))
    if payloads and settings is not None:
        discard_unsent(payloads, results, settings)
    if publishing is not None:
        publishing.sent(results)
    raise_unless_sent(results)
    if len(results) == 1:  # one destination, most sends: no list of lists to flatten
        return list(results[0][1].sent)
    return [key for _, result in results for key in result.sent]


def _payloads(prepared: Sequence[tuple[Destination, Sequence[_Outgoing]]]) -> list[Payload]:
    return [o.payload for _, outgoing in prepared for o in outgoing if o.payload is not None]


def _message(item: Message | Outbound) -> Message:
    return item.message if isinstance(item, Outbound) else item


def prepare(
    destination: Destination,
    items: Sequence[Message | Outbound],
    trace_context: Mapping[str, str] | None = None,
    offload: Offload | None = None,
) -> list[_Outgoing]:
    """Encoded messages with their sizes, carrying `trace_context` in their attributes as far as
    it fits, those `offload` wants as pointers to their S3 payloads; MessageTooLarge before
    anything is sent."""
    limit, service = _LIMITS[destination.kind]
    prepared = []
    for item in items:
        outgoing, size = _outgoing(
            item if isinstance(item, Outbound) else Outbound(item), trace_context
        )
        payload = None
        if offload is not None and offload.wanted(size, limit):
            outgoing, payload = offload.pointing(outgoing)
            size = transport_size(outgoing.body, outgoing.attributes)
        if size > limit:
            raise MessageTooLarge(size, limit, service)
        prepared.append(_Outgoing(outgoing, size, limit, payload))
    return prepared


# The size limit of one message (body and attributes) by destination kind, and its service.
_LIMITS = {"topic": (SNS_MAX_BYTES, "SNS"), "queue": (SQS_MAX_BYTES, "SQS")}


def _outgoing(
    outbound: Outbound, trace_context: Mapping[str, str] | None
) -> tuple[OutgoingMessage, int]:
    """The message as the transport sends it, and its size as the service counts it."""
    message = outbound.message
    body = outbound.body if outbound.body is not None else encode(message)
    attributes = message_attributes(message, trace_context)
    outgoing = OutgoingMessage(
        message.id,
        body,
        attributes,
        outbound.delay_s,
        outbound.group_id,
        outbound.deduplication_id,
    )
    return outgoing, transport_size(body, attributes)


class _Outgoing(NamedTuple):
    message: OutgoingMessage
    size: int  # what the queue or topic counts: a pointer's, not its payload's
    limit: int
    payload: Payload | None = None  # the body S3 keeps for a message sent as a pointer


def _send(destination: Destination, prepared: Sequence[_Outgoing]) -> SendResult:
    """Every chunk sent; a transport that raises leaves its chunk's outcome unknown."""
    if len(prepared) == 1:  # a single dispatch: one request, its result as the transport said
        result = _send_chunk(destination, [prepared[0].message])
    else:
        results = [_send_chunk(destination, chunk) for chunk in _chunks(prepared)]
        result = results[0] if len(results) == 1 else _merged(results)
    _log_sent(destination, result)
    return result


def _log_sent(destination: Destination, result: SendResult) -> None:
    if logger.isEnabledFor(logging.DEBUG):
        for key in result.sent:
            logger.debug("dispatched id=%s to %s %s", key, destination.kind, destination.name)


def _send_chunk(destination: Destination, chunk: list[OutgoingMessage]) -> SendResult:
    try:
        return current_transport().send(destination, chunk)
    except Exception as error:  # a transport fault must not hide which messages went out
        reason = f"{type(error).__name__}: {error}"
        return SendResult(unknown={message.key: reason for message in chunk})


def _merged(results: Sequence[SendResult]) -> SendResult:
    sent: list[str] = []
    not_sent: dict[str, str] = {}
    unknown: dict[str, str] = {}
    for result in results:
        sent.extend(result.sent)
        not_sent.update(result.not_sent)
        unknown.update(result.unknown)
    return SendResult(tuple(sent), not_sent, unknown)


def _chunks(prepared: Sequence[_Outgoing]) -> Iterator[list[OutgoingMessage]]:
    """Up to ten messages whose sizes together stay within the service's request limit."""
    chunk: list[OutgoingMessage] = []
    chunk_size = 0
    for outgoing in prepared:
        if chunk and (len(chunk) == MAX_BATCH or chunk_size + outgoing.size > outgoing.limit):
            yield chunk
            chunk, chunk_size = [], 0
        chunk.append(outgoing.message)
        chunk_size += outgoing.size
    if chunk:
        yield chunk


def raise_unless_sent(results: Sequence[tuple[Destination, SendResult]]) -> None:
    for _, result in results:
        if result.not_sent or result.unknown:
            break
    else:
        return
    sent = [key for _, result in results for key in result.sent]
    not_sent = {k: v for _, result in results for k, v in result.not_sent.items()}
    unknown = {k: v for _, result in results for k, v in result.unknown.items()}
    total = len(sent) + len(not_sent) + len(unknown)
    details = "; ".join(_describe(d, result) for d, result in results if not result.ok)
    raise PublishError(
        f"{total - len(sent)} of {total} messages not known to be sent: {details}",
        not_sent=not_sent,
        unknown=unknown,
        sent=sent,
    )


def _describe(destination: Destination, result: SendResult) -> str:
    where = f"{destination.kind} {destination.name}"
    parts = []
    if result.not_sent:
        head = f"not sent to {where}, safe to dispatch again"
        parts.append(summarize_failures(head, result.not_sent))
    if result.unknown:
        head = f"may have reached {where}, check before dispatching again"
        parts.append(summarize_failures(head, result.unknown))
    return "; ".join(parts)
