"""The dev-server's stand-in for EventBridge Scheduler: it fires the schedules it stores.

The local endpoint (moto) keeps the schedules `taskhawk provision` creates but never fires them,
so `taskhawk dev-server` asks it for them every second and sends each due firing itself: the
schedule's input with the context attributes filled in, to its target queue (with the target's
message group) or topic, and to its dead-letter queue when that send fails.

An emulation, not Scheduler: a `rate(...)` schedule fires when the dev-server first sees it and
then every period; a `cron(...)` schedule fires at the minutes it names in its time zone, but
never for `L`, `W` or `#` (last day, weekday, nth weekday). Nothing is retried, flexible time
windows, start and end dates and the retry policy are ignored, and firings missed while the
dev-server was not running are never sent.
"""

from __future__ import annotations

import logging
import secrets
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from taskhawk.periodic_expressions import check_expression, cron_matches

__all__ = ["Firing", "ScheduleFirer"]

logger = logging.getLogger("taskhawk.devserver")
_MINUTE = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class Firing:
    schedule: str  # group/name
    scheduled: datetime
    target: str  # the target's ARN
    delivered: bool

    def __str__(self) -> str:
        where = self.target.rsplit(":", 1)[-1]
        state = "" if self.delivered else " (failed: dead-lettered)"
        return f"fired schedule {self.schedule} at {_iso(self.scheduled)} -> {where}{state}"


class ScheduleFirer:
    """Fires the endpoint's schedules as they fall due; `fire_due(now)` once a second."""

    def __init__(self, client: Callable[[str], Any]) -> None:
        self._scheduler = client("scheduler")
        self._sqs = client("sqs")
        self._sns = client("sns")
        self._next_rate: dict[tuple[str, str, str], datetime] = {}
        self._last_minute: datetime | None = None

    def fire_due(self, now: datetime) -> list[Firing]:
        """Every firing due since the last call (the first call: rate schedules only)."""
        minutes = self._minutes_since_last(now)
        fired: list[Firing] = []
        for key, schedule in self._schedules():
            for moment in self._due(key, schedule, now, minutes):
                fired.append(self._fire(key, schedule, moment))
        return fired

    def _minutes_since_last(self, now: datetime) -> list[datetime]:
        minute = now.replace(second=0, microsecond=0)
        last, self._last_minute = self._last_minute, minute
        if last is None:
            return [minute] if now.second == 0 else []
        found, moment = [], last + _MINUTE
        while moment <= minute:
            found.append(moment)
            moment += _MINUTE
        return found

    def _schedules(self) -> list[tuple[str, dict[str, Any]]]:
        found = []
        for group in self._scheduler.list_schedule_groups().get("ScheduleGroups", []):
            listed = self._scheduler.list_schedules(GroupName=group["Name"])
            for summary in listed.get("Schedules", []):
                name = summary["Name"]
                schedule = self._scheduler.get_schedule(GroupName=group["Name"], Name=name)
                if schedule.get("State", "ENABLED") == "ENABLED":
                    found.append((f"{group['Name']}/{name}", schedule))
        return found

    def _due(
        self, key: str, schedule: dict[str, Any], now: datetime, minutes: list[datetime]
    ) -> list[datetime]:
        expression = schedule["ScheduleExpression"]
        rate = check_expression(expression)
        if rate is None:
            zone = zoneinfo.ZoneInfo(schedule.get("ScheduleExpressionTimezone") or "UTC")
            return [m for m in minutes if cron_matches(expression, m.astimezone(zone))]
        slot = (key, expression, str(rate.seconds))
        due = self._next_rate.setdefault(slot, now)
        fired = []
        while due <= now:
            fired.append(due)
            due += timedelta(seconds=rate.seconds)
        self._next_rate[slot] = due
        return fired

    def _fire(self, key: str, schedule: dict[str, Any], moment: datetime) -> Firing:
        target = schedule["Target"]
        body = _fill(target.get("Input", ""), schedule["Arn"], moment)
        try:
            self._send(target["Arn"], body, target.get("SqsParameters", {}).get("MessageGroupId"))
            firing = Firing(key, moment, target["Arn"], delivered=True)
        except Exception as error:  # the emulation reports it and dead-letters, as Scheduler
            dead_letters = target.get("DeadLetterConfig", {}).get("Arn")
            logger.warning("schedule %s: firing not delivered: %s", key, error)
            if dead_letters:
                self._send(dead_letters, body, None)
            firing = Firing(key, moment, target["Arn"], delivered=False)
        return firing

    def _send(self, arn: str, body: str, group: str | None) -> None:
        extra = {} if group is None else {"MessageGroupId": group}
        if arn.startswith("arn:aws:sns:"):
            self._sns.publish(TopicArn=arn, Message=body, **extra)
            return
        url = self._sqs.get_queue_url(QueueName=arn.rsplit(":", 1)[-1])["QueueUrl"]
        self._sqs.send_message(QueueUrl=url, MessageBody=body, **extra)


def _fill(template: str, schedule_arn: str, moment: datetime) -> str:
    """The input with Scheduler's context attributes replaced, as Scheduler does."""
    values = {
        "<aws.scheduler.scheduled-time>": _iso(moment),
        "<aws.scheduler.execution-id>": secrets.token_hex(8),
        "<aws.scheduler.schedule-arn>": schedule_arn,
        "<aws.scheduler.attempt-number>": "1",
    }
    for placeholder, value in values.items():
        template = template.replace(placeholder, value)
    return template


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
