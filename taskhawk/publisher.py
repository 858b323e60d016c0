"""Dispatch: build the canonical message, then send it (`taskhawk.sending`) or, in sync mode,
run it now.

The publisher knows nothing of consuming: sync mode runs through a runner the consume layer
installs.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Protocol

from taskhawk import clock
from taskhawk.batching import PendingBatch, collecting, current_batch
from taskhawk.exceptions import ConfigurationError, PublishError, ValidationError
from taskhawk.outgoing import Problem, check_body, dispatched_message, part_problem, write
from taskhawk.priority import Priority
from taskhawk.schedule import NO_SCHEDULE, Plan
from taskhawk.sending import Outbound, destination_for, send_all, send_messages, send_one
from taskhawk.settings import Settings, get_settings
from taskhawk.telemetry import telemetry_for
from taskhawk.transport import Destination, SendResult
from taskhawk.wire import Message, encode, message_attributes

if TYPE_CHECKING:
    from taskhawk.task import Invocation, Task

__all__ = [
    "SyncRunner",
    "batch",
    "dispatch",
    "dispatch_async",
    "dispatch_many",
    "dispatch_many_async",
    "install_sync_runner",
    "new_message",
    "new_message_id",
]


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
    destination = destination_for(settings, invocation.priority)
    outbound = new_message(invocation, args, kwargs, settings, destination)
    if settings.taskhawk_sync:
        return run_sync(outbound, settings, destination)
    pending = current_batch()
    if pending is not None:
        pending.add(destination, outbound)
    else:
        send_one(destination, outbound, settings)
    return outbound.message.id


def dispatch_many(
    invocation: Invocation[Any, Any], calls: Iterable[tuple[Sequence[Any], Mapping[str, Any]]]
) -> list[str]:
    """Every message is built and validated before the first is sent."""
    settings = get_settings()
    destination = destination_for(settings, invocation.priority)
    outbound = [new_message(invocation, a, kw, settings, destination) for a, kw in calls]
    if settings.taskhawk_sync:
        return [run_sync(item, settings, destination) for item in outbound]
    send_messages(destination, outbound, settings)
    return [item.message.id for item in outbound]


async def dispatch_async(
    invocation: Invocation[Any, Any], args: Sequence[Any], kwargs: Mapping[str, Any]
) -> str:
    """`dispatch` in a thread, with this context (an open `batch()`, the transport in use), so
    the event loop that awaits it is never blocked by the send."""
    return await asyncio.to_thread(dispatch, invocation, args, kwargs)


async def dispatch_many_async(
    invocation: Invocation[Any, Any], calls: Iterable[tuple[Sequence[Any], Mapping[str, Any]]]
) -> list[str]:
    """`dispatch_many` in a thread; the calls are listed first, in the caller's thread."""
    return await asyncio.to_thread(dispatch_many, invocation, list(calls))


@contextmanager
def batch() -> Iterator[PendingBatch]:
    """Dispatches inside return their ids at once; the messages go out when the block ends
    without an exception (an exception discards them: nothing half-sent). Every message is
    checked before the first is sent, so MessageTooLarge means nothing was sent."""
    with collecting() as pending:
        yield pending
    by_destination, pending.messages = pending.messages, {}
    try:
        settings = get_settings() if by_destination else None  # the dispatches had them
        pending.sent_ids.extend(send_all(by_destination, settings))
    except PublishError as error:
        pending.sent_ids.extend(error.sent)
        raise


def new_message(
    invocation: Invocation[Any, Any],
    args: Sequence[Any],
    kwargs: Mapping[str, Any],
    settings: Settings,
    destination: Destination,
) -> Outbound:
    """The message of one call, checked against the task's signature, scheduled as the
    invocation says, in the oldest format that can carry it, and its body. Each part was checked
    where it entered (the task name when the task was declared, headers with the invocation,
    values as they are converted); TASKHAWK_VALIDATE_OUTGOING checks the body whole too."""
    task = invocation.task
    message_id = new_message_id()
    task.check_arguments(args, kwargs, message_id=message_id)
    now_ms = int(clock.now() * 1000)
    schedule = invocation.schedule
    plan = _UNSCHEDULED if schedule is NO_SCHEDULE else schedule.plan(now_ms, destination, settings)
    headers, header_problem = _headers(invocation, settings)
    message = dispatched_message(
        message_id=message_id,
        task=task.name,
        args=args,
        kwargs=kwargs,
        headers=headers,
        priority=invocation.priority_name,
        timestamp_ms=now_ms,
        scheduling=plan.fields,
    )
    group, deduplication_id = invocation.ordering.ids(settings, message_id, headers)
    problem = header_problem or task.name_problem  # in the order the schema lists them
    if problem is not None:
        raise ValidationError(*problem)
    body = write(message)
    if settings.taskhawk_validate_outgoing:
        check_body(body)
    return Outbound(message, plan.delay_s, group, deduplication_id, body)


_UNSCHEDULED = Plan({})  # what NO_SCHEDULE plans, for any dispatch


def new_message_id() -> str:
    """A random (version 4) UUID as a lower-case string; uuid.uuid4() builds an object first.
    Its version digit is written as 4 and its variant digit read from `_VARIANT`, which keeps
    the two random bits of that digit and sets the top two to 10."""
    text = os.urandom(16).hex()
    return f"{text[:8]}-{text[8:12]}-4{text[13:16]}-{_VARIANT[text[16]]}{text[17:20]}-{text[20:]}"


_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


def default_headers(task: Task[Any, Any], settings: Settings) -> Mapping[str, str]:
    hook = settings.default_headers_hook
    return dict(hook(task=task)) if hook is not None else {}


def _headers(
    invocation: Invocation[Any, Any], settings: Settings
) -> tuple[dict[str, str], Problem | None]:
    """The message's headers, and what is wrong with them: the invocation's, checked when it
    was made, unless TASKHAWK_DEFAULT_HEADERS adds some (then the merged ones, once)."""
    if settings.default_headers_hook is None:
        return invocation.plain_headers, invocation.header_problem
    defaults = default_headers(invocation.task, settings)
    if not defaults:
        return invocation.plain_headers, invocation.header_problem
    headers = {**defaults, **invocation.plain_headers}
    return headers, part_problem("headers", headers)


def run_sync(outbound: Outbound, settings: Settings, destination: Destination) -> str:
    """TASKHAWK_SYNC: run the task now, from its encoded text, as a worker would; with
    telemetry on, after a PRODUCER span as a send would have (the run is its consumer)."""
    if not _sync_runners:
        raise ConfigurationError("sync mode needs taskhawk's consumer; import taskhawk first")
    message = outbound.message
    queue = (
        settings.names.queue(Priority[message.metadata.priority])
        if settings.taskhawk_queue
        else None
    )
    body = outbound.body if outbound.body is not None else encode(message)
    attributes = _sync_attributes(message, settings, destination)
    _sync_runners[0](body, attributes, queue=queue, transport_id=message.id, settings=settings)
    return message.id


def _sync_attributes(
    message: Message, settings: Settings, destination: Destination
) -> dict[str, str]:
    telemetry = telemetry_for(settings)
    if telemetry is None:
        return message_attributes(message)
    with telemetry.publishing([(destination, [message])]) as publishing:
        attributes = message_attributes(message, publishing.trace_context)
        publishing.sent([(destination, SendResult(sent=(message.id,)))])
    return attributes
