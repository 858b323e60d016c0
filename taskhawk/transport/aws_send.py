"""Sending through SQS (SendMessage, SendMessageBatch) and SNS (Publish, PublishBatch).

One request per call, re-sent only when the error proves nothing can have been enqueued
(no connection, throttled); a read timeout or a connection closed after the request went out
leaves the outcome unknown, and re-sending then could deliver the task twice. A batch answer
is cross-checked: every entry must be reported as successful or failed, anything else is
"unknown" (an empty or cut 200 answer once read as "all sent").
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from taskhawk.transport import OutgoingMessage, SendResult
from taskhawk.transport.limits import ATTRIBUTE_DATA_TYPE
from taskhawk.transport.payload_pointer import NUMBER_ATTRIBUTES

__all__ = ["SEND_ATTEMPTS", "SendApi", "send_request", "string_attributes"]

SEND_ATTEMPTS = 3
# Refusals that prove nothing was enqueued (a subset of what botocore's standard mode retries).
_NOT_SENT_ERRORS = (EndpointConnectionError, ConnectTimeoutError)
_THROTTLED_CODES = frozenset(
    {"Throttling", "ThrottlingException", "ThrottledException", "RequestThrottled",
     "RequestThrottledException", "TooManyRequestsException", "KMSThrottlingException"}
)  # fmt: skip
_UNKNOWN_OUTCOME_ERRORS = (ReadTimeoutError, ConnectionClosedError)
_UNKNOWN = "outcome unknown: the endpoint may have it, so it was not sent again"


@dataclass(frozen=True, slots=True)
class SendApi:
    """One service's send calls: SQS names the target QueueUrl and the body MessageBody, SNS
    TopicArn and Message."""

    send_one: Callable[..., Any]
    send_batch: Callable[..., Any]
    target_field: str
    body_field: str
    entries_field: str


def string_attributes(attributes: Mapping[str, str]) -> dict[str, Any]:
    """Every attribute a String, but a large payload's size a Number, as the extended clients
    send it."""
    return {
        name: {
            "DataType": "Number" if name in NUMBER_ATTRIBUTES else ATTRIBUTE_DATA_TYPE,
            "StringValue": value,
        }
        for name, value in attributes.items()
    }


def send_request(api: SendApi, target: str, messages: Sequence[OutgoingMessage]) -> SendResult:
    """Send up to ten messages in one request; what became of each."""
    try:
        if len(messages) == 1:
            message = messages[0]
            request = {api.target_field: target, **_entry(api, message)}
            answer = _retry_if_not_sent(api.send_one, request)
            if (type(answer) is dict or isinstance(answer, Mapping)) and answer.get("MessageId"):
                return SendResult((message.key,))
            return SendResult(unknown={message.key: f"the answer has no MessageId; {_UNKNOWN}"})
        entries = [{"Id": str(i), **_entry(api, m)} for i, m in enumerate(messages)]
        request = {api.target_field: target, api.entries_field: entries}
        response = _retry_if_not_sent(api.send_batch, request)
    except (ClientError, BotoCoreError) as error:
        return _all_failed(messages, error)
    return _batch_result(messages, response)


def _entry(api: SendApi, message: OutgoingMessage) -> dict[str, Any]:
    entry: dict[str, Any] = {
        api.body_field: message.body,
        "MessageAttributes": string_attributes(message.attributes),
    }
    if message.delay_s:  # SQS only: the publisher never asks SNS for a delay
        entry["DelaySeconds"] = message.delay_s
    if message.group_id is not None:  # FIFO queues and topics
        entry["MessageGroupId"] = message.group_id
    if message.deduplication_id is not None:
        entry["MessageDeduplicationId"] = message.deduplication_id
    return entry


def _retry_if_not_sent(call: Callable[..., Any], request: dict[str, Any]) -> Any:
    """`call(**request)`, retrying only errors that prove the request was not processed, with
    jittered backoff."""
    for attempt in range(1, SEND_ATTEMPTS + 1):
        try:
            return call(**request)
        except _NOT_SENT_ERRORS:
            if attempt == SEND_ATTEMPTS:
                raise
        except ClientError as error:
            if _error_code(error) not in _THROTTLED_CODES or attempt == SEND_ATTEMPTS:
                raise
        time.sleep(random.uniform(0, 0.1 * 2**attempt))
    raise AssertionError("unreachable")


def _all_failed(messages: Sequence[OutgoingMessage], error: Exception) -> SendResult:
    """A request that raised: refused (not sent) or lost on the way back (unknown)."""
    reason = f"{type(error).__name__}: {error}"
    keys = [message.key for message in messages]
    if _outcome_unknown(error):
        return SendResult(unknown=dict.fromkeys(keys, f"{reason}; {_UNKNOWN}"))
    return SendResult(not_sent=dict.fromkeys(keys, reason))


def _outcome_unknown(error: Exception) -> bool:
    if isinstance(error, _NOT_SENT_ERRORS):
        return False
    if isinstance(error, ClientError):  # an answer: refused, unless the service itself failed
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 400)
        return int(status) >= 500
    return True  # read timeouts, closed connections, answers that could not be parsed


def _batch_result(messages: Sequence[OutgoingMessage], response: Any) -> SendResult:
    answered = response if isinstance(response, Mapping) else {}
    succeeded = {str(entry.get("Id")) for entry in answered.get("Successful") or []}
    failed = {str(entry.get("Id")): entry for entry in answered.get("Failed") or []}
    sent: list[str] = []
    not_sent: dict[str, str] = {}
    unknown: dict[str, str] = {}
    for index, message in enumerate(messages):
        entry_id = str(index)
        if entry_id in failed and entry_id not in succeeded:
            entry = failed[entry_id]
            not_sent[message.key] = f"{entry.get('Code', 'Failed')}: {entry.get('Message', '')}"
        elif entry_id in succeeded and entry_id not in failed:
            sent.append(message.key)
        else:
            unknown[message.key] = f"the endpoint's answer does not account for it; {_UNKNOWN}"
    return SendResult(tuple(sent), not_sent, unknown)


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
