"""FIFO apps (TASKHAWK_FIFO): the message group a dispatch belongs to and its deduplication id.

Tasks of one group run one at a time, in dispatch order; groups run side by side. SQS drops a
message whose deduplication id it saw in the last five minutes: by default the id is the message
id (every dispatch is new), `with_deduplication_id` makes a repeated dispatch one message.
"""

from __future__ import annotations

from dataclasses import dataclass

from taskhawk.exceptions import ConfigurationError
from taskhawk.settings import Settings
from taskhawk.transport.limits import FIFO_ID

__all__ = ["NO_ORDERING", "Ordering"]


@dataclass(frozen=True, slots=True)
class Ordering:
    group: str | None = None
    deduplication_id: str | None = None

    def check(self) -> Ordering:
        """Refuse an id SQS would refuse, at once rather than at the dispatch."""
        for name, value in (("group", self.group), ("deduplication id", self.deduplication_id)):
            if value is not None and not (isinstance(value, str) and FIFO_ID.fullmatch(value)):
                raise ValueError(
                    f"a FIFO {name} is 1-128 letters, digits or ASCII punctuation, not {value!r}"
                )
        return self

    def ids(self, settings: Settings, message_id: str) -> tuple[str | None, str | None]:
        """(group, deduplication id) for one dispatch of this app."""
        if not settings.taskhawk_fifo:
            if self.group is not None or self.deduplication_id is not None:
                raise ConfigurationError(
                    "with_group and with_deduplication_id need a FIFO app (TASKHAWK_FIFO = True)"
                    "; the standard queues of this app keep no order"
                )
            return None, None
        if self.group is None:
            raise ConfigurationError(
                "a FIFO app (TASKHAWK_FIFO) dispatches each task in a message group: call "
                "with_group(...), e.g. the customer id whose tasks must keep their order"
            )
        if settings.taskhawk_fifo_content_based_deduplication and self.deduplication_id is None:
            return self.group, None  # the queue deduplicates by content
        return self.group, self.deduplication_id or message_id


NO_ORDERING = Ordering()
