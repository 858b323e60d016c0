"""The in-flight keeper's rule for a message whose visibility ran out by the worker's own clock
(a frozen or stalled process): never extended, never deleted, and said so; a finished message
still in time is deleted."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

import pytest

from taskhawk.consume.inflight import InFlight
from taskhawk.transport import ReceivedMessage
from taskhawk.transport.memory import MemoryTransport
from tests.support.call_log import CallLog
from tests.support.worker_rig import wait_for

QUEUE = "TASKHAWK-INFLIGHT"
VISIBILITY_S = 2


class Calls(MemoryTransport):
    """Records visibility changes and deletes; every one of them succeeds."""

    def __init__(self) -> None:
        super().__init__()
        self.extended: list[str] = []
        self.deleted: list[str] = []

    def change_visibility(self, queue: str, receipt: str, seconds: int) -> None:
        self.extended.append(receipt)

    def delete(self, queue: str, receipts: Sequence[str]) -> list[str]:
        self.deleted.extend(receipts)
        return []


def message(receipt: str) -> ReceivedMessage:
    return ReceivedMessage(QUEUE, "{}", receipt, {}, 1, f"id-{receipt}")


def test_a_message_past_its_visibility_is_never_extended_nor_deleted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="taskhawk")
    calls = Calls()
    with InFlight(calls, VISIBILITY_S, heartbeat_s=0.2) as inflight:
        now = time.monotonic()
        inflight.hold([message("late")], now - VISIBILITY_S - 1)  # as after a long freeze
        inflight.hold([message("fresh")], now)
        inflight.start("late")
        inflight.start("fresh")
        wait_for(lambda: "fresh" in calls.extended, "a heartbeat", timeout=5)
        inflight.finish("late")
        inflight.finish("fresh")
        inflight.flush()
    assert "late" not in calls.extended
    assert calls.deleted == ["fresh"]
    lost = [r for r in caplog.records if r.getMessage().startswith("lost a message")]
    assert len(lost) == 1 and getattr(lost[0], "transport_id", None) == "id-late"
    assert "finished a task whose message was lost to another consumer" in caplog.text


def test_without_a_heartbeat_a_task_that_outlived_its_visibility_is_not_deleted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls = Calls()
    with InFlight(calls, VISIBILITY_S, heartbeat_s=None) as inflight:
        inflight.hold([message("slow")], time.monotonic() - VISIBILITY_S - 1)
        inflight.start("slow")
        inflight.finish("slow")
    assert calls.deleted == [] and calls.extended == []
    assert "not deleted" in caplog.text


def test_a_message_that_ran_out_while_waiting_its_turn_is_not_run() -> None:
    calls = Calls()
    with InFlight(calls, VISIBILITY_S, heartbeat_s=0.2) as inflight:
        inflight.hold([message("waiting")], time.monotonic() - VISIBILITY_S - 1)
        inflight.hold([message("other")], time.monotonic())
        wait_for(lambda: "other" in calls.extended, "a heartbeat", timeout=5)
        assert not inflight.usable("waiting")


class SlowAnswers(CallLog):
    """Every visibility request takes a tenth of a second to answer, as over a slow link."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[int] = []

    def change_visibility(self, queue: str, receipt: str, seconds: int) -> None:
        time.sleep(0.1)
        super().change_visibility(queue, receipt, seconds)

    def change_visibility_batch(
        self, queue: str, receipts: Sequence[str], seconds: int
    ) -> dict[str, str]:
        time.sleep(0.1)
        self.requests.append(len(receipts))
        return super().change_visibility_batch(queue, receipts, seconds)


def test_a_beat_over_many_messages_with_slow_answers_keeps_every_one(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="taskhawk")
    slow = SlowAnswers()
    messages = [message(f"m{n}") for n in range(40)]
    with InFlight(slow, VISIBILITY_S, heartbeat_s=0.5) as inflight:
        inflight.hold(messages, time.monotonic())
        time.sleep(4.5)  # one by one, a beat would take 4 s: longer than the visibility
        assert inflight.pending() == 40
        for held in messages:
            assert inflight.ours(held.receipt)
    assert "lost a message" not in caplog.text
    assert slow.requests and max(slow.requests) <= 10
    assert {receipt for receipt, _ in slow.visibility} == {m.receipt for m in messages}


def test_a_release_waits_for_the_extension_in_flight() -> None:
    """Else the extension could land after a retry delay set at release, and undo it."""
    slow = SlowAnswers()
    with InFlight(slow, VISIBILITY_S, heartbeat_s=0.2) as inflight:
        inflight.hold([message("m")], time.monotonic())
        wait_for(
            lambda: bool(inflight._extending), "an extension in flight", timeout=5, interval=0.01
        )
        answered = len(slow.requests)
        assert inflight.release("m")
        assert len(slow.requests) == answered + 1  # answered before the release went on
