"""`taskhawk stats`: per priority, what waits, what runs, what was dead-lettered, and how old.

Depths come from SQS's queue attributes, which are approximate (SQS says so) and cost one
request per queue. SQS's API has no age of the oldest message: CloudWatch's
`ApproximateAgeOfOldestMessage` metric does, published every minute and a few minutes late, and
needs `cloudwatch:GetMetricStatistics`. Local endpoints (moto, LocalStack) publish no SQS
metrics, so against them the age is unknown (None), never made up. Peeking at messages to date
them is not an option: every receive counts towards the redrive policy.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from taskhawk.admin.aws_admin import AWSAdmin
from taskhawk.priority import Priority
from taskhawk.settings import Settings
from taskhawk.transport.aws_errors import explain
from taskhawk.transport.command_clients import command_client

__all__ = ["AGE_SOURCES", "PriorityStats", "queue_stats", "uses_cloudwatch"]

AGE_SOURCES = ("auto", "cloudwatch", "none")
_AGE_WINDOW = datetime.timedelta(minutes=15)  # CloudWatch's SQS metrics arrive minutes late
_PERIOD = datetime.timedelta(minutes=1)  # SQS publishes its metrics every minute


@dataclass(frozen=True)
class PriorityStats:
    """One priority's numbers; None where unknown (a queue that does not exist, no metric)."""

    priority: str
    queue: str
    dead_letter_queue: str
    visible: int | None
    in_flight: int | None
    delayed: int | None
    dead_letters: int | None
    oldest_age_s: int | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def uses_cloudwatch(settings: Settings, age_source: str) -> bool:
    """auto: CloudWatch on AWS, nothing against a custom (local) endpoint."""
    if age_source == "auto":
        return settings.aws_endpoint_sqs is None
    return age_source == "cloudwatch"


def queue_stats(
    settings: Settings, priorities: Sequence[Priority], *, age_source: str = "auto"
) -> list[PriorityStats]:
    admin = AWSAdmin(settings)
    ages = _Ages(admin, settings) if uses_cloudwatch(settings, age_source) else None
    found = []
    for priority in priorities:
        queue = settings.names.queue(priority)
        dlq = settings.names.dead_letter_queue(priority)
        depths, dlq_depths = admin.depths(queue), admin.depths(dlq)
        found.append(
            PriorityStats(
                priority=priority.name,
                queue=queue,
                dead_letter_queue=dlq,
                visible=_get(depths, "ApproximateNumberOfMessages"),
                in_flight=_get(depths, "ApproximateNumberOfMessagesNotVisible"),
                delayed=_get(depths, "ApproximateNumberOfMessagesDelayed"),
                dead_letters=_get(dlq_depths, "ApproximateNumberOfMessages"),
                oldest_age_s=ages.oldest(queue) if ages is not None and depths else None,
            )
        )
    return found


def _get(depths: dict[str, int] | None, key: str) -> int | None:
    return None if depths is None else depths[key]


class _Ages:
    """ApproximateAgeOfOldestMessage, the latest datapoint of the last minutes."""

    def __init__(self, admin: AWSAdmin, settings: Settings) -> None:
        self.settings = settings
        # LocalStack and moto serve every service on the SQS endpoint's port.
        self._client: Any = command_client(
            admin.session, "cloudwatch", settings.aws_endpoint_sqs, settings
        )

    def oldest(self, queue: str) -> int | None:
        now = datetime.datetime.now(datetime.timezone.utc)
        try:
            response = self._client.get_metric_statistics(
                Namespace="AWS/SQS",
                MetricName="ApproximateAgeOfOldestMessage",
                Dimensions=[{"Name": "QueueName", "Value": queue}],
                StartTime=now - _AGE_WINDOW,
                EndTime=now + _PERIOD,  # the current minute's period too
                Period=int(_PERIOD.total_seconds()),
                Statistics=["Maximum"],
            )
        except (ClientError, BotoCoreError) as error:
            doing = f"reading the age of {queue}'s oldest message from CloudWatch"
            raise explain(error, self.settings, doing=doing) from error
        points = sorted(response.get("Datapoints", []), key=lambda point: point["Timestamp"])
        return int(points[-1]["Maximum"]) if points else None
