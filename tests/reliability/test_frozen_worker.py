"""A worker frozen (SIGSTOP) past its message's visibility timeout, then resumed (SIGCONT),
while a second worker has received the message meanwhile: the resumed worker must notice by its
own clock that it lost the message, neither extend it nor delete it from under the second
runner, and say so; the second runner's failure is then retried as usual."""

from __future__ import annotations

import os
import signal
from typing import Any

import pytest

from tests.reliability.conftest import Rig, record_figures, settle
from tests.reliability.tasks import slow_then_fails_once

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
