"""`taskhawk purge`: delete every message of some priorities' queues, or of their DLQs.

SQS's PurgeQueue deletes what the queue holds when the call arrives (messages in flight too)
and takes up to a minute to finish; SQS allows one purge per queue a minute. Irreversible, so
the command asks first; this module only looks and purges.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from taskhawk.admin.aws_admin import AWSAdmin
from taskhawk.exceptions import ConfigurationError
from taskhawk.priority import Priority
from taskhawk.settings import Settings

__all__ = ["PurgeTarget", "purge", "purge_targets"]


@dataclass(frozen=True)
class PurgeTarget:
    name: str
    approximate_messages: int  # visible plus in flight plus delayed, as SQS estimates them


def purge_targets(
    admin: AWSAdmin, settings: Settings, priorities: Sequence[Priority], *, dead_letters: bool
) -> list[PurgeTarget]:
    """The queues to purge with their sizes; ConfigurationError naming one that is missing."""
    names = settings.names
    name_of = names.dead_letter_queue if dead_letters else names.queue
    targets = []
    for priority in dict.fromkeys(priorities):
        name = name_of(priority)
        depths = admin.depths(name)
        if depths is None:
            raise ConfigurationError(
                f"queue {name} does not exist: `taskhawk provision` creates it"
            )
        targets.append(PurgeTarget(name, sum(depths.values())))
    return targets


def purge(admin: AWSAdmin, targets: Sequence[PurgeTarget]) -> None:
    for target in targets:
        admin.purge(target.name)
