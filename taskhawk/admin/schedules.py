"""`taskhawk provision` for periodic tasks: the app's EventBridge Scheduler schedules.

One schedule group per app (`taskhawk-<app>`) holds one schedule per declared `@periodic`;
provisioning creates what is missing, updates what differs, and deletes what is no longer
declared, so a rerun changes nothing. A dry run says the same without changing anything. Each
schedule's target is its priority's queue (the topic, for Lambda apps), with the firing message
of `taskhawk.periodic` as its input; a firing Scheduler cannot deliver goes to the app's
scheduler dead-letter queue, `TASKHAWK-<APP>-SCHEDULER-DLQ`, once its retries are spent or it is
older than TASKHAWK_PERIODIC_MAX_LATENESS_S (a later one would expire unrun anyway).

Scheduler sends as the IAM role TASKHAWK_SCHEDULER_ROLE_ARN, which must be allowed to send to
the queues (or publish to the topics) and to the scheduler dead-letter queue; provisioning does
not create IAM roles. An app with no `@periodic` and no role set never calls Scheduler; with the
role set, its last schedules are deleted once their declarations are.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from taskhawk.admin.aws_admin import AWSAdmin
from taskhawk.admin.schedule_calls import SchedulerCalls
from taskhawk.exceptions import ConfigurationError
from taskhawk.periodic import Periodic, registered_schedules
from taskhawk.settings import Settings
from taskhawk.transport.limits import MAX_SCHEDULER_EVENT_AGE_S, MAX_SCHEDULER_RETRIES

__all__ = ["ScheduleChange", "plan_schedules", "provision_schedules"]

_MIN_EVENT_AGE_S = 60  # the shortest MaximumEventAgeInSeconds Scheduler accepts


@dataclass(frozen=True, slots=True)
class ScheduleChange:
    """What provisioning does (or, in a dry run, would do) to one schedule."""

    action: str  # "create", "update", "delete", "keep"
    name: str
    changes: tuple[str, ...] = ()

    def __str__(self) -> str:
        done = {"create": "created", "update": "updated", "delete": "deleted", "keep": "up to date"}
        state = done[self.action]
        if self.changes:
            state += ": " + "; ".join(self.changes)
        return f"{'schedule':<17} {self.name} ({state})"


def provision_schedules(
    settings: Settings,
    *,
    dry_run: bool = False,
    schedules: Iterable[Periodic] | None = None,
) -> list[ScheduleChange]:
    """Bring the app's schedule group in line with the declared schedules; what changed."""
    declared = list(registered_schedules().values() if schedules is None else schedules)
    if not declared and not settings.taskhawk_scheduler_role_arn:
        return []  # an app that never used Scheduler needs no permission to ask it anything
    calls = SchedulerCalls(AWSAdmin(settings))
    group = settings.names.schedule_group()
    if not declared and not calls.group_exists(group):
        return []
    wanted = _wanted(declared, settings, calls, dry_run) if declared else {}
    if not dry_run:
        calls.ensure_group(group)
    existing = calls.schedules(group) if calls.group_exists(group) else {}
    plan = plan_schedules(wanted, existing)
    if not dry_run:
        for change in plan:
            _apply(calls, group, change, wanted)
    return plan


def plan_schedules(
    wanted: Mapping[str, dict[str, Any]], existing: Mapping[str, dict[str, Any]]
) -> list[ScheduleChange]:
    """Each schedule's change, by name: created, updated (saying what differs), deleted, kept."""
    plan: list[ScheduleChange] = []
    for name in sorted({*wanted, *existing}):
        if name not in existing:
            plan.append(ScheduleChange("create", name))
        elif name not in wanted:
            plan.append(ScheduleChange("delete", name))
        else:
            changes = _differences(existing[name], wanted[name])
            plan.append(ScheduleChange("update" if changes else "keep", name, changes))
    return plan


def _apply(
    calls: SchedulerCalls, group: str, change: ScheduleChange, wanted: Mapping[str, Any]
) -> None:
    actions: dict[str, Callable[[], None]] = {
        "create": lambda: calls.create(group, change.name, wanted[change.name]),
        "update": lambda: calls.update(group, change.name, wanted[change.name]),
        "delete": lambda: calls.delete(group, change.name),
    }
    if change.action in actions:
        actions[change.action]()


def _wanted(
    declared: list[Periodic], settings: Settings, calls: SchedulerCalls, dry_run: bool
) -> dict[str, dict[str, Any]]:
    role = settings.taskhawk_scheduler_role_arn
    if not role:
        raise ConfigurationError(
            "periodic tasks need TASKHAWK_SCHEDULER_ROLE_ARN: the IAM role EventBridge "
            "Scheduler assumes to send their messages"
        )
    fifo = settings.taskhawk_fifo
    if fifo and settings.is_lambda_app:
        raise ConfigurationError(
            "periodic tasks cannot reach a FIFO Lambda app (TASKHAWK_FIFO with IS_LAMBDA_APP): "
            "Scheduler gives an SNS target no message group, which a FIFO topic requires"
        )
    if fifo and not settings.taskhawk_fifo_content_based_deduplication:
        raise ConfigurationError(
            "periodic tasks on a FIFO app need TASKHAWK_FIFO_CONTENT_BASED_DEDUPLICATION = True:"
            " Scheduler sends no deduplication id, so SQS must deduplicate firings by content"
        )
    dead_letters = calls.dead_letter_arn(settings, dry_run=dry_run)
    retry = _retry_policy(settings)
    return {
        schedule.name: _definition(schedule, settings, calls, role, dead_letters, retry)
        for schedule in declared
    }


def _retry_policy(settings: Settings) -> dict[str, int]:
    lateness = settings.taskhawk_periodic_max_lateness_s
    age = MAX_SCHEDULER_EVENT_AGE_S if lateness is None else int(lateness)
    age = min(max(age, _MIN_EVENT_AGE_S), MAX_SCHEDULER_EVENT_AGE_S)
    return {"MaximumEventAgeInSeconds": age, "MaximumRetryAttempts": MAX_SCHEDULER_RETRIES}


def _definition(
    schedule: Periodic,
    settings: Settings,
    calls: SchedulerCalls,
    role: str,
    dead_letters: str,
    retry: dict[str, int],
) -> dict[str, Any]:
    lambda_app = settings.is_lambda_app
    target: dict[str, Any] = {
        "Arn": calls.target_arn(settings, schedule.priority, topic=lambda_app),
        "RoleArn": role,
        "Input": schedule.template(fifo=settings.taskhawk_fifo),
        "DeadLetterConfig": {"Arn": dead_letters},
        "RetryPolicy": retry,
    }
    if settings.taskhawk_fifo and not lambda_app:
        target["SqsParameters"] = {"MessageGroupId": schedule.name}
    return {
        "ScheduleExpression": schedule.expression,
        "ScheduleExpressionTimezone": schedule.timezone,
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "State": "ENABLED",
        "Description": f"taskhawk periodic task {schedule.task}",
        "Target": target,
    }


def _differences(current: Mapping[str, Any], wanted: Mapping[str, Any]) -> tuple[str, ...]:
    """In words, each managed field whose value differs: `ScheduleExpression rate(5 minutes) ->
    rate(10 minutes)`; the input says only that it changed (it can be long)."""
    found: list[str] = []
    for key, value in wanted.items():
        if key == "Target":
            found.extend(_differences(current.get("Target") or {}, value))
        elif current.get(key) != value:
            found.append(
                f"{key} changed" if key == "Input" else f"{key} {current.get(key)} -> {value}"
            )
    return tuple(found)
