"""Periodic tasks: declaring schedules (checked at once), the message Scheduler sends at each
firing, and a firing running once however often it arrives, and not when it arrives late."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest

import taskhawk
from taskhawk import Priority, clock
from taskhawk.consume.firing_guard import forget_firings
from taskhawk.consume.sqs import Consumer
from taskhawk.periodic import (
    Periodic,
    periodic,
    registered_schedules,
    unregister_schedules,
)
from taskhawk.periodic_expressions import check_expression
from taskhawk.transport import Destination, OutgoingMessage
from taskhawk.transport.current import use_transport
from taskhawk.transport.memory import MemoryTransport
from taskhawk.transport.naming import AppNames
from taskhawk.wire import decode
from tests.support.fakes import FakeClock

ROOT = Path(__file__).resolve().parent.parent
QUEUE = AppNames("APP").queue(Priority.default)
SCHEDULED = "2026-12-07T05:00:00Z"
SCHEDULED_MS = 1_796_619_600_000
runs: list[int] = []


@pytest.fixture(autouse=True)
def _clean_schedules() -> Iterator[None]:
    saved = dict(registered_schedules())
    forget_firings()
    runs.clear()
    yield
    unregister_schedules(saved)
    forget_firings()


@taskhawk.task(name="periodic.tick")
def tick(n: int, *, label: str = "") -> None:
    del label
    runs.append(n)


@pytest.mark.parametrize(
    "expression",
    ["rate(1 minute)", "rate(5 minutes)", "rate(2 days)", "cron(0 9 ? * MON-FRI *)",
     "cron(0/15 * 1,15 * ? 2026-2030)", "cron(0 12 ? * 6#3 *)", "cron(0 0 L * ? *)"],
)  # fmt: skip
def test_valid_expressions_are_accepted(expression: str) -> None:
    check_expression(expression)


@pytest.mark.parametrize(
    ("expression", "problem"),
    [
        ("every 5 minutes", "expected rate"),
        ("rate(5 minute)", r"write rate\(5 minutes\)"),
        ("rate(1 minutes)", r"write rate\(1 minute\)"),
        ("rate(0 minutes)", "at least 1"),
        ("rate(5 weeks)", "minute"),
        ("cron(0 9 * * *)", "6 fields"),
        ("cron(0 9 * * MON *)", "exactly one of day-of-month"),
        ("cron(61 9 ? * MON *)", "minutes 61 is outside 0..59"),
        ("cron(0 9 ? * FUNDAY *)", "day-of-week 'FUNDAY'"),
    ],
)
def test_a_bad_expression_is_an_error_naming_it(expression: str, problem: str) -> None:
    with pytest.raises(taskhawk.ConfigurationError, match=problem) as raised:
        periodic(expression)
    assert repr(expression) in str(raised.value)


def test_bad_declarations_are_refused_at_once() -> None:
    with pytest.raises(taskhawk.ConfigurationError, match="not an IANA time zone"):
        periodic("rate(1 hour)", timezone="Mars/Olympus")
    with pytest.raises(taskhawk.ConfigurationError, match=r"above @taskhawk\.task"):
        periodic("rate(1 hour)")(print)  # type: ignore[type-var]
    with pytest.raises(taskhawk.ConfigurationError, match=r"periodic\.tick"):
        periodic("rate(1 hour)", kwargs={"nope": 1})(tick)  # the task cannot take it
    with pytest.raises(taskhawk.ConfigurationError, match="1-64 letters"):
        periodic("rate(1 hour)", args=[1], name="has spaces")(tick)


def test_several_schedules_per_task_each_registered() -> None:
    periodic("cron(0 9 ? * MON-FRI *)", timezone="Europe/Paris", args=[1])(tick)
    periodic("rate(5 minutes)", args=[2], kwargs={"label": "x"}, priority="high",
             headers={"source": "beat"}, name="tick-often")(tick)  # fmt: skip
    schedules = {s.expression: s for s in registered_schedules().values()}
    paris = schedules["cron(0 9 ? * MON-FRI *)"]
    assert paris.timezone == "Europe/Paris" and paris.priority is Priority.default
    assert paris.name.startswith("periodic.tick-")
    often = registered_schedules()["tick-often"]
    assert often.priority is Priority.high and often.headers == {"source": "beat"}
    with pytest.raises(taskhawk.ConfigurationError, match="already declared"):
        periodic("rate(6 minutes)", args=[3], name="tick-often")(tick)


def test_the_firing_template_is_a_message_once_scheduler_fills_it_in() -> None:
    schedule = Periodic("s", "periodic.tick", "rate(1 hour)", args=(1,), headers={"a": "b"})
    template = schedule.template(fifo=False)
    assert "<aws.scheduler.execution-id>" in template
    assert "<aws.scheduler.execution-id>" not in schedule.template(fifo=True)
    message = decode(_fill(template))
    assert message.id == schedule.message_id
    assert message.metadata.timestamp == SCHEDULED_MS
    assert message.headers["scheduler.schedule-arn"].startswith("arn:aws:scheduler:")
    assert (message.task, list(message.args), message.headers["a"]) == ("periodic.tick", [1], "b")


def test_the_template_is_what_the_firing_schema_describes() -> None:
    schema = json.loads((ROOT / "schema" / "firing" / "1.0" / "firing.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    schedule = Periodic("s", "periodic.tick", "rate(1 hour)", args=(1,), headers={"a": "b"})
    for fifo in (False, True):
        validator.validate(json.loads(schedule.template(fifo=fifo)))
    wrong = json.loads(schedule.template(fifo=False))
    wrong["metadata"]["timestamp"] = 1
    assert not validator.is_valid(wrong)


@pytest.fixture
def consuming() -> Iterator[tuple[MemoryTransport, FakeClock]]:
    fake = FakeClock(SCHEDULED_MS / 1000 + 5)
    transport = MemoryTransport(clock=fake)
    transport.create_queue(QUEUE)
    taskhawk.configure(TASKHAWK_QUEUE="APP", TASKHAWK_PERIODIC_MAX_LATENESS_S=60)
    with clock.use_clock(fake), use_transport(transport):
        yield transport, fake


def test_duplicate_firings_run_once(consuming: tuple[MemoryTransport, FakeClock]) -> None:
    transport, _ = consuming
    periodic("rate(1 hour)", args=[7], name="hourly")(tick)
    template = registered_schedules()["hourly"].template(fifo=False)
    for execution in ("first", "retried"):  # Scheduler retried a send whose answer it lost
        _deliver(transport, _fill(template, execution_id=execution))
    _deliver(transport, _fill(template, scheduled="2026-12-07T05:00:00.000Z"))  # same moment
    _consume(transport)
    assert runs == [7]
    _deliver(transport, _fill(template, scheduled="2026-12-07T05:00:04Z"))  # the next firing
    _consume(transport)
    assert runs == [7, 7]
    assert transport.bodies(QUEUE) == []


def test_a_failed_firing_is_retried_not_taken_for_a_duplicate(
    consuming: tuple[MemoryTransport, FakeClock],
) -> None:
    transport, fake = consuming
    attempts: list[int] = []

    @taskhawk.task(name="periodic.flaky")
    def flaky() -> None:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("first attempt fails")

    periodic("rate(1 hour)", name="flaky")(flaky)
    _deliver(transport, _fill(registered_schedules()["flaky"].template(fifo=False)))
    _consume(transport)
    fake.advance(31)  # the retry backoff
    _consume(transport)
    assert len(attempts) == 2


def test_a_late_firing_expires(consuming: tuple[MemoryTransport, FakeClock]) -> None:
    transport, fake = consuming
    periodic("rate(1 hour)", args=[1], name="late")(tick)
    fake.advance(61)
    _deliver(transport, _fill(registered_schedules()["late"].template(fifo=False)))
    _consume(transport)
    assert runs == []
    assert transport.bodies(QUEUE) == []


def _fill(
    template: str, *, scheduled: str = SCHEDULED, execution_id: str = "d32c5kddcf5bb8c3"
) -> str:
    """What Scheduler does at a firing: each context attribute replaced by its value."""
    filled = (
        template.replace("<aws.scheduler.scheduled-time>", scheduled)
        .replace("<aws.scheduler.execution-id>", execution_id)
        .replace(
            "<aws.scheduler.schedule-arn>", "arn:aws:scheduler:us-east-1:123456789012:schedule/g/s"
        )
    )
    json.loads(filled)
    return filled


def _deliver(transport: MemoryTransport, body: str) -> None:
    key = f"k{len(transport.sent)}"
    transport.send(Destination("queue", QUEUE), [OutgoingMessage(key, body, {})])


def _consume(transport: MemoryTransport) -> None:
    del transport
    Consumer([Priority.default], num_messages=10).poll(0, wait_s=0)
