"""Start-up checks against AWS: region, credentials, and that queues exist.

A worker runs them once before its consumer processes start, so a missing queue or credential
fails the command with one line instead of a restart loop. Each queue costs one GetQueueUrl and
a worker's queues one GetQueueAttributes (the redrive policy, which decides the last receive a
failure line names), each one try bounded by the timeouts (`command_clients`).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from taskhawk.transport.aws_answers import promised
from taskhawk.transport.aws_errors import explain, session_for
from taskhawk.transport.command_clients import command_client

if TYPE_CHECKING:
    from taskhawk.settings import Settings

__all__ = ["QueuesFound", "check_queues"]


@dataclass(frozen=True)
class QueuesFound:
    """What the checks learnt: the region, the redrive limit of each queue asked about (the
    maxReceiveCount of its RedrivePolicy; None for a queue without one), and how long it keeps
    a message (MessageRetentionPeriod, seconds; None when the endpoint does not say)."""

    region: str
    max_receives: Mapping[str, int | None]
    retention_s: Mapping[str, int | None] = field(default_factory=dict)


def check_queues(
    settings: Settings, names: Sequence[str], redrive_of: Collection[str] = ()
) -> QueuesFound:
    """Region, credentials and every named queue, in that order, and the redrive limit of the
    queues in `redrive_of` (a dead-letter queue has none to read). Raises what
    `aws_errors.explain` makes of the first problem (ConfigurationError or TransportError)."""
    session = session_for(settings)
    if session.get_credentials() is None:
        raise explain(NoCredentialsError(), settings, doing="checking the queues")
    sqs = command_client(session, "sqs", settings.aws_endpoint_sqs, settings)
    max_receives: dict[str, int | None] = {}
    retention_s: dict[str, int | None] = {}
    for name in names:
        try:
            doing = f"checking queue {name}"
            url = promised(sqs.get_queue_url(QueueName=name), "QueueUrl", doing)
            if name in redrive_of:
                found = sqs.get_queue_attributes(
                    QueueUrl=url, AttributeNames=["RedrivePolicy", "MessageRetentionPeriod"]
                )
                attributes = found.get("Attributes") or {}
                max_receives[name] = _max_receive_count(attributes.get("RedrivePolicy"))
                retention = str(attributes.get("MessageRetentionPeriod", ""))
                retention_s[name] = int(retention) if retention.isdigit() else None
        except (ClientError, BotoCoreError) as error:
            raise explain(error, settings, doing=f"checking queue {name}", queue=name) from None
    return QueuesFound(str(session.region_name), max_receives, retention_s)


def _max_receive_count(policy: str | None) -> int | None:
    """SQS returns the policy as JSON text whose maxReceiveCount may be a number or a string."""
    try:
        return int(json.loads(policy)["maxReceiveCount"]) if policy else None
    except (ValueError, TypeError, KeyError):
        return None
