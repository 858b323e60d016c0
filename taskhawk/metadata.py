"""What a task sees of its own message when it accepts a `metadata` argument."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from taskhawk.priority import Priority

__all__ = ["Metadata"]


@dataclass(frozen=True, slots=True)
class Metadata:
    """Id, priority, publish time (epoch ms), format version and headers of the message, plus
    where it was received from. `receipt` is None when there is no queue (sync mode, SNS Lambda).
    """

    id: str
    priority: Priority
    timestamp: int
    version: str
    headers: Mapping[str, str]
    receipt: str | None = None
    queue: str | None = None
    extender: Callable[[int], None] | None = field(default=None, repr=False, compare=False)

    def extend_visibility_timeout(self, visibility_timeout_s: int) -> None:
        """Keep this message hidden from other workers for `visibility_timeout_s` more seconds.

        Uses the queue the message was received from (not the priority it claims). Does nothing
        where there is no queue message to extend (sync mode, SNS-triggered Lambda).
        """
        if self.extender is not None:
            self.extender(visibility_timeout_s)
