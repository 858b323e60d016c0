"""Dispatch: build the canonical message, then send it (or run it, in sync mode).

Exactly one message per dispatch: the transport's single request is the only send, retried only
by botocore's standard retry mode. Batches go out ten at a time and report every failure.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from taskhawk import batching
from taskhawk.attributes import SNS_MAX_BYTES, SQS_MAX_BYTES, message_attributes, transport_size
from taskhawk.exceptions import IgnoreException, MessageTooLarge, PublishError
from taskhawk.priority import Priority, queue_name, topic_name
from taskhawk.processing import build_metadata, process_message
from taskhawk.settings import Settings, get_settings
from taskhawk.transport import Destination, OutgoingMessage, ReceivedMessage
from taskhawk.transport.current import current_transport
from taskhawk.wire import Message, build_message, decode, encode

if TYPE_CHECKING:
    from taskhawk.task import Invocation, Task

__all__ = ["destination_for", "dispatch", "dispatch_many", "send_messages"]

logger = logging.getLogger(__name__)
BATCH_SIZE = 10


def dispatch(
    invocation: Invocation[Any, Any], args: Sequence[Any], kwargs: Mapping[str, Any]
) -> str:
    settings = get_settings()
    message = new_message(invocation, args, kwargs, settings)
    if settings.taskhawk_sync:
        return run_sync(message, settings)
    pending = batching.current_batch()
    if pending is not None:
        pending.add(destination_for(settings, invocation.priority), message)
        return message.id
    send_messages(destination_for(settings, invocation.priority), [message])
    return message.id


def dispatch_many(
    invocation: Invocation[Any, Any], calls: Iterable[tuple[Sequence[Any], Mapping[str, Any]]]
) -> list[str]:
    """Every message is built and validated before the first is sent."""
    settings = get_settings()
    messages = [new_message(invocation, args, kwargs, settings) for args, kwargs in calls]
    if settings.taskhawk_sync:
        return [run_sync(message, settings) for message in messages]
    send_messages(destination_for(settings, invocation.priority), messages)
    return [message.id for message in messages]


def new_message(
    invocation: Invocation[Any, Any],
    args: Sequence[Any],
    kwargs: Mapping[str, Any],
    settings: Settings,
) -> Message:
    task = invocation.task
    task.check_kwargs(kwargs)
    return build_message(
        message_id=new_message_id(),
        task=task.name,
        args=args,
        kwargs=kwargs,
        headers={**default_headers(task, settings), **invocation.headers},
        priority=invocation.priority.name,
        timestamp_ms=int(time.time() * 1000),
    )


def new_message_id() -> str:
    """A random (version 4) UUID as a lower-case string; uuid.uuid4() builds an object first."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40
    raw[8] = (raw[8] & 0x3F) | 0x80
    text = raw.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def default_headers(task: Task[Any, Any], settings: Settings) -> Mapping[str, str]:
    hook = settings.callable("TASKHAWK_DEFAULT_HEADERS")
    return dict(hook(task=task)) if hook is not None else {}


def destination_for(settings: Settings, priority: Priority) -> Destination:
    """Where a priority's messages go; remembered per Settings object (they are immutable)."""
    cached = _destinations.get(priority)
    if cached is not None and cached[0] is settings:
        return cached[1]
    destination = _destination(settings, priority)
    _destinations[priority] = (settings, destination)
    return destination


_destinations: dict[Priority, tuple[Settings, Destination]] = {}


def _destination(settings: Settings, priority: Priority) -> Destination:
    queue = settings.require("TASKHAWK_QUEUE")
    if settings.is_lambda_app or settings.taskhawk_publish_via_sns:
        return Destination("topic", topic_name(queue, priority))
    return Destination("queue", queue_name(queue, priority))


def send_messages(destination: Destination, messages: Sequence[Message]) -> None:
    """Encode, check sizes, send in batches of ten; raise PublishError listing every failure."""
    limit, service = (
        (SNS_MAX_BYTES, "SNS") if destination.kind == "topic" else (SQS_MAX_BYTES, "SQS")
    )
    outgoing = [_outgoing(message, limit, service) for message in messages]
    failures: dict[str, str] = {}
    chunks = [[outgoing[0][0]]] if len(outgoing) == 1 else _chunks(outgoing, limit)
    for chunk in chunks:
        try:
            failures.update(current_transport().send(destination, chunk))
        except PublishError:
            raise
        except Exception as error:  # a transport fault must not hide which messages went out
            failures.update({message.key: f"{type(error).__name__}: {error}" for message in chunk})
    for message in messages:
        if message.id not in failures:
            logger.debug(
                "dispatched task=%s id=%s to %s %s",
                message.task, message.id, destination.kind, destination.name,
            )  # fmt: skip
    if failures:
        raise PublishError(_failure_text(destination, failures, len(messages)), failures=failures)


def _outgoing(message: Message, limit: int, service: str) -> tuple[OutgoingMessage, int]:
    body = encode(message)
    attributes = message_attributes(message)
    size = transport_size(body, attributes)
    if size > limit:
        raise MessageTooLarge(size, limit, service)
    return OutgoingMessage(message.id, body, attributes), size


def _chunks(
    outgoing: list[tuple[OutgoingMessage, int]], limit: int
) -> Iterable[list[OutgoingMessage]]:
    """Up to ten messages whose sizes together stay within the service's request limit."""
    chunk: list[OutgoingMessage] = []
    chunk_size = 0
    for message, size in outgoing:
        if chunk and (len(chunk) == BATCH_SIZE or chunk_size + size > limit):
            yield chunk
            chunk, chunk_size = [], 0
        chunk.append(message)
        chunk_size += size
    if chunk:
        yield chunk


def _failure_text(destination: Destination, failures: Mapping[str, str], total: int) -> str:
    details = "; ".join(f"{key}: {reason}" for key, reason in failures.items())
    where = f"{destination.kind} {destination.name}"
    return f"{len(failures)} of {total} messages not sent to {where}: {details}"


def run_sync(message: Message, settings: Settings) -> str:
    """TASKHAWK_SYNC: run the task now, through encode and decode like a real consumer."""
    body = encode(message)
    decoded = decode(body)
    queue = (
        queue_name(settings.taskhawk_queue, Priority[decoded.metadata.priority])
        if settings.taskhawk_queue
        else None
    )
    received = ReceivedMessage(
        queue=queue or "",
        body=body,
        receipt=f"sync-{message.id}",
        attributes=message_attributes(decoded),
        receive_count=1,
        transport_id=message.id,
    )
    try:
        process_message(
            decoded,
            settings,
            {"queue_name": queue, "sqs_queue_message": received},
            build_metadata(decoded, queue=queue),
        )
    except IgnoreException:
        logger.info("ignored task=%s id=%s (IgnoreException)", decoded.task, decoded.id)
    return message.id
