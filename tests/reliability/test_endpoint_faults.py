"""Endpoint faults: a TCP proxy on 127.0.0.1 between taskhawk and moto drops connections,
answers errors and throttling, refuses connections, and stalls answers (past the 1 s read
timeout of visibility changes and deletes; a stalled long poll, whose read timeout is 21 s, ends
when the proxy gives up on the connection after 10 s).

The worker (its SQS endpoint is the proxy) must log, back off, never crash, never delete a
message whose task did not succeed, and resume when the endpoint does. Every task here fails on
its first run, so a message deleted after a failure would never be recorded as ran: `lost`.
In the stall phase more tasks are sent while a receive's answer may be being swallowed: moto
hides them for that receive, the worker never sees them, and they must come back and run.
The publisher side of single dispatches is in tests/test_publisher_faults.py; batches are here.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

import taskhawk
from taskhawk.priority import Priority
from taskhawk.transport.naming import queue_name
from tests.conftest import SECRET_KEY, create_queues, drain, proxied_sqs_settings
from tests.reliability.conftest import (
    Rig,
    RunLog,
    settle,
    unexpected_tracebacks,
)
from tests.reliability.proxy import CountingProxy
from tests.reliability.tasks import EVENTS, flaky, record
from tests.support.figures import record_figures

pytestmark = pytest.mark.integration

# (phase, proxy mode): tasks are sent before each fault, so the worker is busy running them
# (they fail; hiding them for the retry meets the fault); "stall-idle" sends them during the
# stall only, while the idle worker's long poll is the request being stalled.
PHASES = (
    ("drop", "drop"),
    ("error", "error"),
    ("throttle", "throttle"),
    ("refuse", "refuse"),
    ("stall-busy", "stall"),
    ("stall-idle", "stall"),
)
FAULT_S = 4.0
PER_PHASE = 12
RECEIVE_FAILED = re.compile(r"receive from \S+ failed, next try in (\d+)s")
NOT_DELETED = re.compile(r"(\d+) finished messages not deleted")


@pytest.fixture
def proxy(moto_endpoint: str) -> Iterator[CountingProxy]:
    proxy = CountingProxy(moto_endpoint)
    try:
        yield proxy
    finally:
        proxy.close()


def test_worker_logs_backs_off_and_resumes_deleting_only_successes(
    rig: Rig, proxy: CountingProxy
) -> None:
    worker = rig.start_worker(
        "--num-messages", "10", "--visibility-timeout", "4",
        sqs_endpoint=proxy.url, AWS_READ_TIMEOUT_S="1", AWS_CONNECT_TIMEOUT_S="1",
    )  # fmt: skip
    worker.wait_listening()
    runs = RunLog(rig.state / EVENTS)
    sent = 0

    def feed() -> None:
        nonlocal sent
        flaky.dispatch_many(((n,), {}) for n in range(sent, sent + PER_PHASE))
        sent += PER_PHASE

    def all_ran() -> bool:
        return len(runs.update()) == sent

    feed()
    settle(all_ran, "the first tasks to run (no fault yet)", timeout=60)
    phases: dict[str, dict[str, Any]] = {}
    started = time.monotonic()
    for phase, mode in PHASES:
        handled, errors = proxy.handled[mode], len(RECEIVE_FAILED.findall(worker.log))
        receives = proxy.actions[mode, "ReceiveMessage"]
        if phase != "stall-idle":
            feed()
        with proxy.fault(mode):
            if phase == "stall-idle":  # a receive in flight may return these into the void
                time.sleep(1.0)
                feed()
            time.sleep(FAULT_S)
        faulted = proxy.handled[mode] - handled
        receives = proxy.actions[mode, "ReceiveMessage"] - receives
        assert worker.process.poll() is None, f"worker died during {phase}\n{worker.log}"
        recovered = time.monotonic()
        settle(all_ran, f"tasks fed at the {phase} fault to run\n{worker.log[-3000:]}", 90)
        phases[phase] = {
            "faulted_requests": faulted,
            "faulted_receives": receives,
            "receive_errors_logged": len(RECEIVE_FAILED.findall(worker.log)) - errors,
            "resumed_after_s": round(time.monotonic() - recovered, 1),
        }
        # Backing off, not a hot loop: each failed receive (botocore tries it 3 times) is
        # followed by a pause of 1, 2, 4 ... s, so a 4 s fault sees at most ~4 receives.
        assert receives <= 15, (phase, receives)
        if phase == "stall-idle":
            assert receives >= 1, f"no receive was stalled: {proxy.actions}"
        elif phase == "stall-busy":
            assert faulted >= 1, f"no request was stalled: {proxy.actions}"
        elif phase == "throttle":  # botocore's standard mode may absorb it within its budget
            assert faulted >= 1, f"no request was throttled: {proxy.actions}"
        else:
            assert phases[phase]["receive_errors_logged"] >= 1, (phase, worker.log[-3000:])
    settle(lambda: rig.counts(rig.main) == (0, 0), "the queue to empty", timeout=60)
    exit_code = worker.stop()

    log = worker.log
    events = rig.events()
    ran = runs.update()
    failed_first = [e["n"] for e in events if e["event"] == "failed"]
    lost = sorted(set(range(sent)) - set(ran))
    figures: dict[str, Any] = {
        "messages": sent,
        "lost": len(lost),
        "duplicates": sum(len(v) - 1 for v in ran.values()),
        "not_deleted_logged": sum(int(n) for n in NOT_DELETED.findall(log)),
        "receive_pauses_s": sorted({int(s) for s in RECEIVE_FAILED.findall(log)}),
        "phases": phases,
        "seconds": round(time.monotonic() - started, 1),
        "crashes": unexpected_tracebacks(log) + int(exit_code != 0) + log.count("exited with"),
    }
    figures["actions"] = {f"{m}:{a}": c for (m, a), c in proxy.actions.items() if m != "pass"}
    record_figures("endpoint_faults", figures)
    assert lost == [], f"tasks never ran successfully: {lost}"
    assert sorted(failed_first) == list(range(sent))  # each failed once, then ran
    assert exit_code == 0
    assert "exited with code" not in log  # no consumer process died
    assert unexpected_tracebacks(log) == 0
    assert figures["crashes"] == 0
    assert max(figures["receive_pauses_s"]) >= 2  # the pause grew while receives kept failing
    assert rig.counts(rig.dlq) == (0, 0)  # no good task was redriven by the faults
    assert SECRET_KEY not in log


@pytest.fixture
def proxied_publisher(moto_endpoint: str) -> Iterator[tuple[CountingProxy, str]]:
    """taskhawk publishes to moto through the proxy; (proxy, queue URL)."""
    proxy = CountingProxy(moto_endpoint)
    queue = f"RELPUB{uuid.uuid4().hex[:8].upper()}"
    urls = create_queues(moto_endpoint, queue)
    taskhawk.configure(proxied_sqs_settings(moto_endpoint, queue, proxy.url))
    try:
        yield proxy, urls[queue_name(queue, Priority.default)]
    finally:
        proxy.close()


def numbers_on(endpoint: str, url: str) -> list[int]:
    return sorted(json.loads(m["Body"])["args"][0] for m in drain(endpoint, url))


BATCH = 25  # three SendMessageBatch requests


@pytest.mark.parametrize("mode", ["drop", "error", "throttle", "refuse"])
def test_a_failed_batch_names_every_message_and_delivers_none(
    moto_endpoint: str, proxied_publisher: tuple[CountingProxy, str], mode: str
) -> None:
    proxy, url = proxied_publisher
    record.dispatch(-1)  # the queue URL is cached: the fault hits the sends themselves
    with proxy.fault(mode), pytest.raises(taskhawk.PublishError) as caught:
        record.dispatch_many(((n,), {}) for n in range(BATCH))
    assert len(caught.value.failures) == BATCH and caught.value.sent == []
    assert f"{BATCH} of {BATCH} messages not known to be sent" in str(caught.value)
    if mode == "throttle":  # an answer that refuses: certainly not sent
        assert len(caught.value.not_sent) == BATCH
    assert SECRET_KEY not in str(caught.value)
    assert numbers_on(moto_endpoint, url) == [-1]


def test_a_stalled_batch_is_reported_unknown_and_delivered_exactly_once(
    moto_endpoint: str, proxied_publisher: tuple[CountingProxy, str]
) -> None:
    proxy, url = proxied_publisher
    record.dispatch(-1)
    with proxy.fault("stall"), pytest.raises(taskhawk.PublishError, match="outcome unknown"):
        record.dispatch_many(((n,), {}) for n in range(BATCH))
    assert proxy.handled["stall"] == 3  # one request per chunk of ten, none re-sent
    assert numbers_on(moto_endpoint, url) == [-1, *range(BATCH)]  # each exactly once


def test_brief_throttling_is_retried_and_each_message_delivered_once(
    moto_endpoint: str, proxied_publisher: tuple[CountingProxy, str]
) -> None:
    proxy, url = proxied_publisher
    record.dispatch(-1)
    with proxy.fault_next("throttle", requests=2):
        record.dispatch_many(((n,), {}) for n in range(BATCH))
    assert proxy.handled["throttle"] == 2
    assert numbers_on(moto_endpoint, url) == [-1, *range(BATCH)]


def test_a_slow_endpoint_still_makes_progress_with_the_default_timeouts(
    rig: Rig, moto_endpoint: str
) -> None:
    """Every answer 2.5 s late: with upstream's 2 s read timeout not even GetQueueUrl ever
    succeeded and the worker made no progress at all. The defaults wait long enough."""
    proxy = CountingProxy(moto_endpoint)
    proxy.slow_s = 2.5
    try:
        with proxy.fault("slow"):
            worker = rig.start_worker("--visibility-timeout", "30", sqs_endpoint=proxy.url)
            record.dispatch_many(((n,), {}) for n in range(3))
            runs = RunLog(rig.state / EVENTS)
            settle(lambda: len(runs.update()) == 3, "3 tasks through a slow endpoint", 90)
    finally:
        proxy.close()
    assert "receive from" not in worker.log  # no request timed out
    assert {n: len(events) for n, events in runs.runs.items()} == {0: 1, 1: 1, 2: 1}
