"""The message group a dispatch belongs to (FIFO apps, and tenants) and its deduplication id.

Tasks of one group run one at a time, in dispatch order; groups run side by side. SQS drops a
message whose deduplication id it saw in the last five minutes: by default the id is the message
id (every dispatch is new), `with_deduplication_id` makes a repeated dispatch one message.

A tenant (`with_tenant`, or the header TASKHAWK_DEFAULT_TENANT_HEADER names) is the message group
on a standard queue, which makes it a fair queue: one busy tenant no longer delays the others,
and nothing else changes (messages of a tenant still run side by side, in any order). On a FIFO
app the tenant is the group, with what a group means there: its tasks run one at a time, in
order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from taskhawk.exceptions import ConfigurationError
from taskhawk.settings import Settings
from taskhawk.transport.limits import FIFO_ID

__all__ = ["NO_ORDERING", "Ordering"]


@dataclass(frozen=True, slots=True)
class Ordering:
    group: str | None = None
    deduplication_id: str | None = None
    tenant: str | None = None

    def check(self) -> Ordering:
        """Refuse an id SQS would refuse, at once rather than at the dispatch."""
        for name, value in (
            ("FIFO group", self.group),
            ("FIFO deduplication id", self.deduplication_id),
            ("tenant", self.tenant),
        ):
            _check_id(name, value)
        return self

    def ids(
        self, settings: Settings, message_id: str, headers: Mapping[str, str] | None = None
    ) -> tuple[str | None, str | None]:
        """(group, deduplication id) for one dispatch of this app; `headers` are the message's,
        where the default tenant comes from."""
        tenant = self.tenant or _default_tenant(settings, headers)
        if not settings.taskhawk_fifo:
            if self.group is not None or self.deduplication_id is not None:
                raise ConfigurationError(
                    "with_group and with_deduplication_id need a FIFO app (TASKHAWK_FIFO = True)"
                    "; the standard queues of this app keep no order (with_tenant gives a "
                    "standard queue's fairness between tenants)"
                )
            return tenant, None
        if self.group is not None and self.tenant is not None and self.group != self.tenant:
            raise ConfigurationError(
                f"on a FIFO app the tenant is the message group: with_group({self.group!r}) and "
                f"with_tenant({self.tenant!r}) disagree"
            )
        group = self.group or tenant
        if group is None:
            raise ConfigurationError(
                "a FIFO app (TASKHAWK_FIFO) dispatches each task in a message group: call "
                "with_group(...), e.g. the customer id whose tasks must keep their order"
            )
        if settings.taskhawk_fifo_content_based_deduplication and self.deduplication_id is None:
            return group, None  # the queue deduplicates by content
        return group, self.deduplication_id or message_id


NO_ORDERING = Ordering()


def _check_id(name: str, value: str | None) -> None:
    if value is not None and not (isinstance(value, str) and FIFO_ID.fullmatch(value)):
        raise ValueError(f"a {name} is 1-128 letters, digits or ASCII punctuation, not {value!r}")


def _default_tenant(settings: Settings, headers: Mapping[str, str] | None) -> str | None:
    """The value of the header TASKHAWK_DEFAULT_TENANT_HEADER names, when the message has it."""
    header = settings.taskhawk_default_tenant_header
    if header is None or not headers or header not in headers:
        return None
    tenant = headers[header]
    try:
        _check_id("tenant", tenant)
    except ValueError as error:
        raise ConfigurationError(
            f"header {header} (TASKHAWK_DEFAULT_TENANT_HEADER): {error}"
        ) from None
    return tenant
