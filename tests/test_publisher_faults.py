"""Publishing while the endpoint misbehaves: a clear error or a safe retry, never a duplicate."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

import taskhawk
from taskhawk.priority import Priority
from taskhawk.transport.naming import queue_name
from tests.conftest import create_queues, drain, proxied_sqs_settings
from tests.support.faultproxy import FaultProxy


@pytest.fixture
def proxied(moto_endpoint: str) -> Iterator[tuple[FaultProxy, str]]:
    """taskhawk talks to moto through a fault proxy; returns (proxy, queue URL)."""
    proxy = FaultProxy(moto_endpoint)
    queue = f"FAULTS-{uuid.uuid4().hex[:8]}"
    urls = create_queues(moto_endpoint, queue)
    taskhawk.configure(proxied_sqs_settings(moto_endpoint, queue, proxy.url))
    yield proxy, urls[queue_name(queue, Priority.default)]
    proxy.close()


@pytest.fixture
def work() -> Any:
    @taskhawk.task(name="tasks.work")
    def work(value: int) -> None: ...

    return work


def bodies(endpoint: str, url: str) -> list[Any]:
    return [json.loads(m["Body"])["args"] for m in drain(endpoint, url)]


@pytest.mark.parametrize("mode", ["drop", "error", "refuse"])
def test_failed_send_raises_and_delivers_nothing(
    moto_endpoint: str, proxied: tuple[FaultProxy, str], work: Any, mode: str
) -> None:
    proxy, url = proxied
    work.dispatch(0)  # warm: the queue URL is cached, so the fault hits the send itself
    with proxy.fault(mode), pytest.raises(taskhawk.PublishError, match="not sent"):
        work.dispatch(1)
    assert bodies(moto_endpoint, url) == [[0]]
    work.dispatch(2)  # recovers when the endpoint does
    assert sorted(bodies(moto_endpoint, url)) == [[0], [2]]


def test_stall_after_delivery_is_reported_and_never_resent(
    moto_endpoint: str, proxied: tuple[FaultProxy, str], work: Any
) -> None:
    proxy, url = proxied
    work.dispatch(0)
    with proxy.fault("stall"), pytest.raises(taskhawk.PublishError, match="outcome unknown"):
        work.dispatch(1)
    assert sorted(bodies(moto_endpoint, url)) == [[0], [1]]  # delivered once, not twice


def test_throttling_is_retried_within_budget_then_delivered_once(
    moto_endpoint: str, proxied: tuple[FaultProxy, str], work: Any
) -> None:
    proxy, url = proxied
    work.dispatch(0)
    with proxy.fault("throttle"), pytest.raises(taskhawk.PublishError, match="Throttl"):
        work.dispatch(1)
    assert proxy.faults_answered == 3  # SEND_ATTEMPTS requests, then a clear error
    assert bodies(moto_endpoint, url) == [[0]]
