"""`taskhawk provision` round-trips periodic tasks' EventBridge Scheduler schedules through the
local endpoint (real boto3 over HTTP): created, changed, removed, a dry run changing nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

import taskhawk
from taskhawk.admin.schedules import provision_schedules
from taskhawk.periodic import Periodic
from taskhawk.priority import Priority
from taskhawk.settings import Settings, get_settings
from tests.conftest import ACCOUNT_ID, aws_settings, boto_client

ROLE = f"arn:aws:iam::{ACCOUNT_ID}:role/taskhawk-scheduler"


@taskhawk.task(name="schedules.cleanup")
def cleanup(days: int) -> None:
    del days


def _settings(moto_endpoint: str, urls: dict[str, str], **extra: Any) -> Settings:
    app = next(name for name in urls if not name.endswith("-DLQ") and "-" not in name[9:])
    scheduler = {"AWS_ENDPOINT_SCHEDULER": moto_endpoint, "TASKHAWK_SCHEDULER_ROLE_ARN": ROLE}
    taskhawk.configure(
        aws_settings(moto_endpoint, app.removeprefix("TASKHAWK-"), **scheduler | extra)
    )
    return get_settings()


def _every(minutes: int, name: str = "cleanup", **extra: Any) -> Periodic:
    return Periodic(name, "schedules.cleanup", f"rate({minutes} minutes)", args=(30,), **extra)


def _stored(settings: Settings, endpoint: str) -> dict[str, dict[str, Any]]:
    scheduler = boto_client("scheduler", endpoint)
    group = settings.names.schedule_group()
    names = [s["Name"] for s in scheduler.list_schedules(GroupName=group)["Schedules"]]
    return {name: scheduler.get_schedule(GroupName=group, Name=name) for name in names}


@pytest.fixture
def settings(aws: dict[str, str], moto_endpoint: str) -> Settings:
    return _settings(moto_endpoint, aws)


def test_provision_creates_a_schedule_and_a_rerun_keeps_it(
    settings: Settings, moto_endpoint: str
) -> None:
    schedule = _every(5, timezone="Europe/Paris", priority=Priority.high)
    (created,) = provision_schedules(settings, schedules=[schedule])
    assert (created.action, created.name) == ("create", "cleanup")
    stored = _stored(settings, moto_endpoint)["cleanup"]
    assert stored["ScheduleExpression"] == "rate(5 minutes)"
    assert stored["ScheduleExpressionTimezone"] == "Europe/Paris"
    target = stored["Target"]
    assert target["Arn"].endswith(":" + settings.names.queue(Priority.high))
    assert target["RoleArn"] == ROLE
    assert target["DeadLetterConfig"]["Arn"].endswith(settings.names.scheduler_dead_letter_queue())
    assert json.loads(target["Input"])["metadata"]["timestamp"] == "<aws.scheduler.scheduled-time>"
    assert target["Input"] == schedule.template(fifo=False)
    (kept,) = provision_schedules(settings, schedules=[schedule])
    assert kept.action == "keep" and str(kept).endswith("(up to date)")


def test_provision_updates_a_changed_schedule(settings: Settings, moto_endpoint: str) -> None:
    provision_schedules(settings, schedules=[_every(5)])
    (changed,) = provision_schedules(settings, schedules=[_every(10)])
    assert changed.action == "update"
    assert "ScheduleExpression rate(5 minutes) -> rate(10 minutes)" in changed.changes
    stored = _stored(settings, moto_endpoint)["cleanup"]
    assert stored["ScheduleExpression"] == "rate(10 minutes)"


def test_provision_deletes_a_schedule_no_longer_declared(
    settings: Settings, moto_endpoint: str
) -> None:
    provision_schedules(settings, schedules=[_every(5), _every(7, name="other")])
    plan = provision_schedules(settings, schedules=[_every(5)])
    assert [(c.action, c.name) for c in plan] == [("keep", "cleanup"), ("delete", "other")]
    assert set(_stored(settings, moto_endpoint)) == {"cleanup"}
    assert [c.action for c in provision_schedules(settings, schedules=[])] == ["delete"]
    assert _stored(settings, moto_endpoint) == {}


def test_a_dry_run_prints_the_diff_and_changes_nothing(
    settings: Settings, moto_endpoint: str
) -> None:
    provision_schedules(settings, schedules=[_every(5)])
    plan = provision_schedules(settings, dry_run=True, schedules=[_every(10), _every(1, "new")])
    assert [(c.action, c.name) for c in plan] == [("update", "cleanup"), ("create", "new")]
    assert set(_stored(settings, moto_endpoint)) == {"cleanup"}
    stored = _stored(settings, moto_endpoint)["cleanup"]
    assert stored["ScheduleExpression"] == "rate(5 minutes)"


def test_a_fifo_app_groups_firings_by_schedule_and_needs_content_deduplication(
    aws: dict[str, str], moto_endpoint: str
) -> None:
    settings = _settings(moto_endpoint, aws, TASKHAWK_FIFO=True)
    with pytest.raises(taskhawk.ConfigurationError, match="CONTENT_BASED_DEDUPLICATION"):
        provision_schedules(settings, dry_run=True, schedules=[_every(5)])
    settings = _settings(
        moto_endpoint, aws, TASKHAWK_FIFO=True, TASKHAWK_FIFO_CONTENT_BASED_DEDUPLICATION=True
    )
    (plan,) = provision_schedules(settings, dry_run=True, schedules=[_every(5)])
    assert plan.action == "create"
    settings = _settings(
        moto_endpoint, aws, TASKHAWK_FIFO=True, IS_LAMBDA_APP=True,
        TASKHAWK_FIFO_CONTENT_BASED_DEDUPLICATION=True,
    )  # fmt: skip
    with pytest.raises(taskhawk.ConfigurationError, match="FIFO Lambda app"):
        provision_schedules(settings, dry_run=True, schedules=[_every(5)])


def test_periodic_tasks_need_the_scheduler_role(aws: dict[str, str], moto_endpoint: str) -> None:
    settings = _settings(moto_endpoint, aws, TASKHAWK_SCHEDULER_ROLE_ARN=None)
    with pytest.raises(taskhawk.ConfigurationError, match="TASKHAWK_SCHEDULER_ROLE_ARN"):
        provision_schedules(settings, schedules=[_every(5)])
    assert provision_schedules(settings, schedules=[]) == []
