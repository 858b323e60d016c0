"""@taskhawk.task, Task and Invocation: declaring a task and dispatching it."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from types import CoroutineType, MappingProxyType
from typing import TYPE_CHECKING, Any, Generic, ParamSpec, TypeVar, overload

from taskhawk import publisher
from taskhawk.arguments import INJECTED, Arguments
from taskhawk.coroutines import call_plain, run_to_completion
from taskhawk.exceptions import ArgumentsMismatch, ConfigurationError
from taskhawk.ordering import NO_ORDERING, Ordering
from taskhawk.outgoing import Problem, part_problem
from taskhawk.priority import Priority, PriorityName
from taskhawk.registry import register
from taskhawk.schedule import NO_SCHEDULE, Schedule, When
from taskhawk.settings import get_settings

if TYPE_CHECKING:
    from taskhawk.metadata import Metadata
    from taskhawk.wire import Message

__all__ = ["Invocation", "Task", "task"]

P = ParamSpec("P")
R = TypeVar("R")


class Invocation(Generic[P, R]):
    """A task with headers, a priority, a delay and an expiry chosen for its next dispatches.
    Immutable: with_* return a new invocation, so a saved one can be reused without leaking
    headers."""

    __slots__ = (
        "_headers",
        "_priority",
        "header_problem",
        "ordering",
        "plain_headers",
        "priority",
        "priority_name",
        "schedule",
        "task",
    )

    def __init__(
        self,
        task: Task[P, R],
        headers: Mapping[str, str],
        priority: Priority | None,
        schedule: Schedule = NO_SCHEDULE,
        ordering: Ordering = NO_ORDERING,
    ) -> None:
        self.task = task
        # Checked here, once per invocation, not at each of its dispatches; a problem is raised
        # by the dispatch, where today's callers expect it.
        self.plain_headers: dict[str, str] = dict(headers)
        self.header_problem: Problem | None = (
            part_problem("headers", self.plain_headers) if self.plain_headers else None
        )
        self._headers = MappingProxyType(self.plain_headers)
        self._priority = priority
        # Resolved once: an enum's `name` is a Python-level property, read at every dispatch.
        self.priority: Priority = priority or task.priority
        self.priority_name: str = self.priority.name
        self.schedule = schedule
        self.ordering = ordering

    def _but(
        self,
        *,
        headers: Mapping[str, str] | None = None,
        priority: Priority | None = None,
        schedule: Schedule | None = None,
        ordering: Ordering | None = None,
    ) -> Invocation[P, R]:
        """A copy with some parts replaced: invocations are immutable."""
        copy = Invocation(
            self.task,
            {} if headers is None else headers,
            self._priority if priority is None else priority,
            self.schedule if schedule is None else schedule,
            self.ordering if ordering is None else ordering,
        )
        if headers is None:  # the same headers, checked once already
            copy.plain_headers, copy.header_problem = self.plain_headers, self.header_problem
            copy._headers = self._headers
        return copy

    @property
    def headers(self) -> Mapping[str, str]:
        return self._headers

    def with_headers(self, **headers: str) -> Invocation[P, R]:
        return self._but(headers={**self._headers, **headers})

    def with_priority(self, priority: Priority | PriorityName) -> Invocation[P, R]:
        """A new invocation with this priority: a `Priority` or its name (`"high"`)."""
        return self._but(priority=Priority.parse(priority))

    def with_group(self, group: str) -> Invocation[P, R]:
        """A new invocation in this FIFO message group: its tasks run one at a time, in
        dispatch order, after those of the group dispatched before (FIFO apps only)."""
        return self._but(ordering=replace(self.ordering, group=group).check())

    def with_deduplication_id(self, deduplication_id: str) -> Invocation[P, R]:
        """A new invocation whose dispatches SQS sends once within five minutes (FIFO apps
        only); without it each dispatch is new."""
        ordering = replace(self.ordering, deduplication_id=deduplication_id).check()
        return self._but(ordering=ordering)

    def with_tenant(self, tenant: str) -> Invocation[P, R]:
        """A new invocation for this tenant: its messages carry it as their message group, so a
        standard queue serves tenants fairly (SQS fair queues); on a FIFO app it is the group."""
        return self._but(ordering=replace(self.ordering, tenant=tenant).check())

    def with_delay(self, delay: When) -> Invocation[P, R]:
        """A new invocation whose tasks may not start before `delay`: seconds or a timedelta
        from each dispatch, or an aware datetime. Any length: beyond SQS's 15 minutes the
        consumer holds the message back until it is due."""
        return self._but(schedule=replace(self.schedule, delay=delay).check())

    def with_expires(self, expires: When) -> Invocation[P, R]:
        """A new invocation whose tasks never run if not started by `expires`: seconds or a
        timedelta from each dispatch, or an aware datetime."""
        return self._but(schedule=replace(self.schedule, expires=expires).check())

    def dispatch(self, *args: P.args, **kwargs: P.kwargs) -> str:
        """Send one message; return its id. In sync mode the task runs before this returns."""
        return publisher.dispatch(self, args, kwargs)

    def dispatch_many(self, calls: Iterable[tuple[Sequence[Any], Mapping[str, Any]]]) -> list[str]:
        """Send one message per (args, kwargs) pair in batches of ten; return their ids."""
        return publisher.dispatch_many(self, calls)

    async def dispatch_async(self, *args: P.args, **kwargs: P.kwargs) -> str:
        """`dispatch` for code running in an event loop: the send runs in a thread, so the loop
        goes on meanwhile."""
        return await publisher.dispatch_async(self, args, kwargs)

    async def dispatch_many_async(
        self, calls: Iterable[tuple[Sequence[Any], Mapping[str, Any]]]
    ) -> list[str]:
        """`dispatch_many` for code running in an event loop, the sends in a thread."""
        return await publisher.dispatch_many_async(self, calls)


class Task(Generic[P, R]):
    """A registered function. Calling it runs the function here; `dispatch` sends a message."""

    def __init__(self, fn: Callable[P, R], *, name: str, priority: Priority) -> None:
        parameters = inspect.signature(fn).parameters.values()
        if any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in parameters):
            raise ConfigurationError(f"task {name}: *args is not allowed (use named parameters)")
        var_keyword = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)
        names = {p.name for p in parameters}
        self.fn = fn
        self.is_async = _is_async(fn)
        self.name = name
        # The name is part of every message: checked here, once, and raised by each dispatch.
        self.name_problem: Problem | None = part_problem("task", name)
        self.priority = priority
        self.accepts_metadata = var_keyword or "metadata" in names
        self.accepts_headers = var_keyword or "headers" in names
        accepted = (self.accepts_metadata, self.accepts_headers)
        injected = [name for name, takes in zip(INJECTED, accepted, strict=True) if takes]
        self._arguments = Arguments(fn, name, injected)
        self.__doc__ = fn.__doc__
        self.__wrapped__ = fn

    def __repr__(self) -> str:
        return f"<Task {self.name} priority={self.priority.name}>"

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        return self.fn(*args, **kwargs)

    def invocation(self) -> Invocation[P, R]:
        return Invocation(self, {}, None)

    def with_headers(self, **headers: str) -> Invocation[P, R]:
        return self.invocation().with_headers(**headers)

    def with_priority(self, priority: Priority | PriorityName) -> Invocation[P, R]:
        return self.invocation().with_priority(priority)

    def with_delay(self, delay: When) -> Invocation[P, R]:
        return self.invocation().with_delay(delay)

    def with_expires(self, expires: When) -> Invocation[P, R]:
        return self.invocation().with_expires(expires)

    def with_group(self, group: str) -> Invocation[P, R]:
        return self.invocation().with_group(group)

    def with_deduplication_id(self, deduplication_id: str) -> Invocation[P, R]:
        return self.invocation().with_deduplication_id(deduplication_id)

    def with_tenant(self, tenant: str) -> Invocation[P, R]:
        return self.invocation().with_tenant(tenant)

    def dispatch(self, *args: P.args, **kwargs: P.kwargs) -> str:
        return self.invocation().dispatch(*args, **kwargs)

    def dispatch_many(self, calls: Iterable[tuple[Sequence[Any], Mapping[str, Any]]]) -> list[str]:
        return self.invocation().dispatch_many(calls)

    async def dispatch_async(self, *args: P.args, **kwargs: P.kwargs) -> str:
        return await self.invocation().dispatch_async(*args, **kwargs)

    async def dispatch_many_async(
        self, calls: Iterable[tuple[Sequence[Any], Mapping[str, Any]]]
    ) -> list[str]:
        return await self.invocation().dispatch_many_async(calls)

    def check_arguments(
        self, args: Sequence[Any], kwargs: Mapping[str, Any], *, message_id: str
    ) -> None:
        """Refuse a call the function cannot take (a missing or unexpected argument, or one the
        consumer fills in) with ArgumentsMismatch, as the consumer would refuse its message."""
        problem = self._arguments.problem(args, kwargs)
        if problem is not None:
            raise ArgumentsMismatch(*problem, message_id=message_id)

    def call(self, message: Message, metadata: Metadata | None) -> Any:
        """Run the function for a consumed message, adding `metadata`/`headers` if it takes them
        (`metadata` may be None for a function that does not), to its end: an `async def`
        task's coroutine too (`taskhawk.coroutines`). Arguments the function cannot take raise
        ArgumentsMismatch for this message's id."""
        if self._arguments.injected_in(message.kwargs) is not None:
            self.check_arguments(message.args, message.kwargs, message_id=message.id)
        kwargs = dict(message.kwargs)
        if self.accepts_metadata:
            kwargs["metadata"] = metadata
        if self.accepts_headers:
            kwargs["headers"] = dict(message.headers)
        try:
            if self.is_async:  # a wrong call raises here, before the coroutine exists
                result = self.fn(*message.args, **kwargs)
            else:
                result = call_plain(self.fn, message.args, kwargs)
        except TypeError:
            # Asked only after a TypeError, so a successful call pays nothing for it; when the
            # arguments do fit, the TypeError was raised inside the task: its own failure.
            problem = self._arguments.problem(message.args, message.kwargs)
            if problem is None:
                raise
            raise ArgumentsMismatch(*problem, message_id=message.id) from None
        # A plain function may return a coroutine too (an async function behind a wrapper):
        # its body must run before the message counts as done.
        if isinstance(result, CoroutineType):  # inspect.iscoroutine, without its call
            return run_to_completion(result, f"{self.name} (message {message.id})")
        return result


