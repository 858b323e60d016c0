"""The boto3 calls provisioning needs (create queues, topics, subscriptions, policies).

Kept apart from AWSTransport, which only moves messages: workers and publishers never need
permission to create or reconfigure anything. Every call is safe to repeat.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from taskhawk.exceptions import TransportError
from taskhawk.settings import Settings

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient

__all__ = ["AWSAdmin", "sns_send_policy"]


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


class AWSAdmin:
    def __init__(self, settings: Settings) -> None:
        session = boto3.session.Session(
            aws_access_key_id=settings.aws_access_key,
            aws_secret_access_key=settings.aws_secret_key,
            aws_session_token=settings.aws_session_token,
            region_name=settings.aws_region,
        )
        config = Config(
            connect_timeout=settings.aws_connect_timeout_s,
            read_timeout=max(settings.aws_read_timeout_s, 10),
            retries={"mode": "standard", "max_attempts": 5},
        )
        self._sqs: SQSClient = session.client(
            "sqs", endpoint_url=settings.aws_endpoint_sqs, config=config
        )
        self._sns: SNSClient = session.client(
            "sns", endpoint_url=settings.aws_endpoint_sns, config=config
        )

    def ensure_queue(self, name: str, attributes: dict[str, str]) -> tuple[str, str, bool]:
        """Create the queue or bring its managed attributes up to date: (url, arn, created)."""
        try:
            url = self._existing_queue_url(name)
            created = url is None
            if url is None:
                url = self._sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]  # type: ignore[arg-type]
            elif attributes:
                self._sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)  # type: ignore[arg-type]
            arn = self._sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        except (ClientError, BotoCoreError) as error:
            raise TransportError(f"cannot provision queue {name}: {error}") from error
        return url, arn["Attributes"]["QueueArn"], created

    def _existing_queue_url(self, name: str) -> str | None:
        try:
            return self._sqs.get_queue_url(QueueName=name)["QueueUrl"]
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if "NonExistentQueue" in code or "QueueDoesNotExist" in code:
                return None
            raise

    def set_queue_attributes(self, url: str, attributes: dict[str, str]) -> None:
        try:
            self._sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)  # type: ignore[arg-type]
        except (ClientError, BotoCoreError) as error:
            raise TransportError(f"cannot set attributes of {url}: {error}") from error

    def ensure_topic(self, name: str) -> str:
        """CreateTopic returns the existing topic's ARN when it already exists."""
        try:
            return self._sns.create_topic(Name=name)["TopicArn"]
        except (ClientError, BotoCoreError) as error:
            raise TransportError(f"cannot provision topic {name}: {error}") from error

    def ensure_raw_subscription(self, topic_arn: str, queue_arn: str) -> bool:
        """Subscribe the queue with raw delivery, or turn raw delivery on; True if created."""
        try:
            for subscription in self._subscriptions(topic_arn):
                if subscription.get("Protocol") == "sqs" and subscription["Endpoint"] == queue_arn:
                    self._sns.set_subscription_attributes(
                        SubscriptionArn=subscription["SubscriptionArn"],
                        AttributeName="RawMessageDelivery",
                        AttributeValue="true",
                    )
                    return False
            self._sns.subscribe(
                TopicArn=topic_arn,
                Protocol="sqs",
                Endpoint=queue_arn,
                Attributes={"RawMessageDelivery": "true"},
                ReturnSubscriptionArn=True,
            )
        except (ClientError, BotoCoreError) as error:
            raise TransportError(f"cannot subscribe {queue_arn} to {topic_arn}: {error}") from error
        return True

    def _subscriptions(self, topic_arn: str) -> list[Any]:
        found: list[Any] = []
        pages = self._sns.get_paginator("list_subscriptions_by_topic")
        for page in pages.paginate(TopicArn=topic_arn):
            found.extend(page.get("Subscriptions", []))
        return found

    def approximate_count(self, queue: str) -> int | None:
        """Visible messages on a queue, as SQS estimates it; None when unknown."""
        try:
            url = self._sqs.get_queue_url(QueueName=queue)["QueueUrl"]
            attributes = self._sqs.get_queue_attributes(
                QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
            )["Attributes"]
            return int(attributes["ApproximateNumberOfMessages"])
        except (ClientError, BotoCoreError, KeyError, ValueError):
            return None
