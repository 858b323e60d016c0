"""Extending how long a received message stays hidden from other workers."""

from __future__ import annotations

from taskhawk.priority import Priority, queue_name
from taskhawk.settings import get_settings
from taskhawk.transport.current import current_transport

__all__ = ["extend_visibility_timeout"]


def extend_visibility_timeout(priority: Priority, receipt: str, visibility_timeout_s: int) -> None:
    """Hide the message with this receipt for `visibility_timeout_s` more seconds (0..43200),
    on the queue of `priority`. Tasks usually call `metadata.extend_visibility_timeout` instead,
    which knows the queue the message came from."""
    if not 0 <= visibility_timeout_s <= 43_200:
        raise ValueError(f"visibility_timeout_s must be 0..43200, not {visibility_timeout_s}")
    queue = queue_name(get_settings().require("TASKHAWK_QUEUE"), priority)
    current_transport().change_visibility(queue, receipt, visibility_timeout_s)
