"""AWS's extended client packages on the other side of a test, in their own process: importing
them replaces boto3's Session class for the whole interpreter, which must not reach the tests.

Usage: python -m tests.integration.extended_client_peer COMMAND < JSON-ARGUMENTS
  send-sqs     {"endpoint", "bucket", "queue_url", "body"}: SQS extended client's send_message
  publish-sns  {"endpoint", "bucket", "topic_arn", "body"}: SNS extended client's publish
  receive-sqs  {"endpoint", "bucket", "queue_url"}: receive one message, print its body and
               attributes, then delete it through the client (which deletes the S3 object)
Credentials and region come from the environment; so does the S3 endpoint
(AWS_ENDPOINT_URL_S3), as the clients make their S3 client without one.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any


def _session(kind: Any) -> Any:
    return kind(
        aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"],
        region_name=os.environ["AWS_DEFAULT_REGION"],
    )


def send_sqs(arguments: dict[str, Any]) -> dict[str, Any]:
    from sqs_extended_client import SQSExtendedClientSession

    sqs = _session(SQSExtendedClientSession).client("sqs", endpoint_url=arguments["endpoint"])
    sqs.large_payload_support = arguments["bucket"]
    answer = sqs.send_message(QueueUrl=arguments["queue_url"], MessageBody=arguments["body"])
    return {"message_id": answer["MessageId"]}


def publish_sns(arguments: dict[str, Any]) -> dict[str, Any]:
    from sns_extended_client import SNSExtendedClientSession

    sns = _session(SNSExtendedClientSession).client("sns", endpoint_url=arguments["endpoint"])
    sns.large_payload_support = arguments["bucket"]
    answer = sns.publish(TopicArn=arguments["topic_arn"], Message=arguments["body"])
    return {"message_id": answer["MessageId"]}


def receive_sqs(arguments: dict[str, Any]) -> dict[str, Any]:
    from sqs_extended_client import SQSExtendedClientSession

    sqs = _session(SQSExtendedClientSession).client("sqs", endpoint_url=arguments["endpoint"])
    sqs.large_payload_support = arguments["bucket"]
    sqs.delete_payload_from_s3 = True  # off by default in this client
    url = arguments["queue_url"]
    (raw,) = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"])["Messages"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=raw["ReceiptHandle"])
    return {"body": raw["Body"], "attributes": raw.get("MessageAttributes", {})}


COMMANDS = {"send-sqs": send_sqs, "publish-sns": publish_sns, "receive-sqs": receive_sqs}

if __name__ == "__main__":
    command, given = sys.argv[1], json.load(sys.stdin)
    print(json.dumps(COMMANDS[command](given)))
