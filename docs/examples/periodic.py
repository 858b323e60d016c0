"""Periodic tasks: schedules declared next to the task, provisioned on EventBridge Scheduler."""

import settings

import taskhawk
from taskhawk.admin.schedules import provision_schedules
from taskhawk.periodic import registered_schedules
from taskhawk.settings import get_settings

taskhawk.configure(settings)


@taskhawk.periodic("cron(0 9 ? * MON-FRI *)", timezone="Europe/Paris", kwargs={"days": 30})
@taskhawk.periodic("rate(1 hour)", kwargs={"days": 7}, priority="low", name="purge-hourly")
@taskhawk.task(name="records.purge_old")
def purge_old(days: int) -> None:
    print(f"purging records older than {days} days")


for schedule in registered_schedules().values():
    print(schedule.describe())

# What `taskhawk provision --import records` does for them (after the queues and topics):
for change in provision_schedules(get_settings(), dry_run=True):
    print(f"would be {change}")
for change in provision_schedules(get_settings()):
    print(change)
