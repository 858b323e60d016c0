"""Soak with faults: N tasks through `taskhawk worker --processes 2` while its consumer children
are SIGKILLed (and restarted by the worker) and the whole worker (its process group, as a
service manager would) is stopped with SIGTERM and started again. Among them, tasks longer than
the visibility timeout (kept hidden by the default heartbeat) and one task that kills its own
process (it must reach the DLQ alone, after two crashes). Nothing may be lost; only a task whose
process was killed while running it may run twice.

N is TASKHAWK_SOAK_N (default 1000: every fault above happens at least once; a larger N repeats
them). Run alone with `pytest -m soak -s`. The queue is fed in rounds while the worker drains it,
so moto's per-call cost (which grows with depth) stays flat.
"""

from __future__ import annotations

import os
import re
import signal
import time
from typing import Any

import pytest

from taskhawk.consume.dead_letter import REASON_ATTRIBUTE
from tests.reliability.conftest import (
    Rig,
    RunLog,
    Worker,
    settle,
    take_all,
    unexpected_tracebacks,
)
from tests.reliability.tasks import EVENTS, crash, record, sleep
from tests.support.figures import record_figures


def soak_size() -> int:
    return int(os.environ.get("TASKHAWK_SOAK_N", "1000"))


# A killed child's messages come back after 8 s (--visibility-timeout).
FEED_DEPTH = 40  # feed when fewer than this many messages wait
FEED_CHUNK = 40
KILLS_AT = (0.10, 0.25, 0.40, 0.55)  # fractions of N processed: SIGKILL one consumer child
RESTART_AT = 0.70  # SIGTERM the whole worker, then start it again
WORKER_ARGS = ("--processes", "2", "--num-messages", "10", "--visibility-timeout", "8")
LONG_TASKS = {100_000 + i: at for i, at in enumerate((0.2, 0.5, 0.8))}  # n -> fraction fed
LONG_TASK_S = 9.0  # longer than the visibility timeout: only the heartbeat keeps it hidden
# n, fraction fed: a task that SIGKILLs its own process. Early, so that both its crashes (8 s
# apart, the visibility timeout) fall before the restart, whose new worker counts crashes anew.
CRASHER = (200_000, 0.02)

RECEIVE_COUNT = re.compile(r"task succeeded: rel\.record .* receive_count=(\d+)")
GIVEN_UP = re.compile(r"(\d+) given up: their visibility ran out")


def budget_s(n: int) -> float:
    return 90.0 + n * 0.08


pytestmark = [
    pytest.mark.soak,
    pytest.mark.integration,
    pytest.mark.timeout(int(budget_s(soak_size())) + 120),
]


class Soak:
    """Feeds the queue, watches progress and injects the kills and the restart."""

    def __init__(self, rig: Rig, n: int) -> None:
        self.rig, self.n = rig, n
        self.runs = RunLog(rig.state / EVENTS)
        self.sent = 0
        self.ids: dict[int, str] = {}
        self.killed: set[int] = set()
        self.exit_codes: list[int] = []
        self.plan: list[tuple[int, str]] = [(int(n * f), "kill") for f in KILLS_AT]
        self.plan.append((int(n * RESTART_AT), "restart"))
        self.worker = self._start()

    def _start(self) -> Worker:
        worker = self.rig.start_worker(*WORKER_ARGS)
        worker.wait_listening(consumers=2)
        return worker

    def feed(self) -> None:
        if self.sent >= self.n or self.rig.counts(self.rig.main)[0] >= FEED_DEPTH:
            return
        numbers = range(self.sent, min(self.sent + FEED_CHUNK, self.n))
        ids = record.dispatch_many(((number,), {}) for number in numbers)
        self.ids.update(zip(numbers, ids, strict=True))
        self.sent = numbers.stop
        for number, at in LONG_TASKS.items():
            if number not in self.ids and self.sent >= self.n * at:
                self.ids[number] = sleep.dispatch(number, LONG_TASK_S)
        if CRASHER[0] not in self.ids and self.sent >= self.n * CRASHER[1]:
            self.ids[CRASHER[0]] = crash.dispatch(CRASHER[0])

    def inject(self) -> None:
        while self.plan and len(self.runs.runs) >= self.plan[0][0]:
            _, action = self.plan.pop(0)
            if action == "kill":
                self.kill_one()
            else:
                self.exit_codes.append(self.worker.stop(group=True))
                self.worker = self._start()

    def kill_one(self) -> None:
        """SIGKILL the consumer child that ran a task most recently (it is mid-batch)."""
        pids = settle(
            lambda: p if len(p := self.worker.consumer_pids()) == 2 else None,
            "two consumer children",
            timeout=60,
        )
        last = self.runs.last_pid
        victim: int = last if last is not None and last in pids else pids[0]
        os.kill(victim, signal.SIGKILL)
        self.killed.add(victim)

    def done(self) -> bool:
        return (
            self.sent == self.n
            and len(self.runs.runs) == self.n + len(LONG_TASKS)
            and self.rig.counts(self.rig.main) == (0, 0)
        )

    def run(self) -> float:
        started = time.monotonic()
        deadline = started + budget_s(self.n)
        while True:
            self.runs.update()
            self.inject()
            self.feed()
            if not self.plan and self.done():
                break
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"soak not finished in {budget_s(self.n):.0f}s: sent {self.sent}, "
                    f"ran {len(self.runs.runs)} of {self.n}, queue {self.rig.counts(self.rig.main)}"
                    f"\n{self.worker.log[-4000:]}"
                )
            time.sleep(0.25)  # a pass asks moto for the depth; four a second keep it fed
        seconds = time.monotonic() - started
        self.exit_codes.append(self.worker.stop())
        return seconds


