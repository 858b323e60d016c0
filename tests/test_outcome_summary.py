"""Successes are counted, not logged one by one (by default), and a summary line reports every
outcome by task: every interval, when the consumer stops, after each Lambda invocation."""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import taskhawk
from taskhawk import Priority, listen_for_messages, process_messages_for_lambda_consumer
from taskhawk.consume.decision import Redelivery
from taskhawk.consume.execute import Executor
from taskhawk.consume.sqs import Consumer
from taskhawk.consume.tally import Tally
from taskhawk.exceptions import ConfigurationError
from taskhawk.settings import get_settings
from taskhawk.transport.current import use_transport
from tests.test_consumer import APP, DEFAULT, Recording, app_recording, body, put

SUMMARY = "tasks in "


@pytest.fixture
def transport() -> Iterator[Recording]:
    recording = app_recording()
    taskhawk.configure(TASKHAWK_QUEUE=APP)
    with use_transport(recording):
        yield recording


def consume(transport: Recording, *modes: str) -> None:
    for mode in modes:
        put(transport, body(mode))
    listen_for_messages("default", num_messages=10, loop_count=1)


def test_by_default_a_success_is_counted_in_the_summary_not_logged_at_info(
    transport: Recording, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="taskhawk")
    consume(transport, "ok", "ok", "ignore", "boom", "ok")
    messages = [r.getMessage() for r in caplog.records]
    assert not [m for m in messages if m.startswith("task succeeded")]
    assert [m for m in messages if m.startswith("task ignored")]  # other outcomes keep theirs
    assert [m for m in messages if m.startswith("task failed")]
    (summary,) = [r for r in caplog.records if r.getMessage().startswith(SUMMARY)]
    assert summary.levelno == logging.INFO
    assert summary.getMessage().endswith("5 handled: tests.behave ignored=1 retried=1 succeeded=3")
    fields = {k: getattr(summary, k) for k in ("handled", "succeeded", "ignored", "retried")}
    assert fields == {"handled": 5, "succeeded": 3, "ignored": 1, "retried": 1}
    assert summary.interval_s >= 0  # type: ignore[attr-defined]
    assert len(transport.bodies(DEFAULT)) == 1  # the failure stays, to be retried


def test_the_setting_logs_every_success_at_info(
    transport: Recording, caplog: pytest.LogCaptureFixture
) -> None:
    taskhawk.configure(TASKHAWK_QUEUE=APP, TASKHAWK_SUCCESS_LOG_LEVEL="INFO")
    caplog.set_level(logging.INFO, logger="taskhawk")
    consume(transport, "ok")
    (line,) = [r for r in caplog.records if r.getMessage().startswith("task succeeded")]
    assert line.levelno == logging.INFO
    assert line.getMessage().startswith("task succeeded: tests.behave in ")
    assert (line.task, line.outcome) == ("tests.behave", "succeeded")  # type: ignore[attr-defined]


def test_at_debug_the_success_line_is_there_as_before(
    transport: Recording, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="taskhawk")
    consume(transport, "ok")
    (line,) = [r for r in caplog.records if r.getMessage().startswith("task succeeded")]
    assert (line.levelno, line.funcName) == (logging.DEBUG, "log_result")


def test_the_summary_comes_once_its_interval_passed_and_only_when_something_was_counted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="taskhawk")
    tally = Tally(60.0)
    start = tally._since
    tally.tick(start + 30)
    tally.add("a.task", "succeeded")
    tally.add("b.task", "dead_lettered")
    tally.add("a.task", "succeeded")
    tally.tick(start + 59)
    assert caplog.records == []
    tally.tick(start + 60)
    (line,) = caplog.records
    assert line.getMessage() == (
        "tasks in the last 60.0s: 3 handled: a.task succeeded=2; b.task dead_lettered=1"
    )
    assert (line.succeeded, line.dead_lettered, line.interval_s) == (2, 1, 60.0)  # type: ignore[attr-defined]
    tally.tick(start + 121)  # nothing counted since: no line
    tally.log_summary(start + 130)
    assert len(caplog.records) == 1


def test_no_summary_when_its_interval_is_none(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="taskhawk")
    tally = Tally(None)
    tally.add("a.task", "succeeded")
    tally.tick(tally._since + 1e9)
    tally.log_summary()
    assert caplog.records == []


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TASKHAWK_SUCCESS_LOG_LEVEL", "LOUD"),
        ("TASKHAWK_SUMMARY_INTERVAL_S", 0),
        ("TASKHAWK_SUMMARY_INTERVAL_S", -5),
    ],
)
def test_bad_values_are_refused_naming_the_setting(name: str, value: Any) -> None:
    taskhawk.configure({"TASKHAWK_QUEUE": APP, name: value})
    with pytest.raises(ConfigurationError, match=name):
        Executor(get_settings(), Redelivery.QUEUE)


def test_a_lambda_invocation_ends_with_its_summary(
    transport: Recording, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="taskhawk")
    template = json.loads((Path(__file__).parent / "events" / "sqs_event.json").read_text())
    records = []
    for n in range(3):
        record = copy.deepcopy(template["Records"][0])
        record["body"], record["messageId"] = body("ok"), f"sqs-{n}"
        records.append(record)
    process_messages_for_lambda_consumer({"Records": records})
    summaries = [r.getMessage() for r in caplog.records if r.getMessage().startswith(SUMMARY)]
    assert summaries == ["tasks in this invocation: 3 handled: tests.behave succeeded=3"]


def test_a_one_thread_consumer_counts_without_a_lock_and_a_shared_tally_takes_one(
    transport: Recording,
) -> None:
    consumer = Consumer([Priority.default])
    assert consumer.executor.tally._lock is None  # one thread runs its messages
    consumer.executor.tally.share()  # as ConcurrentConsumer does before its carriers start
    assert consumer.executor.tally._lock is not None
    assert Executor(get_settings(), Redelivery.LAMBDA).tally._lock is not None  # the default
