"""Priorities: which of an app's four queues a task goes to."""

from __future__ import annotations

import enum
from typing import Literal

__all__ = ["Priority", "PriorityName"]

# The names a priority may be given by wherever a Priority is taken; mypy checks the spelling.
PriorityName = Literal["default", "high", "low", "bulk"]


class Priority(enum.Enum):
    """Which queue a task goes to. The wire carries the name (`"high"`), never the number."""

    default = 1
    high = 2
    low = 3
    bulk = 4

    # Members are singletons compared by identity: hash them by identity too, in C, not by
    # Enum's Python-level hash of the name (a dispatch looks its destination up by priority).
    __hash__ = object.__hash__

    @classmethod
    def parse(cls, value: Priority | str) -> Priority:
        """Accept a member or its name, so settings files and CLIs can say "high"."""
        if isinstance(value, Priority):
            return value
        try:
            return cls[value]
        except (KeyError, TypeError):
            names = ", ".join(member.name for member in cls)
            raise ValueError(f"unknown priority {value!r}; expected one of {names}") from None