def _is_async(fn: Callable[..., Any]) -> bool:
    """An `async def` function, or an object whose `__call__` is one."""
    call = getattr(fn, "__call__", None)  # noqa: B004 - the method itself is inspected
    return inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(call)


def _task_class() -> type[Task[Any, Any]]:
    """TASKHAWK_TASK_CLASS, or Task (also for tasks declared before settings exist)."""
    try:
        settings = get_settings()
    except ConfigurationError:
        return Task
    configured = settings.task_class
    if configured is None:
        return Task
    if not (isinstance(configured, type) and issubclass(configured, Task)):
        raise ConfigurationError(
            f"TASKHAWK_TASK_CLASS {configured!r} is not a taskhawk.Task subclass"
        )
    return configured


@overload
def task(fn: Callable[P, R], /) -> Task[P, R]: ...
@overload
def task(
    *, priority: Priority | PriorityName = Priority.default, name: str | None = None
) -> Callable[[Callable[P, R]], Task[P, R]]: ...
def task(
    fn: Callable[P, R] | None = None,
    /,
    *,
    priority: Priority | PriorityName = Priority.default,
    name: str | None = None,
) -> Task[P, R] | Callable[[Callable[P, R]], Task[P, R]]:
    """Register a function as a task: `@task` or `@task(priority="high", name="x")`; the
    priority is a `Priority` or its name."""

    def decorate(function: Callable[P, R]) -> Task[P, R]:
        task_name = name or f"{function.__module__}.{function.__name__}"
        try:
            chosen = Priority.parse(priority)
        except ValueError as error:
            raise ConfigurationError(f"task {task_name}: {error}") from None
        created: Task[P, R] = _task_class()(function, name=task_name, priority=chosen)
        register(created)
        return created

    return decorate(fn) if fn is not None else decorate