def test_soak_with_kills_and_a_restart_loses_nothing(rig: Rig) -> None:
    n = soak_size()
    soak = Soak(rig, n)
    seconds = soak.run()
    runs = soak.runs.update()

    lost = sorted({*range(n), *LONG_TASKS} - set(runs))
    duplicates = {number: events for number, events in runs.items() if len(events) > 1}
    unexplained = {
        number: [event["pid"] for event in events]
        for number, events in duplicates.items()
        if any(event["pid"] not in soak.killed for event in events[:-1])
    }
    logs = rig.logs()
    dead = take_all(rig.endpoint, rig.urls[rig.dlq])
    figures: dict[str, Any] = {
        "messages": n,
        "processed": sum(len(events) for events in runs.values()),
        "duplicates": sum(len(events) - 1 for events in duplicates.values()),
        "lost": len(lost),
        "kills": len(soak.killed),
        "long_tasks": len(LONG_TASKS),
        "long_task_runs": sum(len(runs.get(number, [])) for number in LONG_TASKS),
        "crasher_dead_lettered": len(dead),
        "deletes_given_up": sum(map(int, GIVEN_UP.findall(logs))),
        "redelivered": sum(int(count) > 1 for count in RECEIVE_COUNT.findall(logs)),
        "sigterm_restarts": 1,
        "seconds": round(seconds, 1),
        "messages_per_s": round(n / seconds, 1),
        "worker_exit_codes": soak.exit_codes,
        "crashes": unexpected_tracebacks(logs) + sum(code != 0 for code in soak.exit_codes),
    }
    record_figures("soak", figures)

    assert lost == [], f"{len(lost)} tasks never ran, e.g. {lost[:10]}"
    assert all(events[0]["id"] == soak.ids[n] for n, events in runs.items())
    assert all(len({event["id"] for event in events}) == 1 for events in runs.values())
    # Only a task run by a process that was then SIGKILLed may run again.
    assert unexplained == {}, f"duplicates not explained by a kill: {unexplained}"
    # The parent deletes what a killed child had finished: only the task it was running reruns,
    # unless a delete given up in an outage forced one more (counted above).
    assert figures["duplicates"] <= len(soak.killed) + figures["deletes_given_up"]
    assert len(soak.killed) == len(KILLS_AT)
    assert soak.exit_codes == [0, 0]  # both SIGTERMs were graceful stops
    crashes = len(KILLS_AT) + 2  # the kills, and the crasher twice
    assert logs.count("exited with code -9; restarting") == crashes
    assert logs.count("exited with code") == crashes  # no other child died
    assert unexpected_tracebacks(logs) == 0 and "task failed" not in logs
    assert rig.counts(rig.main) == (0, 0)
    (letter,) = dead  # the crasher alone, and with its reason
    assert letter["MessageAttributes"][REASON_ATTRIBUTE]["StringValue"].startswith(
        "the task killed its worker process 2 times"
    )
