"""How a worker's process group behaves under the signals a service manager or an operator
sends: SIGTERM to the whole group mid-batch, and SIGKILL of the parent alone."""

from __future__ import annotations

import os
import signal
import time

import pytest

from tests.reliability.conftest import Rig, RunLog, settle
from tests.reliability.tasks import EVENTS, record, sleep
from tests.support.figures import record_figures
from tests.support.worker_rig import alive

pytestmark = pytest.mark.integration


def test_sigterm_to_the_whole_group_mid_batch_finishes_the_batch_once(rig: Rig) -> None:
    """systemd and Kubernetes signal every process of the group at once: children must finish
    what they hold (each task once, every message deleted) and the worker exit 0."""
    worker = rig.start_worker("--processes", "2", "--num-messages", "10")
    worker.wait_listening(consumers=2)
    sleep.dispatch_many(((n, 0.3), {}) for n in range(12))
    runs = RunLog(rig.state / EVENTS)
    settle(lambda: len(runs.update()) >= 2, "the batch to be under way", timeout=30)
    assert worker.stop(group=True) == 0
    ran = {n: len(events) for n, events in runs.update().items()}
    assert all(count == 1 for count in ran.values()), ran
    visible, in_flight = rig.counts(rig.main)
    assert in_flight == 0 and visible + len(ran) == 12  # unreceived ones wait for the next worker
    record_figures("sigterm_group", {"ran_once": len(ran), "left_visible": visible})


def test_children_of_a_killed_parent_exit_and_consume_nothing_more(rig: Rig) -> None:
    worker = rig.start_worker("--processes", "2")
    worker.wait_listening(consumers=2)
    children = worker.consumer_pids()
    assert len(children) == 2
    os.kill(worker.process.pid, signal.SIGKILL)
    worker.process.wait(10)
    settle(lambda: not any(alive(pid) for pid in children), "orphaned children to exit", 20)
    record.dispatch(1)
    time.sleep(3)
    assert rig.counts(rig.main) == (1, 0)  # nobody took it
    assert RunLog(rig.state / EVENTS).update() == {}
