"""Answers an endpoint gives that are not what the API promises (a 200 whose body is cut or
empty, which botocore parses into a dict without the promised fields): every command says so in
one line with exit status 1, never a traceback, and a running consumer neither crashes nor takes
a cut delete answer for a delete."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from taskhawk.exceptions import TransportError
from taskhawk.settings import Settings
from taskhawk.transport.aws import AWSTransport
from tests.conftest import aws_settings, boto_client, create_queues
from tests.support.cli import run_cli, write_app
from tests.support.faultproxy import FaultProxy

pytestmark = pytest.mark.integration


@pytest.fixture
def proxy(moto_endpoint: str) -> Iterator[FaultProxy]:
    proxy = FaultProxy(moto_endpoint)
    yield proxy
    proxy.close()


@pytest.fixture
def app(moto_endpoint: str) -> str:
    queue = f"C{uuid.uuid4().hex[:10].upper()}"
    create_queues(moto_endpoint, queue)
    return queue


COMMANDS = [
    ("worker", "--import", "tasks"),
    ("requeue-dlq", "--priority", "default"),
    ("stats", "--age", "none"),
    ("purge", "--priority", "default", "--yes"),
    ("provision",),
]


@pytest.mark.parametrize("mode", ["cut", "empty"])
@pytest.mark.parametrize("command", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_a_cut_answer_at_start_is_one_line_and_status_1(
    tmp_path: Path, proxy: FaultProxy, app: str, mode: str, command: tuple[str, ...]
) -> None:
    write_app(tmp_path, proxy.url, app, AWS_READ_TIMEOUT_S=2, AWS_CONNECT_TIMEOUT_S=2)
    proxy.set_mode(mode)
    result = run_cli(command[0], "--settings", "settings", *command[1:], cwd=tmp_path)
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1 and len(lines) == 1, result.stderr
    assert "the endpoint's answer has no QueueUrl" in lines[0], lines[0]


def transport_through(proxy: FaultProxy, endpoint: str, app: str) -> AWSTransport:
    values = aws_settings(endpoint, app, AWS_ENDPOINT_SQS=proxy.url, AWS_READ_TIMEOUT_S=2)
    return AWSTransport(Settings(**{name.lower(): value for name, value in values.items()}))


def test_a_cut_queue_url_answer_is_a_transport_error_naming_it(
    moto_endpoint: str, proxy: FaultProxy, app: str
) -> None:
    transport = transport_through(proxy, moto_endpoint, app)
    with proxy.fault("cut"), pytest.raises(TransportError, match="no QueueUrl"):
        transport.queue_url(f"TASKHAWK-{app}")


def test_a_cut_delete_answer_is_not_taken_for_a_delete(
    moto_endpoint: str, proxy: FaultProxy, app: str
) -> None:
    queue = f"TASKHAWK-{app}"
    url = create_queues(moto_endpoint, app)[queue]
    boto_client("sqs", moto_endpoint).send_message(QueueUrl=url, MessageBody="{}")
    transport = transport_through(proxy, moto_endpoint, app)
    (received,) = transport.receive(queue, max_messages=1, wait_seconds=0)
    with proxy.fault("cut"):
        assert transport.delete(queue, [received.receipt]) == [received.receipt]
    assert transport.delete(queue, [received.receipt]) == []  # tried again: done
