"""The boto3 calls the admin commands need: provisioning, queue depths, purging.

Kept apart from AWSTransport, which only moves messages: workers and publishers never need
permission to create, reconfigure or purge anything. Provisioning calls are safe to repeat, and
say what they changed. Every failure is one line naming its cause (`aws_errors.explain`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from taskhawk.admin.attribute_changes import attribute_changes
from taskhawk.settings import Settings
from taskhawk.transport.aws_errors import explain, is_missing_queue, session_for

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient

__all__ = ["AWSAdmin", "Ensured", "sns_send_policy"]

T = TypeVar("T")
DEPTH_ATTRIBUTES = (
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
)


def sns_send_policy(queue_arn: str, topic_arn: str) -> str:
    """Queue policy letting only this topic deliver to the queue (needed on AWS: without it
    SNS drops the message; moto delivers regardless)."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "taskhawk-sns-delivery",
                    "Effect": "Allow",
                    "Principal": {"Service": "sns.amazonaws.com"},
                    "Action": "sqs:SendMessage",
                    "Resource": queue_arn,
                    "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}},
                }
            ],
        },
        sort_keys=True,
    )


@dataclass(frozen=True, slots=True)
class Ensured:
    """A queue after `ensure_queue`: created, or updated with `changes`, or neither."""

    url: str
    arn: str
    created: bool
    changes: tuple[str, ...] = ()


class AWSAdmin:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        session = session_for(settings)
        config = Config(
            connect_timeout=settings.aws_connect_timeout_s,
            read_timeout=max(settings.aws_read_timeout_s, 10),
            retries={"mode": "standard", "max_attempts": 5},
        )
        self.session = session
        self.config = config  # the admin commands' clients of other services use it too
        self._sqs: SQSClient = session.client(
            "sqs", endpoint_url=settings.aws_endpoint_sqs, config=config
        )
        self._sns: SNSClient = session.client(
            "sns", endpoint_url=settings.aws_endpoint_sns, config=config
        )

    def _call(self, doing: str, call: Callable[[], T], queue: str | None = None) -> T:
        try:
            return call()
        except (ClientError, BotoCoreError) as error:
            raise explain(error, self.settings, doing=doing, queue=queue) from error

    def ensure_queue(
        self, name: str, attributes: dict[str, str], at_creation: Mapping[str, str] = {}
    ) -> Ensured:
        """Create the queue, or bring the given attributes up to date, saying which changed.
        `at_creation` are given only when it is created (FifoQueue can never change)."""
        url = self.queue_url(name)
        if url is None:
            url = self.create_queue(name, {**attributes, **at_creation})
            return Ensured(url, self.queue_arn(name, url), True)
        changes = self.update_queue_attributes(name, url, attributes)
        return Ensured(url, self.queue_arn(name, url), False, changes)

    def create_queue(self, name: str, attributes: dict[str, str]) -> str:
        created = self._call(
            f"creating queue {name}",
            lambda: self._sqs.create_queue(QueueName=name, Attributes=attributes),  # type: ignore[arg-type]
        )
        return created["QueueUrl"]

    def queue_url(self, name: str) -> str | None:
        """The queue's URL; None when it does not exist."""
        return self._call(f"finding queue {name}", lambda: self._lookup(name))

    def _lookup(self, name: str) -> str | None:
        try:
            return self._sqs.get_queue_url(QueueName=name)["QueueUrl"]
        except ClientError as error:
            if is_missing_queue(error):
                return None
            raise

    def update_queue_attributes(
        self, name: str, url: str, attributes: Mapping[str, str]
    ) -> tuple[str, ...]:
        """Set the attributes that differ; what changed, in words ("maxReceiveCount 4 -> 5")."""
        current = self.queue_attributes(name, url, list(attributes))
        changed = attribute_changes(current, attributes)
        if changed:  # all of them, in one call: some endpoints reset the attributes left out
            self._call(
                f"updating queue {name}",
                lambda: self._sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes),  # type: ignore[arg-type]
            )
        return tuple(words for descriptions in changed.values() for words in descriptions)

    def queue_attributes(self, name: str, url: str, names: list[str]) -> dict[str, str]:
        response = self._call(
            f"reading queue {name}",
            lambda: self._sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names),  # type: ignore[arg-type]
            queue=name,
        )
        return {str(key): value for key, value in response.get("Attributes", {}).items()}

    def queue_arn(self, name: str, url: str) -> str:
        return self.queue_attributes(name, url, ["QueueArn"])["QueueArn"]

    def ensure_topic(self, name: str, attributes: Mapping[str, str] = {}) -> str:
        """CreateTopic returns the existing topic's ARN when it already exists."""
        response = self._call(
            f"provisioning topic {name}",
            lambda: self._sns.create_topic(Name=name, Attributes=dict(attributes)),
        )
        return response["TopicArn"]

    def ensure_raw_subscription(self, topic_arn: str, queue_arn: str) -> Ensured:
        """Subscribe the queue with raw delivery, or turn raw delivery on."""
        doing = f"subscribing {queue_arn} to {topic_arn}"
        for subscription in self._call(doing, lambda: self._subscriptions(topic_arn)):
            if subscription.get("Protocol") == "sqs" and subscription["Endpoint"] == queue_arn:
                arn: str = subscription["SubscriptionArn"]
                changes = self._call(doing, partial(self._raw_on, arn))
                return Ensured(arn, arn, False, changes)
        response = self._call(
            doing,
            lambda: self._sns.subscribe(
                TopicArn=topic_arn,
                Protocol="sqs",
                Endpoint=queue_arn,
                Attributes={"RawMessageDelivery": "true"},
                ReturnSubscriptionArn=True,
            ),
        )
        arn = response.get("SubscriptionArn", "")
        return Ensured(arn, arn, True)

    def _raw_on(self, subscription_arn: str) -> tuple[str, ...]:
        attributes = self._sns.get_subscription_attributes(SubscriptionArn=subscription_arn)
        if attributes.get("Attributes", {}).get("RawMessageDelivery") == "true":
            return ()
        self._sns.set_subscription_attributes(
            SubscriptionArn=subscription_arn,
            AttributeName="RawMessageDelivery",
            AttributeValue="true",
        )
        return ("RawMessageDelivery false -> true",)

    def _subscriptions(self, topic_arn: str) -> list[Any]:
        found: list[Any] = []
        pages = self._sns.get_paginator("list_subscriptions_by_topic")
        for page in pages.paginate(TopicArn=topic_arn):
            found.extend(page.get("Subscriptions", []))
        return found

    def depths(self, name: str) -> dict[str, int] | None:
        """Visible, in-flight and delayed counts of a queue, as SQS estimates them; None when
        the queue does not exist."""
        url = self.queue_url(name)
        if url is None:
            return None
        attributes = self.queue_attributes(name, url, list(DEPTH_ATTRIBUTES))
        return {key: int(attributes.get(key, 0)) for key in DEPTH_ATTRIBUTES}

    def approximate_count(self, queue: str) -> int | None:
        """Visible messages on a queue, as SQS estimates it; None when unknown."""
        try:
            depths = self.depths(queue)
        except Exception:  # only ever an estimate for a progress bar
            return None
        return None if depths is None else depths["ApproximateNumberOfMessages"]

    def purge(self, name: str) -> bool:
        """Delete every message of the queue (SQS allows one purge a minute per queue); False
        when the queue does not exist."""
        url = self.queue_url(name)
        if url is None:
            return False
        self._call(f"purging {name}", lambda: self._sqs.purge_queue(QueueUrl=url), queue=name)
        return True
