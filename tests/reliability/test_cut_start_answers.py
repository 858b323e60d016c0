"""A consumer process whose first GetQueueUrl gets a cut answer (the worker's own start-up
checks had passed): one clear line, a pause, and it goes on once the endpoint answers properly;
no traceback, no dead process."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.reliability.conftest import Rig, RunLog, settle, unexpected_tracebacks
from tests.reliability.proxy import CountingProxy
from tests.reliability.tasks import EVENTS, record
from tests.support.figures import record_figures

pytestmark = pytest.mark.integration


@pytest.fixture
def proxy(moto_endpoint: str) -> Iterator[CountingProxy]:
    proxy = CountingProxy(moto_endpoint)
    yield proxy
    proxy.close()


def test_a_cut_queue_url_answer_while_running_is_one_line_then_recovered(
    rig: Rig, proxy: CountingProxy
) -> None:
    worker = rig.start_worker(sqs_endpoint=proxy.url, AWS_READ_TIMEOUT_S="2")
    settle(lambda: "[tasks]" in worker.log, "the start-up checks to pass", timeout=30)
    with proxy.fault_actions("cut", {"GetQueueUrl"}):
        settle(
            lambda: "the endpoint's answer has no QueueUrl" in worker.log,
            f"the consumer to meet the cut answer\n{worker.log}",
            timeout=30,
        )
    record.dispatch(1)
    runs = RunLog(rig.state / EVENTS)
    settle(lambda: 1 in runs.update(), "the task to run once the endpoint recovered", 30)
    log = worker.log
    assert worker.process.poll() is None and "exited with code" not in log
    assert unexpected_tracebacks(log) == 0
    lines = [text for text in log.splitlines() if "the endpoint's answer has no QueueUrl" in text]
    assert lines and all("finding SQS queue" in text for text in lines), lines
    record_figures("cut_queue_url_running", {"cut_answers": proxy.actions["cut", "GetQueueUrl"]})
