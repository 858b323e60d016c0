"""The registry of task names: what `@taskhawk.task` registers and consumers look up.

A message names its task; a consumer finds it only here, among decorated functions, never by
importing or evaluating anything the message says.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from taskhawk.exceptions import ConfigurationError, TaskNotFound

if TYPE_CHECKING:
    from taskhawk.task import Task

__all__ = ["find_task", "register", "registered_tasks", "unregister_all"]

_lock = threading.Lock()
_tasks: dict[str, Task[Any, Any]] = {}


def register(task: Task[Any, Any]) -> None:
    """Add a task under its name. The same function declared again (a module reloaded) replaces
    its entry; another function under a taken name is a ConfigurationError."""
    with _lock:
        existing = _tasks.get(task.name)
        if existing is not None and _qualified(existing.fn) != _qualified(task.fn):
            raise ConfigurationError(
                f"task name {task.name!r} is already used by {_qualified(existing.fn)}; "
                f"cannot register {_qualified(task.fn)} under it (pass name=...)"
            )
        _tasks[task.name] = task


def find_task(name: str) -> Task[Any, Any]:
    """The task registered under `name`; TaskNotFound when there is none."""
    try:
        return _tasks[name]
    except KeyError:
        raise TaskNotFound(name) from None


def registered_tasks() -> Mapping[str, Task[Any, Any]]:
    """A snapshot of every registered task, by name."""
    return MappingProxyType(dict(_tasks))


def unregister_all(keep: Mapping[str, Task[Any, Any]] | None = None) -> None:
    """Forget every task except `keep` (tests restore the registry they started with)."""
    with _lock:
        _tasks.clear()
        _tasks.update(keep or {})


def _qualified(fn: Callable[..., Any]) -> str:
    return f"{fn.__module__}.{getattr(fn, '__qualname__', repr(fn))}"
