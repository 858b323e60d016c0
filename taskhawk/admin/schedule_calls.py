"""The EventBridge Scheduler calls `taskhawk provision` makes, behind the admin AWS boundary.

The `scheduler` client talks to AWS_ENDPOINT_SCHEDULER (a local endpoint in development, such as
moto's server, which serves Scheduler on the same port as SQS). Every failure is one line naming
its cause, as for the queue calls.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from taskhawk.admin.aws_admin import AWSAdmin
from taskhawk.admin.provision import DLQ_RETENTION_S
from taskhawk.priority import Priority
from taskhawk.settings import Settings
from taskhawk.transport.aws_errors import explain
from taskhawk.transport.command_clients import command_client

__all__ = ["MANAGED_FIELDS", "NOT_CREATED", "SchedulerCalls"]

T = TypeVar("T")
MANAGED_FIELDS = (
    "ScheduleExpression",
    "ScheduleExpressionTimezone",
    "FlexibleTimeWindow",
    "State",
    "Description",
    "Target",
)
NOT_CREATED = "(not created yet)"  # an ARN a dry run cannot know


class SchedulerCalls:
    def __init__(self, admin: AWSAdmin) -> None:
        self.admin = admin
        settings = admin.settings
        # One try each, bounded by the timeouts, like the admin's SQS and SNS clients.
        self._client: Any = command_client(
            admin.session, "scheduler", settings.aws_endpoint_scheduler, settings
        )

    def _call(self, doing: str, call: Callable[[], T]) -> T:
        try:
            return call()
        except (ClientError, BotoCoreError) as error:
            raise explain(error, self.admin.settings, doing=doing) from error

    def group_exists(self, group: str) -> bool:
        def lookup() -> bool:
            try:
                self._client.get_schedule_group(Name=group)
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                    return False
                raise
            return True

        return self._call(f"finding schedule group {group}", lookup)

    def ensure_group(self, group: str) -> None:
        if not self.group_exists(group):
            self._call(
                f"creating schedule group {group}",
                lambda: self._client.create_schedule_group(Name=group),
            )

    def schedules(self, group: str) -> dict[str, dict[str, Any]]:
        """Every schedule of the group, by name, with the fields provisioning manages."""
        names: list[str] = []
        pages = self._client.get_paginator("list_schedules")
        for page in self._call(
            f"listing schedules of {group}", lambda: list(pages.paginate(GroupName=group))
        ):
            names.extend(summary["Name"] for summary in page.get("Schedules", []))
        return {name: self._schedule(group, name) for name in names}

    def _schedule(self, group: str, name: str) -> dict[str, Any]:
        found = self._call(
            f"reading schedule {name}",
            lambda: self._client.get_schedule(GroupName=group, Name=name),
        )
        return {key: found[key] for key in MANAGED_FIELDS if key in found}

    def create(self, group: str, name: str, definition: dict[str, Any]) -> None:
        self._call(
            f"creating schedule {name}",
            lambda: self._client.create_schedule(GroupName=group, Name=name, **definition),
        )

    def update(self, group: str, name: str, definition: dict[str, Any]) -> None:
        self._call(
            f"updating schedule {name}",
            lambda: self._client.update_schedule(GroupName=group, Name=name, **definition),
        )

    def delete(self, group: str, name: str) -> None:
        self._call(
            f"deleting schedule {name}",
            lambda: self._client.delete_schedule(GroupName=group, Name=name),
        )

    def target_arn(self, settings: Settings, priority: Priority, *, topic: bool) -> str:
        """The priority's queue ARN (its topic's for Lambda apps); a dry run of a queue that
        does not exist yet says so instead."""
        names = settings.names
        if topic:
            region = self.admin.session.region_name or "us-east-1"
            return f"arn:aws:sns:{region}:{settings.account_id}:{names.topic(priority)}"
        name = names.queue(priority)
        url = self.admin.queue_url(name)
        return NOT_CREATED if url is None else self.admin.queue_arn(name, url)

    def dead_letter_arn(self, settings: Settings, *, dry_run: bool) -> str:
        """The scheduler dead-letter queue's ARN, created first unless this is a dry run."""
        name = settings.names.scheduler_dead_letter_queue()
        if dry_run:
            url = self.admin.queue_url(name)
            return NOT_CREATED if url is None else self.admin.queue_arn(name, url)
        retention = {"MessageRetentionPeriod": str(DLQ_RETENTION_S)}
        return self.admin.ensure_queue(name, retention).arn
