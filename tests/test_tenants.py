"""Fair queues: a dispatch's tenant is its message group, on standard queues and topics (SQS fair
queues) and on FIFO apps (where it is the FIFO group), over memory and over the local endpoint."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import taskhawk
from taskhawk import Priority
from taskhawk.transport.current import use_transport
from taskhawk.transport.memory import MemoryTransport
from taskhawk.transport.naming import AppNames
from tests.conftest import aws_settings, boto_client


@taskhawk.task(name="tenants.report")
def report(n: int) -> None:
    del n


@pytest.fixture
def memory() -> Iterator[MemoryTransport]:
    transport = MemoryTransport()
    with use_transport(transport):
        yield transport


def test_with_tenant_sets_the_group_on_a_standard_queue(memory: MemoryTransport) -> None:
    taskhawk.configure(TASKHAWK_QUEUE="APP")
    report.with_tenant("acme").with_priority("high").dispatch(1)
    report.dispatch(2)
    (first, tenant_one), (_, untenanted) = memory.sent
    assert first.name == AppNames("APP").queue(Priority.high)
    assert (tenant_one.group_id, tenant_one.deduplication_id) == ("acme", None)
    assert untenanted.group_id is None


def test_the_default_tenant_comes_from_the_header_the_setting_names(
    memory: MemoryTransport,
) -> None:
    taskhawk.configure(TASKHAWK_QUEUE="APP", TASKHAWK_DEFAULT_TENANT_HEADER="tenant_id")
    report.with_headers(tenant_id="globex").dispatch(1)
    report.with_headers(tenant_id="globex").with_tenant("acme").dispatch(2)  # explicit wins
    report.dispatch(3)
    assert [sent.group_id for _, sent in memory.sent] == ["globex", "acme", None]


def test_a_tenant_sqs_would_refuse_is_a_clear_error(memory: MemoryTransport) -> None:
    taskhawk.configure(TASKHAWK_QUEUE="APP", TASKHAWK_DEFAULT_TENANT_HEADER="tenant_id")
    with pytest.raises(ValueError, match="a tenant is 1-128"):
        report.with_tenant("a tenant with spaces")
    with pytest.raises(taskhawk.ConfigurationError, match="TASKHAWK_DEFAULT_TENANT_HEADER"):
        report.with_headers(tenant_id="x" * 129).dispatch(1)
    assert memory.sent == []


def test_on_a_fifo_app_the_tenant_is_the_group(memory: MemoryTransport) -> None:
    taskhawk.configure(TASKHAWK_QUEUE="APP", TASKHAWK_FIFO=True)
    message_id = report.with_tenant("acme").dispatch(1)
    report.with_tenant("acme").with_group("acme").dispatch(2)
    ((_, first), (_, second)) = memory.sent
    assert (first.group_id, first.deduplication_id) == ("acme", message_id)
    assert second.group_id == "acme"
    with pytest.raises(taskhawk.ConfigurationError, match="disagree"):
        report.with_tenant("acme").with_group("globex").dispatch(3)


def test_the_tenant_reaches_sqs_as_the_message_group(
    aws: dict[str, str], moto_endpoint: str
) -> None:
    report.with_tenant("acme").dispatch(1)
    (message,) = _receive(moto_endpoint, aws[_queue(aws)])
    assert message["Attributes"].get("MessageGroupId") == "acme"


def test_a_standard_topic_accepts_the_tenant(aws: dict[str, str], moto_endpoint: str) -> None:
    """SNS forwards a standard topic's group id to SQS standard subscriptions on AWS; the local
    endpoint accepts it and delivers the message (whether it forwards the id is its own)."""
    app = _queue(aws).removeprefix("TASKHAWK-")
    taskhawk.configure(aws_settings(moto_endpoint, app, TASKHAWK_PUBLISH_VIA_SNS=True))
    report.with_tenant("acme").dispatch(1)
    (message,) = _receive(moto_endpoint, aws[_queue(aws)])
    assert '"tenants.report"' in message["Body"]


def _queue(urls: dict[str, str]) -> str:
    return next(name for name in urls if not name.endswith("-DLQ") and "-" not in name[9:])


def _receive(endpoint: str, url: str) -> list[dict[str, Any]]:
    response = boto_client("sqs", endpoint).receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, MessageSystemAttributeNames=["All"]
    )
    return list(response.get("Messages", []))
