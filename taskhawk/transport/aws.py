"""SQS and SNS through boto3, for moving messages (`taskhawk.admin.aws_admin` provisions).

Every client gets the connect and read timeouts from settings. Receives, deletes and visibility
changes use botocore's standard retry mode. Sends are retried here, only when the error proves
the request was not processed (no connection, throttled): a read timeout after the request went
out leaves the outcome unknown, and re-sending then could deliver the task twice.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from taskhawk.exceptions import TransportError
from taskhawk.settings import Settings
from taskhawk.transport import Destination, OutgoingMessage, ReceivedMessage, SendResult
from taskhawk.transport.aws_answers import entries, promised
from taskhawk.transport.aws_errors import explain
from taskhawk.transport.aws_send import SendApi, send_request
from taskhawk.transport.limits import LONG_POLL_S, MAX_BATCH, SHORT_POLL_S

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import (
        ChangeMessageVisibilityBatchRequestEntryTypeDef,
        DeleteMessageBatchRequestEntryTypeDef,
    )

__all__ = ["AWSTransport"]


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

    # Built on first use from the clients in place then (a benchmark swaps them for recorders).
    @cached_property
    def _sqs_api(self) -> SendApi:
        return SendApi(
            self._sqs_send.send_message, self._sqs_send.send_message_batch,
            "QueueUrl", "MessageBody", "Entries",
        )  # fmt: skip

    @cached_property
    def _sns_api(self) -> SendApi:
        return SendApi(
            self._sns.publish, self._sns.publish_batch,
            "TopicArn", "Message", "PublishBatchRequestEntries",
        )  # fmt: skip

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
                answer = self._sqs.get_queue_url(QueueName=name)
            except (ClientError, BotoCoreError) as error:
                # The hint matches the cause (endpoint down, credentials, queue never created);
                # still a TransportError here, so a running consumer waits and tries again.
                problem = explain(
                    error, self.settings, doing=f"finding SQS queue {name}", queue=name
                )
                raise TransportError(str(problem)) from error
            url = promised(answer, "QueueUrl", f"finding SQS queue {name}")
            with self._urls_lock:
                self._urls[name] = url
        return url

    def topic_arn(self, name: str) -> str:
        region = self.settings.aws_region or self._sns.meta.region_name
        return f"arn:aws:sns:{region}:{self.settings.account_id}:{name}"

    def send(self, destination: Destination, messages: Sequence[OutgoingMessage]) -> SendResult:
        try:
            if destination.kind == "topic":
                return send_request(self._sns_api, self.topic_arn(destination.name), messages)
            return send_request(self._sqs_api, self.queue_url(destination.name), messages)
        except TransportError as error:  # the queue's URL could not be found: nothing sent
            return SendResult(not_sent=dict.fromkeys((m.key for m in messages), str(error)))

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
            "MessageSystemAttributeNames": [
                "ApproximateReceiveCount",
                "SentTimestamp",
                "MessageGroupId",
                "MessageDeduplicationId",
            ],
        }
        if visibility_timeout is not None:
            request["VisibilityTimeout"] = visibility_timeout
        try:
            client = self._sqs_short_poll if wait_seconds <= SHORT_POLL_S else self._sqs_poll
            response = client.receive_message(**request)
        except (ClientError, BotoCoreError) as error:
            raise TransportError(f"receiving from {queue} failed: {error}") from error
        doing = f"receiving from {queue}"
        return [_received(queue, raw, doing) for raw in entries(response, "Messages", doing)]

    def delete(self, queue: str, receipts: Sequence[str]) -> list[str]:
        requested: list[DeleteMessageBatchRequestEntryTypeDef] = [
            {"Id": entry_id, "ReceiptHandle": r}
            for entry_id, r in zip(_entry_ids(len(receipts)), receipts, strict=True)
        ]
        try:
            response = self._sqs.delete_message_batch(
                QueueUrl=self.queue_url(queue), Entries=requested
            )
        except (ClientError, BotoCoreError):
            return list(receipts)
        return _not_deleted(receipts, response)

    def change_visibility(self, queue: str, receipt: str, seconds: int) -> None:
        try:
            self._sqs.change_message_visibility(
                QueueUrl=self.queue_url(queue), ReceiptHandle=receipt, VisibilityTimeout=seconds
            )
        except (ClientError, BotoCoreError) as error:
            raise TransportError(f"changing visibility on {queue} failed: {error}") from error

    def change_visibility_batch(
        self, queue: str, receipts: Sequence[str], seconds: int
    ) -> dict[str, str]:
        requested: list[ChangeMessageVisibilityBatchRequestEntryTypeDef] = [
            {"Id": str(i), "ReceiptHandle": r, "VisibilityTimeout": seconds}
            for i, r in enumerate(receipts)
        ]
        try:
            response = self._sqs.change_message_visibility_batch(
                QueueUrl=self.queue_url(queue), Entries=requested
            )
        except (ClientError, BotoCoreError, TransportError) as error:
            return dict.fromkeys(receipts, f"changing visibility on {queue} failed: {error}")
        return _not_changed(receipts, response)


def _not_changed(receipts: Sequence[str], response: Any) -> dict[str, str]:
    """The receipts an answer does not report changed, with SQS's reason (a cut answer is not
    read as "all changed")."""
    changed = {str(entry.get("Id")) for entry in response.get("Successful") or []}
    failed = {
        str(entry.get("Id")): f"{entry.get('Code')}: {entry.get('Message')}"
        for entry in response.get("Failed") or []
    }
    return {
        r: failed.get(str(i), "not in the answer")
        for i, r in enumerate(receipts)
        if str(i) not in changed or str(i) in failed
    }


def _not_deleted(receipts: Sequence[str], response: Any) -> list[str]:
    """The receipts an answer does not report deleted: its failures, and any it does not
    account for (a cut answer is not read as "all deleted"; the delete is tried again)."""
    deleted = {str(entry.get("Id")) for entry in response.get("Successful") or []}
    failed = {str(entry.get("Id")) for entry in response.get("Failed") or []}
    return [
        r
        for entry_id, r in zip(_entry_ids(len(receipts)), receipts, strict=True)
        if entry_id not in deleted or entry_id in failed
    ]


# A batch request's entry ids, "0".."9", made once rather than per entry of every delete.
_ENTRY_IDS = tuple(str(i) for i in range(MAX_BATCH))


def _entry_ids(count: int) -> tuple[str, ...]:
    return _ENTRY_IDS[:count] if count <= MAX_BATCH else tuple(str(i) for i in range(count))


def _received(queue: str, raw: Mapping[str, Any], doing: str) -> ReceivedMessage:
    system = raw.get("Attributes") or {}
    body, receipt, transport_id = raw.get("Body"), raw.get("ReceiptHandle"), raw.get("MessageId")
    # What botocore parses (plain dicts and str) takes the short way; anything else, and
    # every missing field, gets its one-line verdict from `promised`.
    if (
        type(body) is not str
        or type(receipt) is not str
        or type(transport_id) is not str
        or not (body and receipt and transport_id)
    ):
        body, receipt = promised(raw, "Body", doing), promised(raw, "ReceiptHandle", doing)
        transport_id = promised(raw, "MessageId", doing)
    return ReceivedMessage(
        queue,
        body,
        receipt,
        _string_attributes(raw.get("MessageAttributes")),
        int(system.get("ApproximateReceiveCount", "1")),
        transport_id,
        raw,
        int(system["SentTimestamp"]) if "SentTimestamp" in system else None,
        system.get("MessageGroupId"),
        system.get("MessageDeduplicationId"),
    )


def _string_attributes(raw: Any) -> dict[str, str]:
    """The String (and Number) message attributes' values; binary ones are left out."""
    if not raw:
        return {}
    attributes: dict[str, str] = {}
    for name, value in raw.items():
        if type(value) is dict or isinstance(value, Mapping):  # no ABC check for a dict
            text = value.get("StringValue")
            if type(text) is str:
                attributes[name] = text
    return attributes
