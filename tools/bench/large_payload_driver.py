"""One row of the large-payload benchmark, in its own process (the extended client's package
replaces boto3's Session class for its whole interpreter, so it never shares one with taskhawk).

`python -m tools.bench.large_payload_driver taskhawk|extended` reads {"endpoint", "queue",
"bucket", "size", "messages"} on stdin and prints {"seconds": [...]}: for each message, the wall
time from the send to the end of its delete (payload put, pointer sent, received, payload fetched
and read, message and payload deleted).
"""

from __future__ import annotations

import importlib
import json
import sys
import time
from typing import Any

REGION = "us-east-1"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def taskhawk_row(plan: dict[str, Any]) -> list[float]:
    import taskhawk  # noqa: PLC0415 - each row imports only its own library
    from taskhawk.consume.sqs import Consumer  # noqa: PLC0415

    taskhawk.configure(
        TASKHAWK_QUEUE=plan["queue"], AWS_REGION=REGION, AWS_ACCOUNT_ID="123456789012",
        AWS_ACCESS_KEY="testing", AWS_SECRET_KEY="testing", AWS_ENDPOINT_SQS=plan["endpoint"],
        AWS_ENDPOINT_SNS=plan["endpoint"], AWS_ENDPOINT_S3=plan["endpoint"],
        TASKHAWK_LARGE_PAYLOAD_BUCKET=plan["bucket"], TASKHAWK_OPENTELEMETRY=False,
    )  # fmt: skip
    sizes: list[int] = []

    @taskhawk.task(name="bench.large")
    def large(text: str) -> None:
        sizes.append(len(text))

    consumer = Consumer([taskhawk.Priority.default])
    text = "x" * plan["size"]
    seconds = []
    for _ in range(plan["messages"]):
        started = time.perf_counter()
        large.dispatch(text)
        while consumer.poll(0, 1) == 0:
            pass
        seconds.append(time.perf_counter() - started)
    assert sizes == [plan["size"]] * plan["messages"], "every task ran once"
    return seconds


def extended_row(plan: dict[str, Any]) -> list[float]:
    extended: Any = importlib.import_module("sqs_extended_client")  # untyped, and patches boto3
    session = extended.SQSExtendedClientSession(region_name=REGION, **CREDENTIALS)
    sqs: Any = session.client("sqs", endpoint_url=plan["endpoint"])
    sqs.large_payload_support = plan["bucket"]
    sqs.delete_payload_from_s3 = True
    url = sqs.get_queue_url(QueueName=f"TASKHAWK-{plan['queue']}")["QueueUrl"]
    body = json.dumps({"task": "bench.large", "args": ["x" * plan["size"]]})
    seconds = []
    for _ in range(plan["messages"]):
        started = time.perf_counter()
        sqs.send_message(QueueUrl=url, MessageBody=body)
        found: list[Any] = []
        while not found:
            found = sqs.receive_message(
                QueueUrl=url, MessageAttributeNames=["All"], WaitTimeSeconds=1
            ).get("Messages", [])
        assert len(json.loads(found[0]["Body"])["args"][0]) == plan["size"]
        sqs.delete_message(QueueUrl=url, ReceiptHandle=found[0]["ReceiptHandle"])
        seconds.append(time.perf_counter() - started)
    return seconds


if __name__ == "__main__":
    row = {"taskhawk": taskhawk_row, "extended": extended_row}[sys.argv[1]]
    print(json.dumps({"seconds": row(json.load(sys.stdin))}))
