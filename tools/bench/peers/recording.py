"""SQS and SNS answered in-process, at botocore's `_make_api_call`: the one place where both the
library's CPU benchmark and upstream's driver cut the network out, so both are measured from
their own entry point down to the same botocore call, with nothing validated, serialised or sent.

Imports only botocore and the standard library (upstream's virtualenv has both).
"""

from __future__ import annotations

import collections
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

from botocore.client import BaseClient

__all__ = ["Recorder", "recorded_aws"]

MESSAGE_ID = "00000000-0000-4000-8000-000000000000"


class Recorder:
    """Answers each call as SQS or SNS would; `messages` is what ReceiveMessage returns."""

    def __init__(self, queue_url: str, messages: list[dict[str, Any]] | None = None) -> None:
        self.queue_url = queue_url
        self.messages = messages or []
        self.calls: collections.Counter[str] = collections.Counter()
        self.last: dict[str, Any] = {}

    def answer(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        self.calls[operation] += 1
        self.last = params
        if operation == "GetQueueUrl":
            return {"QueueUrl": self.queue_url}
        if operation == "ReceiveMessage":
            return {"Messages": self.messages[: params.get("MaxNumberOfMessages", 1)]}
        if operation in ("SendMessage", "Publish"):
            # Upstream 4.7 reads the second shape: with it, one dispatch is one publish.
            return {
                "MessageId": MESSAGE_ID,
                "PublishResponse": {"PublishResult": {"MessageId": MESSAGE_ID}},
            }
        entries = params.get("Entries") or params.get("PublishBatchRequestEntries")
        if entries is not None:  # SendMessageBatch, DeleteMessageBatch, PublishBatch
            return {"Successful": [{"Id": entry["Id"]} for entry in entries], "Failed": []}
        return {}


@contextmanager
def recorded_aws(recorder: Recorder) -> Iterator[Recorder]:
    """Every botocore client call in the block is answered by `recorder`."""

    def make_api_call(client: Any, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        return recorder.answer(operation, params)

    with mock.patch.object(BaseClient, "_make_api_call", make_api_call):
        yield recorder
