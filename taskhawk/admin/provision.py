"""`taskhawk provision`: everything a taskhawk app needs on AWS, safe to rerun.

For each priority: the dead-letter queue (14-day retention, the most SQS keeps), the queue with
its redrive policy (TASKHAWK_MAX_RECEIVE_COUNT, default 4 as in upstream's Terraform) and its
visibility timeout (TASKHAWK_VISIBILITY_TIMEOUT_S, set explicitly so queue and workers agree),
the SNS topic, a raw-delivery subscription of the queue to the topic (taskhawk reads the SQS
body as the message itself), and the queue policy that lets that topic deliver. Rerunning brings
the managed attributes back to these values and creates nothing twice.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from taskhawk.admin.aws_admin import AWSAdmin, sns_send_policy
from taskhawk.priority import Priority
from taskhawk.settings import Settings, get_settings

__all__ = ["DLQ_RETENTION_S", "Provisioned", "provision"]

DLQ_RETENTION_S = 1_209_600  # 14 days, SQS's maximum: time to notice, fix and requeue


@dataclass(frozen=True, slots=True)
class Provisioned:
    kind: str  # "queue", "dead-letter queue", "topic", "subscription"
    name: str
    created: bool | None  # None: the API does not say (CreateTopic returns existing topics)
    changes: tuple[str, ...] = ()  # what was brought up to date, in words

    def __str__(self) -> str:
        if self.created is None:
            state = "ready"
        elif self.created:
            state = "created"
        elif self.changes:
            state = "updated: " + "; ".join(self.changes)
        else:
            state = "up to date"
        return f"{self.kind:<17} {self.name} ({state})"


def provision(
    priorities: Iterable[Priority] = tuple(Priority), settings: Settings | None = None
) -> list[Provisioned]:
    """Create or update every resource of the given priorities; what was done, in order."""
    settings = settings or get_settings()
    _ = settings.app_queue  # required: a missing one fails here, before anything is created
    max_receive_count = settings.taskhawk_max_receive_count
    if max_receive_count < 1:
        raise ValueError(f"TASKHAWK_MAX_RECEIVE_COUNT must be at least 1, not {max_receive_count}")
    admin = AWSAdmin(settings)
    done: list[Provisioned] = []
    for priority in priorities:
        done.extend(_provision_priority(admin, settings, priority))
    return done


@dataclass(frozen=True, slots=True)
class _FifoAttributes:
    queue: dict[str, str]  # kept up to date on every run
    at_creation: dict[str, str]  # given once: a queue can never become (or stop being) FIFO
    topic: dict[str, str]


def _fifo_attributes(settings: Settings) -> _FifoAttributes:
    if not settings.taskhawk_fifo:
        return _FifoAttributes({}, {}, {})
    dedup = "true" if settings.taskhawk_fifo_content_based_deduplication else "false"
    return _FifoAttributes(
        {"ContentBasedDeduplication": dedup},
        {"FifoQueue": "true"},
        {"FifoTopic": "true", "ContentBasedDeduplication": dedup},
    )


def _provision_priority(
    admin: AWSAdmin, settings: Settings, priority: Priority
) -> list[Provisioned]:
    names, fifo = settings.names, _fifo_attributes(settings)
    dlq_name = names.dead_letter_queue(priority)
    retention = {"MessageRetentionPeriod": str(DLQ_RETENTION_S), **fifo.queue}
    dlq = admin.ensure_queue(dlq_name, retention, fifo.at_creation)
    max_receive_count = settings.taskhawk_max_receive_count
    redrive = json.dumps({"deadLetterTargetArn": dlq.arn, "maxReceiveCount": max_receive_count})
    name = names.queue(priority)
    visibility = str(settings.taskhawk_visibility_timeout_s)
    attributes = {"RedrivePolicy": redrive, "VisibilityTimeout": visibility, **fifo.queue}
    existing = admin.queue_url(name)
    url = existing or admin.create_queue(name, {**attributes, **fifo.at_creation})
    arn = admin.queue_arn(name, url)
    topic = names.topic(priority)
    topic_arn = admin.ensure_topic(topic, fifo.topic)
    # Every managed attribute in one update, compared first, so a rerun says what it changed.
    attributes["Policy"] = sns_send_policy(arn, topic_arn)
    changes = admin.update_queue_attributes(name, url, attributes)
    subscription = admin.ensure_raw_subscription(topic_arn, arn)
    return [
        Provisioned("dead-letter queue", dlq_name, dlq.created, dlq.changes),
        Provisioned("queue", name, existing is None, changes),
        Provisioned("topic", topic, None),
        Provisioned(
            "subscription", f"{topic} -> {name} (raw)", subscription.created, subscription.changes
        ),
    ]
