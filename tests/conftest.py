"""Shared fixtures: clean taskhawk state per test, and a moto server on 127.0.0.1 for tests that
talk real boto3 over HTTP (moto's in-process mock is used only where a test says so)."""

from __future__ import annotations

import json
import logging
import os
import signal
import uuid
from collections.abc import Iterator
from functools import partialmethod
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

import taskhawk
import taskhawk.settings.loading as settings_module
from taskhawk.priority import Priority
from taskhawk.registry import registered_tasks, unregister_all
from taskhawk.settings import Settings
from taskhawk.transport.naming import dead_letter_queue_name, queue_name, topic_name

# The reliability figures' report hooks live here, in the conftest every pytest process loads
# first (a pytest-xdist controller collects nothing, so it never loads tests/reliability/).
from tests.support import figures

# A pytest-xdist worker ignores SIGINT, and a child inherits an ignored signal: a command the
# tests interrupt with Ctrl-C would never hear it. Their Ctrl-C is Python's default again.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

pytest_runtest_makereport = figures.pytest_runtest_makereport
pytest_runtest_logreport = figures.pytest_runtest_logreport
pytest_terminal_summary = figures.pytest_terminal_summary

QUEUE = "DEV-MYAPP"
logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per moto request is noise
ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
# Fake credentials for the local endpoint only; tests grep logs for this value.
SECRET_KEY = "test-secret-key-never-logged"


@pytest.fixture(autouse=True)
def _isolated_taskhawk(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test starts unconfigured, with no tasks registered and no settings env."""
    monkeypatch.delenv("SETTINGS_MODULE", raising=False)
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE", raising=False)
    # Every dispatched message is checked whole too, unless a test says otherwise: a library
    # bug that writes a wrong message fails the test that sends it.
    monkeypatch.setattr(
        Settings, "__init__", partialmethod(Settings.__init__, taskhawk_validate_outgoing=True)
    )
    saved_tasks = dict(registered_tasks())
    saved_configured = settings_module._state.configured
    settings_module._state.configured = None
    settings_module.clear_cache()
    yield
    unregister_all(keep=saved_tasks)
    settings_module._state.configured = saved_configured
    settings_module.clear_cache()


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """A moto server in this process, on a free port of 127.0.0.1, for the whole session."""
    os.environ.setdefault("MOTO_SQS_ENFORCE_STRICT_QUEUE_PURGE_BEHAVIOUR", "false")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def aws_settings(endpoint: str, queue: str = QUEUE, **extra: Any) -> dict[str, Any]:
    return {
        "AWS_REGION": REGION,
        "AWS_ACCOUNT_ID": ACCOUNT_ID,
        "AWS_ACCESS_KEY": "testing",
        "AWS_SECRET_KEY": SECRET_KEY,
        "AWS_ENDPOINT_SQS": endpoint,
        "AWS_ENDPOINT_SNS": endpoint,
        "TASKHAWK_QUEUE": queue,
        **extra,
    }


def proxied_sqs_settings(endpoint: str, queue: str, proxy_url: str) -> dict[str, Any]:
    """Settings whose SQS traffic goes through a test proxy, with 1 s timeouts so its faults
    show quickly; SNS goes straight to the endpoint."""
    return aws_settings(
        endpoint, queue, AWS_ENDPOINT_SQS=proxy_url, AWS_READ_TIMEOUT_S=1, AWS_CONNECT_TIMEOUT_S=1
    )


def boto_client(service: str, endpoint: str) -> Any:
    return boto3.client(
        service,
        region_name=REGION,
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key=SECRET_KEY,
    )


def queue_arn(name: str) -> str:
    """A queue's ARN as the endpoint gives it, without asking: most tests create eight queues."""
    return f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{name}"


def create_queues(endpoint: str, queue: str, max_receive_count: int = 4) -> dict[str, str]:
    """Queues, DLQs, topics and raw subscriptions for every priority; returns name -> URL."""
    sqs, sns = boto_client("sqs", endpoint), boto_client("sns", endpoint)
    urls: dict[str, str] = {}
    for priority in Priority:
        dlq_name = dead_letter_queue_name(queue, priority)
        dlq_url = sqs.create_queue(QueueName=dlq_name)["QueueUrl"]
        name = queue_name(queue, priority)
        redrive = json.dumps(
            {"deadLetterTargetArn": queue_arn(dlq_name), "maxReceiveCount": max_receive_count}
        )
        url = sqs.create_queue(QueueName=name, Attributes={"RedrivePolicy": redrive})["QueueUrl"]
        topic_arn = sns.create_topic(Name=topic_name(queue, priority))["TopicArn"]
        sns.subscribe(
            TopicArn=topic_arn,
            Protocol="sqs",
            Endpoint=queue_arn(name),
            Attributes={"RawMessageDelivery": "true"},
        )
        urls[name], urls[dlq_name] = url, dlq_url
    return urls


@pytest.fixture
def aws(moto_endpoint: str, request: pytest.FixtureRequest) -> dict[str, str]:
    """taskhawk configured against the moto server, with a fresh set of queues per test."""
    queue = f"T{uuid.uuid4().hex[:10].upper()}"
    urls = create_queues(moto_endpoint, queue)
    taskhawk.configure(aws_settings(moto_endpoint, queue))
    return urls


def drain(endpoint: str, url: str, attempts: int = 20) -> list[dict[str, Any]]:
    """Every message currently visible on a queue: read all, then made visible again (a peek)."""
    sqs = boto_client("sqs", endpoint)
    found: dict[str, dict[str, Any]] = {}
    for _ in range(attempts):
        response = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=0,
            VisibilityTimeout=30,
            MessageAttributeNames=["All"],
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
        )
        if not response.get("Messages"):
            break
        for message in response["Messages"]:
            found[message["MessageId"]] = message
    for message in found.values():
        sqs.change_message_visibility(
            QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
        )
    return list(found.values())
