"""Running one decoded message: find its task, build its Metadata, call hooks and the task.

Shared by every consumer (SQS worker, Lambda, the pytest plugin) and by sync mode, so a task runs
the same way wherever its message comes from. What happens to the message afterwards (delete,
retry, dead-letter) is the caller's decision.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from taskhawk.exceptions import IgnoreException
from taskhawk.metadata import Metadata
from taskhawk.priority import Priority
from taskhawk.settings import Settings
from taskhawk.task import Task, find_task
from taskhawk.wire import Message

__all__ = ["build_metadata", "process_message"]


def build_metadata(
    message: Message,
    *,
    receipt: str | None = None,
    queue: str | None = None,
    extender: Callable[[int], None] | None = None,
) -> Metadata:
    return Metadata(
        id=message.id,
        priority=Priority[message.metadata.priority],
        timestamp=message.metadata.timestamp,
        version=message.metadata.version,
        headers=dict(message.headers),
        receipt=receipt,
        queue=queue,
        extender=extender,
    )


def process_message(
    message: Message,
    settings: Settings,
    hook_kwargs: Mapping[str, Any],
    metadata: Metadata,
) -> Task[Any, Any]:
    """Pre-hook, task, post-hook. Raises TaskNotFound before any hook runs; re-raises
    IgnoreException after the post-hook so the caller knows the task chose to drop it."""
    task = find_task(message.task)
    pre_hook = settings.callable("TASKHAWK_PRE_PROCESS_HOOK")
    post_hook = settings.callable("TASKHAWK_POST_PROCESS_HOOK")
    if pre_hook is not None:
        pre_hook(**hook_kwargs)
    try:
        task.call(message, metadata)
    except IgnoreException:
        if post_hook is not None:
            post_hook(**hook_kwargs)
        raise
    if post_hook is not None:
        post_hook(**hook_kwargs)
    return task
