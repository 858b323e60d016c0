"""Upstream's heartbeat hook (called on schedule while a consumer listens, its errors logged and
never fatal) and the health file's arithmetic, in one process."""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import os
import threading
import time
from pathlib import Path

import pytest

import taskhawk
from taskhawk import Priority
from taskhawk.consume.health_file import UPDATE_EVERY_S, HealthFile, ProgressStamp
from taskhawk.consume.heartbeat_hook import HeartbeatHookCalls
from taskhawk.consume.sqs import Consumer
from taskhawk.exceptions import ConfigurationError
from taskhawk.settings import get_settings
from taskhawk.transport.current import use_transport
from taskhawk.transport.memory import MemoryTransport

APP = "LIVE-APP"
calls: list[float] = []


def beat() -> None:
    calls.append(time.monotonic())


def failing_beat() -> None:
    calls.append(time.monotonic())
    raise RuntimeError("health endpoint down")


def listen_for(seconds: float, **settings: object) -> tuple[MemoryTransport, list[str]]:
    """A consumer listening `seconds` with `settings`; the tasks it ran meanwhile."""
    calls.clear()
    taskhawk.configure(TASKHAWK_QUEUE=APP, **settings)
    ran: list[str] = []

    @taskhawk.task(name="live.work")
    def work(value: str) -> None:
        ran.append(value)

    memory = MemoryTransport()
    memory.create_queue("TASKHAWK-LIVE-APP")
    stop = threading.Event()
    with use_transport(memory):
        consumer = Consumer([Priority.default], settings=get_settings(), transport=memory)
        timer = threading.Timer(seconds, stop.set)
        timer.start()
        work.dispatch("during")
        consumer.run(shutdown_event=stop)
        timer.join()
    return memory, ran


def test_the_hook_is_called_at_once_then_every_interval_while_listening() -> None:
    started = time.monotonic()
    listen_for(0.65, TASKHAWK_HEARTBEAT_HOOK=beat, TASKHAWK_HEARTBEAT_HOOK_SYNC_CALL_S=0.2)
    ended = time.monotonic()
    expected = (ended - started) / 0.2
    assert expected - 1.5 <= len(calls) <= expected + 1, (calls, expected)
    assert calls[0] - started < 0.15
    gaps = [later - earlier for earlier, later in itertools.pairwise(calls)]
    assert all(0.19 <= gap <= 0.6 for gap in gaps), gaps
    count = len(calls)
    time.sleep(0.3)
    assert len(calls) == count and calls[-1] <= ended  # no call once listening stopped


def test_a_failing_hook_is_logged_and_called_again_and_tasks_still_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR, logger="taskhawk.consumer"):
        _, ran = listen_for(
            0.5,
            TASKHAWK_HEARTBEAT_HOOK="tests.test_liveness.failing_beat",
            TASKHAWK_HEARTBEAT_HOOK_SYNC_CALL_S=0.15,
        )
    assert ran == ["during"]
    assert len(calls) >= 3
    failures = [r for r in caplog.records if r.getMessage().startswith("heartbeat hook failed")]
    assert len(failures) == len(calls)
    assert failures[0].getMessage() == "heartbeat hook failed; next call in 0.15s"
    assert failures[0].exc_info is not None and "health endpoint down" in caplog.text


@pytest.mark.parametrize("interval", [0, -1])
def test_an_interval_of_zero_or_less_is_refused(interval: float) -> None:
    with pytest.raises(ConfigurationError, match="TASKHAWK_HEARTBEAT_HOOK_SYNC_CALL_S"):
        listen_for(0.1, TASKHAWK_HEARTBEAT_HOOK=beat, TASKHAWK_HEARTBEAT_HOOK_SYNC_CALL_S=interval)


def test_a_hook_without_an_interval_is_never_called_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="taskhawk.consumer"):
        listen_for(0.2, TASKHAWK_HEARTBEAT_HOOK=beat)
    assert calls == []
    assert "TASKHAWK_HEARTBEAT_HOOK is set but TASKHAWK_HEARTBEAT_HOOK_SYNC_CALL_S is not" in (
        caplog.text
    )


def test_a_hook_that_hangs_does_not_hold_up_the_end_of_listening() -> None:
    release = threading.Event()
    calls_made = HeartbeatHookCalls(lambda: release.wait(5), 0.1)
    started = time.monotonic()
    with calls_made:
        time.sleep(0.05)
    assert time.monotonic() - started < 1.5
    release.set()


def stamps(*ages: float) -> list[ProgressStamp]:
    context = multiprocessing.get_context("spawn")
    made = []
    for age in ages:
        stamp = ProgressStamp(context)
        stamp.value.value = time.time() - age
        made.append(stamp)
    return made


def test_the_file_is_as_old_as_the_least_lively_process(tmp_path: Path) -> None:
    path = tmp_path / "alive"
    lively, stuck = stamps(0.5, 90.0)
    health = HealthFile(str(path), [lively, stuck])
    health.update(now=1000.0)
    assert abs(time.time() - os.stat(path).st_mtime - 90.0) < 1.0
    stuck()  # it moved again
    health.update(now=1000.0 + UPDATE_EVERY_S / 2)  # too soon: not written
    assert time.time() - os.stat(path).st_mtime > 80.0
    health.update(now=1000.0 + UPDATE_EVERY_S)
    assert abs(time.time() - os.stat(path).st_mtime - 0.5) < 1.0


def test_a_deleted_file_comes_back_and_a_path_that_cannot_be_written_is_refused(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "run"
    folder.mkdir()
    path = folder / "alive"
    health = HealthFile(str(path), stamps(0.0))
    path.unlink()
    health.update(now=10.0)
    assert path.exists()
    with pytest.raises(ConfigurationError, match=r"--health-file .*missing/alive: cannot be"):
        HealthFile(str(tmp_path / "missing" / "alive"), [])
    path.unlink()
    folder.rmdir()  # now it cannot be written: a warning, once, and the worker goes on
    with caplog.at_level(logging.WARNING, logger="taskhawk.worker"):
        health.update(now=20.0)
        health.update(now=30.0)
    assert caplog.text.count("cannot update the health file") == 1
