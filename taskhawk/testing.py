"""pytest plugin and helpers for testing code that dispatches tasks.

The `taskhawk_recorder` fixture routes every dispatch to an in-memory transport, so nothing
reaches AWS; tests then assert on what was dispatched and can run it through the same path a
worker uses (decode, hooks, task). Importing this module has no side effects.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pytest

from taskhawk.consume.sync import run_now
from taskhawk.exceptions import ConfigurationError
from taskhawk.priority import Priority
from taskhawk.settings import configure, get_settings, unconfigure
from taskhawk.task import Task
from taskhawk.transport.current import use_transport
from taskhawk.transport.limits import LARGE_PAYLOAD_MAX_BYTES
from taskhawk.transport.memory import MemoryTransport
from taskhawk.transport.payload_current import use_store
from taskhawk.transport.payload_pointer import parse_pointer
from taskhawk.transport.payload_store import MemoryPayloadStore
from taskhawk.wire import Message, decode

__all__ = ["Recorder", "taskhawk_recorder"]

_MAX_ROUNDS = 1000  # tasks that dispatch tasks: stop a runaway chain instead of hanging


class Recorder:
    """What was dispatched while the fixture was active, oldest first."""

    def __init__(
        self, transport: MemoryTransport, payloads: MemoryPayloadStore | None = None
    ) -> None:
        self.transport = transport
        self.payloads = payloads or MemoryPayloadStore()  # large messages' bodies (S3's part)
        self._ran = 0

    @property
    def messages(self) -> list[Message]:
        return [self._decoded(outgoing.body) for _, outgoing in self.transport.sent]

    def _decoded(self, body: str) -> Message:
        pointer = parse_pointer(body)
        if pointer is None:
            return decode(body)
        return decode(self.payloads.get(pointer.bucket, pointer.key), LARGE_PAYLOAD_MAX_BYTES)

    def dispatched(self, task: Task[Any, Any] | str) -> list[Message]:
        name = task if isinstance(task, str) else task.name
        return [message for message in self.messages if message.task == name]

    def assert_dispatched(
        self,
        task: Task[Any, Any] | str,
        args: Sequence[Any] | None = None,
        kwargs: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        priority: Priority | None = None,
    ) -> Message:
        """The one message that matches everything given (headers: a subset match)."""
        candidates = self.dispatched(task)
        matches = [m for m in candidates if _matches(m, args, kwargs, headers, priority)]
        if not matches:
            seen = "\n".join(f"  {_describe(m)}" for m in candidates) or "  (none)"
            name = task if isinstance(task, str) else task.name
            raise AssertionError(f"no dispatch of {name} matches; dispatched:\n{seen}")
        return matches[-1]

    def assert_not_dispatched(self, task: Task[Any, Any] | str) -> None:
        found = self.dispatched(task)
        if found:
            raise AssertionError(f"expected no dispatch, found {len(found)}: {_describe(found[0])}")

    def run_all(self) -> int:
        """Run every recorded message not run yet, and any they dispatch; return how many ran.
        Each runs as a worker would run it; what a worker would retry or dead-letter is raised
        here (IgnoreException counts as done)."""
        settings = get_settings()
        ran = 0
        for _ in range(_MAX_ROUNDS):
            pending = self.transport.sent[self._ran :]
            if not pending:
                return ran
            for destination, outgoing in pending:
                self._ran += 1
                ran += 1
                run_now(
                    outgoing.body,
                    outgoing.attributes,
                    queue=destination.name,
                    transport_id=outgoing.key,
                    settings=settings,
                )
        raise RuntimeError(f"tasks kept dispatching tasks for {_MAX_ROUNDS} rounds")


def _matches(
    message: Message,
    args: Sequence[Any] | None,
    kwargs: Mapping[str, Any] | None,
    headers: Mapping[str, str] | None,
    priority: Priority | None,
) -> bool:
    if args is not None and message.args != list(args):
        return False
    if kwargs is not None and message.kwargs != dict(kwargs):
        return False
    if headers is not None and any(message.headers.get(k) != v for k, v in headers.items()):
        return False
    return priority is None or message.metadata.priority == priority.name


def _describe(message: Message) -> str:
    return (
        f"{message.task}(args={message.args!r}, kwargs={message.kwargs!r}) "
        f"headers={message.headers!r} priority={message.metadata.priority}"
    )


@pytest.fixture
def taskhawk_recorder() -> Iterator[Recorder]:
    """Record dispatches in memory. Configures TASKHAWK_QUEUE=TEST if nothing is configured."""
    configured_here = False
    try:
        get_settings()
    except ConfigurationError:
        configure(TASKHAWK_QUEUE="TEST")
        configured_here = True
    transport = MemoryTransport()
    payloads = MemoryPayloadStore()
    try:
        with use_transport(transport), use_store(payloads):
            yield Recorder(transport, payloads)
    finally:
        if configured_here:
            unconfigure()
