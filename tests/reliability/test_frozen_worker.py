"""A worker frozen (SIGSTOP) past its message's visibility timeout, then resumed (SIGCONT),
while a second worker has received the message meanwhile: the resumed worker must notice by its
own clock that it lost the message, neither extend it nor delete it from under the second
runner, and say so; the second runner's failure is then retried as usual."""

from __future__ import annotations

import os
import signal
import time
from typing import Any

import pytest

import taskhawk
from tests.reliability.conftest import Rig, settle
from tests.reliability.tasks import record, sleep, slow_first_run_fails, slow_then_fails_once
from tests.support.figures import record_figures

pytestmark = pytest.mark.integration

VISIBILITY = "2"  # seconds; the heartbeat beats every third of it


def started(rig: Rig, attempt: int) -> dict[str, Any] | None:
    for event in rig.events():
        if event["event"] == "started" and event.get("attempt") == attempt:
            return event
    return None


def test_a_resumed_worker_leaves_a_message_it_lost_to_its_new_runner(rig: Rig) -> None:
    frozen = rig.start_worker("--visibility-timeout", VISIBILITY)
    frozen.wait_listening()
    slow_then_fails_once.dispatch(1, 3.0)
    first = settle(lambda: started(rig, 1), "the first run to start", timeout=30)
    os.kill(first["pid"], signal.SIGSTOP)
    try:
        other = rig.start_worker("--visibility-timeout", VISIBILITY)
        second = settle(lambda: started(rig, 2), "a second worker to take the message", 40)
    finally:
        os.kill(first["pid"], signal.SIGCONT)
    assert second["pid"] != first["pid"]
    # The resumed worker's task ends at once (its sleep ran out while frozen), during the
    # second run; the second run fails and must be retried, so the message must still exist.
    settle(lambda: started(rig, 3), "the failed second run to be retried", 40)
    settle(lambda: rig.counts(rig.main) == (0, 0), "the queue to be empty", 20)
    ran = [e["attempt"] for e in rig.events() if e["event"] == "ran"]
    assert sorted(ran) == [1, 3]  # the frozen run, then the retry of the failed second run
    log = frozen.log
    assert "lost a message to another consumer" in log
    assert "finished a task whose message was lost to another consumer: not deleted" in log
    assert "lost a message" not in other.log
    record_figures("frozen_worker", {"runs": 3, "lost_noticed": 1, "retry_kept": 1})


def test_a_resumed_worker_whose_task_failed_leaves_the_lost_message_alone(rig: Rig) -> None:
    """Its failure would hide the message for the retry delay with its old receipt: under the
    new runner, which would then see it run a third time beside it."""
    frozen = rig.start_worker("--visibility-timeout", VISIBILITY)
    frozen.wait_listening()
    slow_first_run_fails.dispatch(1, 3.0)
    first = settle(lambda: started(rig, 1), "the first run to start", timeout=30)
    os.kill(first["pid"], signal.SIGSTOP)
    try:
        rig.start_worker("--visibility-timeout", VISIBILITY)
        second = settle(lambda: started(rig, 2), "a second worker to take the message", 40)
    finally:
        os.kill(first["pid"], signal.SIGCONT)
    assert second["pid"] != first["pid"]
    settle(lambda: rig.counts(rig.main) == (0, 0), "the queue to be empty", 30)
    time.sleep(3)  # a message hidden for the 1 s retry delay would have run again by now
    starts = [e["attempt"] for e in rig.events() if e["event"] == "started"]
    assert sorted(starts) == [1, 2]
    log = frozen.log
    assert "finished a task whose message was lost to another consumer" in log
    assert "could not set visibility" not in log
    record_figures("frozen_worker_failed", {"runs": 2, "lost_left_alone": 1})


def test_a_task_that_finished_just_before_a_freeze_is_not_run_again(rig: Rig) -> None:
    """Its delete is sent within a tenth of a second, not left buffered for the freeze to
    outlast (a batch-mate still running keeps the batch open)."""
    frozen = rig.start_worker("--visibility-timeout", VISIBILITY, "--num-messages", "10")
    frozen.wait_listening()
    with taskhawk.batch():  # one receive holds both
        record.dispatch(1)
        sleep.dispatch(2, 4.0)
    quick = settle(lambda: ran(rig, 1), "the quick task to finish", timeout=30)
    time.sleep(0.6)
    os.kill(quick["pid"], signal.SIGSTOP)
    try:
        rig.start_worker("--visibility-timeout", VISIBILITY)
        settle(lambda: started_n(rig, 2, count=2), "the slow task to be taken over", 40)
    finally:
        os.kill(quick["pid"], signal.SIGCONT)
    settle(lambda: rig.counts(rig.main) == (0, 0), "the queue to be empty", 30)
    time.sleep(3)  # a copy of the quick task left undeleted would have come back by now
    assert len([e for e in rig.events() if e["event"] == "ran" and e["n"] == 1]) == 1
    record_figures("finished_before_freeze", {"quick_ran": 1, "slow_taken_over": 1})


def ran(rig: Rig, n: int) -> dict[str, Any] | None:
    return next((e for e in rig.events() if e["event"] == "ran" and e["n"] == n), None)


def started_n(rig: Rig, n: int, count: int) -> bool:
    return len([e for e in rig.events() if e["event"] == "started" and e["n"] == n]) >= count
