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


@pytest.mark.parametrize(
    ("mode", "state"),
    [("drop", "unknown"), ("error", "unknown"), ("refuse", "not_sent")],
    ids=["closed-without-answer", "server-error", "connection-refused"],
)
def test_failed_send_raises_and_delivers_nothing(
    moto_endpoint: str, proxied: tuple[FaultProxy, str], work: Any, mode: str, state: str
) -> None:
    """Only a refused connection proves nothing was sent; a request that went out and got no
    usable answer may have been enqueued, so it is reported as unknown, not as not sent."""
    proxy, url = proxied
    work.dispatch(0)  # warm: the queue URL is cached, so the fault hits the send itself
    if mode == "refuse":  # no pooled connection: the refusal comes before any byte is sent
        taskhawk.settings.clear_cache()
    with proxy.fault(mode), pytest.raises(taskhawk.PublishError) as caught:
        work.dispatch(1)
    (failed,) = caught.value.failures
    assert list(getattr(caught.value, state)) == [failed] and caught.value.sent == []
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


@pytest.mark.parametrize("mode", ["stall", "empty", "cut"])
def test_a_batch_whose_answer_is_lost_empty_or_cut_is_unknown_never_not_sent(
    moto_endpoint: str, proxied: tuple[FaultProxy, str], work: Any, mode: str
) -> None:
    """The endpoint enqueued all 20; the caller must not be told they were not sent (it would
    dispatch them again) nor that they were (an empty 200 answer once read as "all sent")."""
    proxy, url = proxied
    work.dispatch(0)
    with proxy.fault(mode), pytest.raises(taskhawk.PublishError) as caught:
        work.dispatch_many(((n,), {}) for n in range(1, 21))
    error = caught.value
    assert len(error.unknown) == 20 and error.not_sent == {} and error.sent == []
    assert "check before dispatching again" in str(error)
    assert sorted(bodies(moto_endpoint, url)) == [[n] for n in range(21)]


def test_throttling_is_retried_within_budget_then_delivered_once(
    moto_endpoint: str, proxied: tuple[FaultProxy, str], work: Any
) -> None:
    proxy, url = proxied
    work.dispatch(0)
    with proxy.fault("throttle"), pytest.raises(taskhawk.PublishError, match="Throttl"):
        work.dispatch(1)
    assert proxy.faults_answered == 3  # SEND_ATTEMPTS requests, then a clear error
    assert bodies(moto_endpoint, url) == [[0]]
