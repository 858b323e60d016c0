"""Sync mode (TASKHAWK_SYNC) and the pytest plugin: tasks run through the production codec."""

from __future__ import annotations

from typing import Any

import pytest

import taskhawk
from taskhawk.testing import Recorder
from tests.support import hooks

ran: list[tuple[Any, ...]] = []


@pytest.fixture(autouse=True)
def _reset() -> None:
    ran.clear()
    hooks.calls.clear()


def declare() -> Any:
    @taskhawk.task(name="tasks.record")
    def record(value: Any, *, metadata: taskhawk.Metadata | None = None) -> None:
        ran.append((value, metadata))

    return record


def sync_settings(**extra: Any) -> None:
    taskhawk.configure(
        TASKHAWK_QUEUE="SYNCQ",
        TASKHAWK_SYNC=True,
        TASKHAWK_PRE_PROCESS_HOOK="tests.support.hooks.pre_process",
        TASKHAWK_POST_PROCESS_HOOK="tests.support.hooks.post_process",
        **extra,
    )


def test_sync_mode_runs_the_task_with_hooks_and_returns_the_real_id() -> None:
    sync_settings()
    record = declare()
    message_id = record.with_headers(request_id="r1").dispatch("v")
    [(value, metadata)] = ran
    assert value == "v"
    assert metadata.id == message_id and metadata.headers == {"request_id": "r1"}
    assert metadata.queue == "TASKHAWK-SYNCQ" and metadata.receipt is None
    assert [name for name, _ in hooks.calls] == ["pre", "post"]
    pre_kwargs = hooks.calls[0][1]
    assert pre_kwargs["queue_name"] == "TASKHAWK-SYNCQ"
    assert pre_kwargs["sqs_queue_message"].body.startswith('{"id":"' + message_id)


def test_sync_mode_fails_like_the_queue_would() -> None:
    sync_settings()
    record = declare()
    with pytest.raises(taskhawk.ValidationError, match=r"\$\.args\[0\]"):
        record.dispatch(object())
    assert ran == []


def test_sync_mode_propagates_task_errors_and_skips_the_post_hook() -> None:
    sync_settings()

    @taskhawk.task
    def boom() -> None:
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        boom.dispatch()
    assert [name for name, _ in hooks.calls] == ["pre"]


def test_sync_mode_treats_ignore_as_handled() -> None:
    sync_settings()

    @taskhawk.task
    def ignored() -> None:
        raise taskhawk.IgnoreException("not needed")

    assert ignored.dispatch()
    assert [name for name, _ in hooks.calls] == ["pre", "post"]


def test_sync_mode_batches_run_each_task() -> None:
    sync_settings()
    record = declare()
    ids = record.dispatch_many([([i], {}) for i in range(3)])
    assert [value for value, _ in ran] == [0, 1, 2] and len(ids) == 3


def test_recorder_records_asserts_and_runs(taskhawk_recorder: Recorder) -> None:
    record = declare()
    record.with_headers(request_id="r").with_priority(taskhawk.Priority.high).dispatch("x")
    message = taskhawk_recorder.assert_dispatched(
        record, args=["x"], kwargs={}, headers={"request_id": "r"}, priority=taskhawk.Priority.high
    )
    assert message.metadata.priority == "high"
    with pytest.raises(AssertionError, match=r"no dispatch of tasks\.record matches"):
        taskhawk_recorder.assert_dispatched(record, args=["y"])
    assert ran == []
    assert taskhawk_recorder.run_all() == 1
    assert [value for value, _ in ran] == ["x"]
    assert taskhawk_recorder.run_all() == 0  # each message runs once


def test_recorder_runs_tasks_dispatched_by_tasks(taskhawk_recorder: Recorder) -> None:
    record = declare()

    @taskhawk.task
    def fan_out(count: int) -> None:
        for index in range(count):
            record.dispatch(index)

    fan_out.dispatch(2)
    taskhawk_recorder.assert_not_dispatched(record)
    assert taskhawk_recorder.run_all() == 3
    assert sorted(value for value, _ in ran) == [0, 1]
