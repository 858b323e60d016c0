"""`python -m tools.bench.rawloop`: the raw boto3 consumer, the limit a task queue is compared with.

ReceiveMessage (long poll), report each message as a task would, then DeleteMessage per message
or one DeleteMessageBatch per receive. Runs until SIGTERM.
"""

from __future__ import annotations

import argparse
import sys

import boto3

from tools.bench.workload import REGION, notify


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench.rawloop")
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--queue-url", required=True)
    parser.add_argument("--max", type=int, default=10)
    parser.add_argument("--delete", choices=["single", "batch"], default="batch")
    args = parser.parse_args(argv)
    sqs = boto3.client(
        "sqs",
        endpoint_url=args.endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    while True:
        response = sqs.receive_message(
            QueueUrl=args.queue_url,
            MaxNumberOfMessages=args.max,
            WaitTimeSeconds=20,
            MessageAttributeNames=["All"],
        )
        messages = response.get("Messages", [])
        for message in messages:
            notify()
            if args.delete == "single":
                sqs.delete_message(QueueUrl=args.queue_url, ReceiptHandle=message["ReceiptHandle"])
        if messages and args.delete == "batch":
            sqs.delete_message_batch(
                QueueUrl=args.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                    for i, m in enumerate(messages)
                ],
            )


if __name__ == "__main__":
    sys.exit(main())
