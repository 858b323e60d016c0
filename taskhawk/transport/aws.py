"""SQS and SNS through boto3, for moving messages (`taskhawk.admin.aws_admin` provisions).

Every client gets the connect and read timeouts from settings. Receives, deletes and visibility
changes use botocore's standard retry mode. Sends are retried here, only when the error proves
the request was not processed (no connection, throttled): a read timeout after the request went
out leaves the outcome unknown, and re-sending then could deliver the task twice.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from taskhawk.exceptions import TransportError
from taskhawk.settings import Settings
from taskhawk.transport import Destination, OutgoingMessage, ReceivedMessage, SendFailures
from taskhawk.transport.limits import ATTRIBUTE_DATA_TYPE, LONG_POLL_S, SHORT_POLL_S

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import DeleteMessageBatchRequestEntryTypeDef

__all__ = ["AWSTransport"]

SEND_ATTEMPTS = 3
# Refusals that prove nothing was enqueued (a subset of what botocore's standard mode retries).
_NOT_SENT_ERRORS = (EndpointConnectionError, ConnectTimeoutError)
_THROTTLED_CODES = frozenset(
    {"Throttling", "ThrottlingException", "ThrottledException", "RequestThrottled",
     "RequestThrottledException", "TooManyRequestsException", "KMSThrottlingException"}
)  # fmt: skip
_UNKNOWN_OUTCOME_ERRORS = (ReadTimeoutError, ConnectionClosedError)
T = TypeVar("T")


def _string_attributes(attributes: dict[str, str] | Any) -> dict[str, Any]:
    return {
        name: {"DataType": ATTRIBUTE_DATA_TYPE, "StringValue": value}
        for name, value in attributes.items()
    }


class AWSTransport:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        session = boto3.session.Session(
            aws_access_key_id=settings.aws_access_key,
            aws_secret_access_key=settings.aws_secret_key,
            aws_session_token=settings.aws_session_token,
            region_name=settings.aws_region,
        )
        config = self._config(settings.aws_read_timeout_s, attempts=3)
        send_config = self._config(settings.aws_read_timeout_s, attempts=1)
        read_timeout = settings.aws_read_timeout_s
        poll_config = self._config(read_timeout + LONG_POLL_S, attempts=3)
        short_poll_config = self._config(read_timeout + SHORT_POLL_S, attempts=3)
        sqs_endpoint, sns_endpoint = settings.aws_endpoint_sqs, settings.aws_endpoint_sns
        self._sqs: SQSClient = session.client("sqs", endpoint_url=sqs_endpoint, config=config)
        self._sqs_send: SQSClient = session.client(
            "sqs", endpoint_url=sqs_endpoint, config=send_config
        )
        self._sqs_poll: SQSClient = session.client(
            "sqs", endpoint_url=sqs_endpoint, config=poll_config
        )
        # A stalled endpoint is noticed after the poll's own wait plus the read timeout, so a
        # consumer asked to stop is not held for a long poll's 20 s it never asked for.
        self._sqs_short_poll: SQSClient = session.client(
            "sqs", endpoint_url=sqs_endpoint, config=short_poll_config
        )
        self._sns: SNSClient = session.client("sns", endpoint_url=sns_endpoint, config=send_config)
        self._urls: dict[str, str] = {}
        self._urls_lock = threading.Lock()

    def _config(self, read_timeout: float, attempts: int) -> Config:
        return Config(
            connect_timeout=self.settings.aws_connect_timeout_s,
            read_timeout=read_timeout,
            retries={"mode": "standard", "total_max_attempts": attempts},
        )

    def queue_url(self, name: str) -> str:
        url = self._urls.get(name)
        if url is None:
            try:
                url = self._sqs.get_queue_url(QueueName=name)["QueueUrl"]
            except (ClientError, BotoCoreError) as error:
                raise TransportError(
                    f"cannot find SQS queue {name} ({error}); `taskhawk provision` creates it"
                ) from error
            with self._urls_lock:
                self._urls[name] = url
        return url

    def topic_arn(self, name: str) -> str:
        region = self.settings.aws_region or self._sns.meta.region_name
        return f"arn:aws:sns:{region}:{self.settings.account_id}:{name}"

    def send(self, destination: Destination, messages: Sequence[OutgoingMessage]) -> SendFailures:
        try:
            if destination.kind == "topic":
                arn = self.topic_arn(destination.name)
                return _retry_if_not_sent(lambda: self._publish(arn, messages))
            url = self.queue_url(destination.name)
            return _retry_if_not_sent(lambda: self._send_to_queue(url, messages))
        except _UNKNOWN_OUTCOME_ERRORS as error:
            reason = f"{type(error).__name__}: {error}; outcome unknown, not re-sent (no duplicate)"
            return {message.key: reason for message in messages}
        except (ClientError, BotoCoreError) as error:
            return {message.key: f"{type(error).__name__}: {error}" for message in messages}

    def _send_to_queue(self, url: str, messages: Sequence[OutgoingMessage]) -> SendFailures:
        if len(messages) == 1:
            message = messages[0]
            self._sqs_send.send_message(
                QueueUrl=url,
                MessageBody=message.body,
                MessageAttributes=_string_attributes(message.attributes),
            )
            return {}
        entries = [
            {
                "Id": str(index),
                "MessageBody": message.body,
                "MessageAttributes": _string_attributes(message.attributes),
            }
            for index, message in enumerate(messages)
        ]
        response = self._sqs_send.send_message_batch(QueueUrl=url, Entries=entries)  # type: ignore[arg-type]
        return _batch_failures(messages, response.get("Failed", []))

    def _publish(self, arn: str, messages: Sequence[OutgoingMessage]) -> SendFailures:
        if len(messages) == 1:
            message = messages[0]
            self._sns.publish(
                TopicArn=arn,
                Message=message.body,
                MessageAttributes=_string_attributes(message.attributes),
            )
            return {}
        entries = [
            {
                "Id": str(index),
                "Message": message.body,
                "MessageAttributes": _string_attributes(message.attributes),
            }
            for index, message in enumerate(messages)
        ]
        response = self._sns.publish_batch(TopicArn=arn, PublishBatchRequestEntries=entries)  # type: ignore[arg-type]
        return _batch_failures(messages, response.get("Failed", []))

    def receive(
        self,
        queue: str,
        *,
        max_messages: int,
        wait_seconds: int,
        visibility_timeout: int | None = None,
    ) -> list[ReceivedMessage]:
        request: dict[str, Any] = {
            "QueueUrl": self.queue_url(queue),
            "MaxNumberOfMessages": max_messages,
            "WaitTimeSeconds": wait_seconds,
            "MessageAttributeNames": ["All"],
            "MessageSystemAttributeNames": ["ApproximateReceiveCount"],
        }
        if visibility_timeout is not None:
            request["VisibilityTimeout"] = visibility_timeout
        try:
            client = self._sqs_short_poll if wait_seconds <= SHORT_POLL_S else self._sqs_poll
            response = client.receive_message(**request)
        except (ClientError, BotoCoreError) as error:
            raise TransportError(f"receiving from {queue} failed: {error}") from error
        return [_received(queue, raw) for raw in response.get("Messages", [])]

    def delete(self, queue: str, receipts: Sequence[str]) -> list[str]:
        entries: list[DeleteMessageBatchRequestEntryTypeDef] = [
            {"Id": str(i), "ReceiptHandle": r} for i, r in enumerate(receipts)
        ]
        try:
            response = self._sqs.delete_message_batch(
                QueueUrl=self.queue_url(queue), Entries=entries
            )
        except (ClientError, BotoCoreError):
            return list(receipts)
        return [receipts[int(failed["Id"])] for failed in response.get("Failed", [])]

    def change_visibility(self, queue: str, receipt: str, seconds: int) -> None:
        try:
            self._sqs.change_message_visibility(
                QueueUrl=self.queue_url(queue), ReceiptHandle=receipt, VisibilityTimeout=seconds
            )
        except (ClientError, BotoCoreError) as error:
            raise TransportError(f"changing visibility on {queue} failed: {error}") from error


def _retry_if_not_sent(call: Callable[[], T]) -> T:
    """Retry only errors that prove the request was not processed, with jittered backoff."""
    for attempt in range(1, SEND_ATTEMPTS + 1):
        try:
            return call()
        except _NOT_SENT_ERRORS:
            if attempt == SEND_ATTEMPTS:
                raise
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") not in _THROTTLED_CODES:
                raise
            if attempt == SEND_ATTEMPTS:
                raise
        time.sleep(random.uniform(0, 0.1 * 2**attempt))
    raise AssertionError("unreachable")


def _batch_failures(messages: Sequence[OutgoingMessage], failed: list[Any]) -> SendFailures:
    return {
        messages[int(entry["Id"])].key: f"{entry.get('Code', 'Failed')}: {entry.get('Message', '')}"
        for entry in failed
    }


def _received(queue: str, raw: Any) -> ReceivedMessage:
    attributes = {
        name: value["StringValue"]
        for name, value in raw.get("MessageAttributes", {}).items()
        if "StringValue" in value
    }
    return ReceivedMessage(
        queue=queue,
        body=raw["Body"],
        receipt=raw["ReceiptHandle"],
        attributes=attributes,
        receive_count=int(raw.get("Attributes", {}).get("ApproximateReceiveCount", "1")),
        transport_id=raw["MessageId"],
        raw=raw,
    )
