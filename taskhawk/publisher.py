"""Dispatch: build the canonical message, then send it (or run it now, in sync mode).

Exactly one message per dispatch: the transport sends it once, re-sending only when an error
proves nothing was sent. Batches go out ten at a time and report every failure. The publisher
knows nothing of consuming: sync mode runs through a runner the consume layer installs.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from taskhawk.batching import PendingBatch, collecting, current_batch
from taskhawk.exceptions import (
    ConfigurationError,
    MessageTooLarge,
    PublishError,
    summarize_failures,
)
from taskhawk.priority import Priority
from taskhawk.settings import Settings, get_settings
from taskhawk.transport import Destination, OutgoingMessage, SendResult
from taskhawk.transport.current import current_transport
from taskhawk.transport.limits import MAX_BATCH, SNS_MAX_BYTES, SQS_MAX_BYTES, transport_size
from taskhawk.transport.naming import queue_name, topic_name
from taskhawk.wire import Message, build_message, encode, message_attributes

if TYPE_CHECKING:
    from taskhawk.task import Invocation, Task

__all__ = [
    "SyncRunner",
    "batch",
    "destination_for",
    "dispatch",
    "dispatch_many",
    "install_sync_runner",
    "send_messages",
]

logger = logging.getLogger(__name__)


class SyncRunner(Protocol):
    """Runs one encoded message in this process now (TASKHAWK_SYNC); raises what a worker
    would retry or dead-letter."""

    def __call__(
        self,
        body: str,
        attributes: Mapping[str, str],
        *,
        queue: str | None,
        transport_id: str,
        settings: Settings,
    ) -> None: ...


_sync_runners: list[SyncRunner] = []


def install_sync_runner(runner: SyncRunner) -> None:
    """Sync mode's runner, from the consume layer (wired up by `taskhawk/__init__.py`)."""
    _sync_runners[:] = [runner]


def dispatch(
    invocation: Invocation[Any, Any], args: Sequence[Any], kwargs: Mapping[str, Any]
) -> str:
    settings = get_settings()
    message = new_message(invocation, args, kwargs, settings)
    if settings.taskhawk_sync:
        return run_sync(message, settings)
    destination = destination_for(settings, invocation.priority)
    pending = current_batch()
    if pending is not None:
        pending.add(destination, message)
    else:
        send_messages(destination, [message])
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


@contextmanager
def batch() -> Iterator[PendingBatch]:
    """Dispatches inside return their ids at once; the messages go out when the block ends
    without an exception (an exception discards them: nothing half-sent). Every message is
    checked before the first is sent, so MessageTooLarge means nothing was sent."""
    with collecting() as pending:
        yield pending
    prepared = [(dest, _prepare(dest, messages)) for dest, messages in pending.messages.items()]
    pending.messages.clear()
    results = [(destination, _send(destination, outgoing)) for destination, outgoing in prepared]
    for _, result in results:
        pending.sent_ids.extend(result.sent)
    _raise_unless_sent(results)


def new_message(
    invocation: Invocation[Any, Any],
    args: Sequence[Any],
    kwargs: Mapping[str, Any],
    settings: Settings,
) -> Message:
    task = invocation.task
    message_id = new_message_id()
    task.check_arguments(args, kwargs, message_id=message_id)
    return build_message(
        message_id=message_id,
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
    hook = settings.default_headers_hook
    return dict(hook(task=task)) if hook is not None else {}


def destination_for(settings: Settings, priority: Priority) -> Destination:
    """Where a priority's messages go; remembered per Settings object (they are immutable)."""
    cached = _destinations.get(priority)
    if cached is not None and cached[0] is settings:
        return cached[1]
    app_queue = settings.app_queue
    if settings.is_lambda_app or settings.taskhawk_publish_via_sns:
        destination = Destination("topic", topic_name(app_queue, priority))
    else:
        destination = Destination("queue", queue_name(app_queue, priority))
    _destinations[priority] = (settings, destination)
    return destination


_destinations: dict[Priority, tuple[Settings, Destination]] = {}


def send_messages(destination: Destination, messages: Sequence[Message]) -> None:
    """Encode and check every message, then send them in batches of ten; PublishError says,
    per message, what was sent, not sent and unknown."""
    result = _send(destination, _prepare(destination, messages))
    _raise_unless_sent([(destination, result)])


def _prepare(destination: Destination, messages: Sequence[Message]) -> list[_Outgoing]:
    """Encoded messages with their sizes; MessageTooLarge before anything is sent."""
    limit, service = (
        (SNS_MAX_BYTES, "SNS") if destination.kind == "topic" else (SQS_MAX_BYTES, "SQS")
    )
    prepared = []
    for message in messages:
        body = encode(message)
        attributes = message_attributes(message)
        size = transport_size(body, attributes)
        if size > limit:
            raise MessageTooLarge(size, limit, service)
        prepared.append(_Outgoing(OutgoingMessage(message.id, body, attributes), size, limit))
    return prepared


@dataclass(frozen=True, slots=True)
class _Outgoing:
    message: OutgoingMessage
    size: int
    limit: int


def _send(destination: Destination, prepared: Sequence[_Outgoing]) -> SendResult:
    """Every chunk sent; a transport that raises leaves its chunk's outcome unknown."""
    sent: list[str] = []
    not_sent: dict[str, str] = {}
    unknown: dict[str, str] = {}
    for chunk in _chunks(prepared):
        try:
            result = current_transport().send(destination, chunk)
        except Exception as error:  # a transport fault must not hide which messages went out
            reason = f"{type(error).__name__}: {error}"
            result = SendResult(unknown={message.key: reason for message in chunk})
        sent.extend(result.sent)
        not_sent.update(result.not_sent)
        unknown.update(result.unknown)
    for key in sent:
        logger.debug("dispatched id=%s to %s %s", key, destination.kind, destination.name)
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


def _raise_unless_sent(results: Sequence[tuple[Destination, SendResult]]) -> None:
    if all(result.ok for _, result in results):
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


def run_sync(message: Message, settings: Settings) -> str:
    """TASKHAWK_SYNC: run the task now, from its encoded text, as a worker would."""
    if not _sync_runners:
        raise ConfigurationError("sync mode needs taskhawk's consumer; import taskhawk first")
    queue = (
        queue_name(settings.taskhawk_queue, Priority[message.metadata.priority])
        if settings.taskhawk_queue
        else None
    )
    body = encode(message)
    _sync_runners[0](
        body, message_attributes(message), queue=queue, transport_id=message.id, settings=settings
    )
    return message.id
