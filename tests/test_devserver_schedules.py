"""The dev-server fires the schedules `taskhawk provision` stored on the local endpoint (which
stores them but never fires them), and a worker runs the periodic task."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

import taskhawk
from taskhawk import Priority
from taskhawk.admin.schedule_firing import ScheduleFirer
from taskhawk.admin.schedules import provision_schedules
from taskhawk.consume.firing_guard import forget_firings
from taskhawk.consume.sqs import Consumer
from taskhawk.periodic import Periodic, periodic, registered_schedules, unregister_schedules
from taskhawk.settings import get_settings
from tests.conftest import aws_settings, boto_client
from tests.support.cli import Running, clean_env, run_cli

ROLE = "arn:aws:iam::123456789012:role/taskhawk-scheduler"
T0 = datetime(2026, 12, 7, 9, 0, 30, tzinfo=timezone.utc)
ran: list[tuple[str, int]] = []


@taskhawk.task(name="firing.tick")
def tick(label: str, *, metadata: taskhawk.Metadata | None = None) -> None:
    assert metadata is not None
    ran.append((label, metadata.timestamp))


def _app(urls: dict[str, str]) -> str:
    name = next(name for name in urls if not name.endswith("-DLQ") and "-" not in name[9:])
    return name.removeprefix("TASKHAWK-")


def test_the_firer_sends_each_due_firing_and_the_task_runs_once_per_firing(
    aws: dict[str, str], moto_endpoint: str
) -> None:
    ran.clear()
    forget_firings()
    taskhawk.configure(
        aws_settings(
            moto_endpoint,
            _app(aws),
            AWS_ENDPOINT_SCHEDULER=moto_endpoint,
            TASKHAWK_SCHEDULER_ROLE_ARN=ROLE,
            TASKHAWK_PERIODIC_MAX_LATENESS_S=None,  # the firings are dated T0, long ago
        )
    )
    settings = get_settings()
    group = settings.names.schedule_group()
    schedules = [
        Periodic("rate", "firing.tick", "rate(1 minute)", args=("rate",)),
        Periodic("cron", "firing.tick", "cron(* * * * ? *)", args=("cron",)),
        Periodic("paused", "firing.tick", "cron(0 0 1 1 ? 2199)", args=("never",)),
    ]
    provision_schedules(settings, schedules=schedules)
    firer = ScheduleFirer(lambda service: boto_client(service, moto_endpoint))

    def fired(now: datetime) -> list[str]:
        mine = [f for f in firer.fire_due(now) if f.schedule.startswith(f"{group}/")]
        assert all(f.delivered for f in mine)
        return sorted(f"{f.schedule.split('/')[1]}@{f.scheduled:%H:%M:%S}" for f in mine)

    assert fired(T0) == ["rate@09:00:30"]  # a rate schedule fires when first seen
    assert fired(T0 + timedelta(seconds=20)) == []
    assert fired(T0 + timedelta(seconds=61)) == ["cron@09:01:00", "rate@09:01:30"]
    Consumer([Priority.default], num_messages=10).poll(0, wait_s=1)
    Consumer([Priority.default], num_messages=10).poll(0, wait_s=0)
    t0_ms = int(T0.timestamp() * 1000)
    assert sorted(ran) == [("cron", t0_ms + 30_000), ("rate", t0_ms), ("rate", t0_ms + 60_000)]


def test_a_firing_sent_twice_through_sqs_runs_once(aws: dict[str, str], moto_endpoint: str) -> None:
    """Scheduler retrying a send whose answer it lost: two SQS messages of one firing."""
    ran.clear()
    forget_firings()
    taskhawk.configure(
        aws_settings(moto_endpoint, _app(aws), TASKHAWK_PERIODIC_MAX_LATENESS_S=None)
    )
    schedule = Periodic("twice", "firing.tick", "rate(1 hour)", args=("twice",))
    template = schedule.template(fifo=False)
    sqs = boto_client("sqs", moto_endpoint)
    url = aws["TASKHAWK-" + _app(aws)]
    for execution in ("first-attempt", "second-attempt"):
        body = (
            template.replace("<aws.scheduler.scheduled-time>", "2026-12-07T09:00:00Z")
            .replace("<aws.scheduler.execution-id>", execution)
            .replace(
                "<aws.scheduler.schedule-arn>", "arn:aws:scheduler:us-east-1:1:schedule/g/twice"
            )
        )
        sqs.send_message(QueueUrl=url, MessageBody=body)
    saved = dict(registered_schedules())
    periodic("rate(1 hour)", args=["twice"], name="twice")(tick)  # the worker's declaration
    try:
        for _ in range(2):
            Consumer([Priority.default], num_messages=10).poll(0, wait_s=1)
    finally:
        unregister_schedules(saved)
    assert ran == [("twice", 1796634000000)]
    assert (
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"][
            "ApproximateNumberOfMessages"
        ]
        == "0"
    )


def _dev_server(directory: Path) -> tuple[Running, dict[str, Any]]:
    directory.mkdir()
    args = ["dev-server", "--port", "0", "--queue", "PERIODIC", "--format", "json"]
    server = Running(args, directory, clean_env())
    server.wait_for("# taskhawk dev-server ready", stream="stderr", timeout=60)
    (line,) = [line for line in server.stdout.splitlines() if line.startswith("{")]
    return server, json.loads(line)


@pytest.mark.integration
def test_a_periodic_task_runs_on_the_dev_server(tmp_path: Path) -> None:
    server, values = _dev_server(tmp_path / "server")
    app = tmp_path / "app"
    app.mkdir()
    try:
        settings = "".join(f"{name} = {value!r}\n" for name, value in values.items())
        (app / "settings.py").write_text(settings)
        (app / "ptasks.py").write_text(
            "import taskhawk\n\n\n"
            "@taskhawk.periodic('rate(1 minute)', args=['from the dev-server'])\n"
            "@taskhawk.task\n"
            "def heartbeat(source: str) -> None:\n"
            "    print(f'heartbeat {source}', flush=True)\n"
        )
        listed = run_cli("schedules", "--settings", "settings", "--import", "ptasks", cwd=app)
        assert "ptasks.heartbeat rate(1 minute)" in listed.stdout, listed.stderr
        dry_run = ["provision", "--settings", "settings", "--import", "ptasks", "--dry-run"]
        planned = run_cli(*dry_run, cwd=app)
        assert planned.returncode == 0, planned.stderr
        assert planned.stdout.startswith("would be schedule          ptasks.heartbeat-")
        assert planned.stdout.rstrip().endswith("(created)")
        assert "queue" not in planned.stdout  # a dry run touches no queue
        provisioned = run_cli("provision", "--settings", "settings", "--import", "ptasks", cwd=app)
        assert provisioned.returncode == 0, provisioned.stderr
        assert "schedule          ptasks.heartbeat-" in provisioned.stdout
        server.wait_for("# fired schedule taskhawk-periodic/ptasks.heartbeat-", stream="stdout")
        worker = Running(
            ["worker", "--settings", "settings", "--import", "ptasks"], app, clean_env()
        )
        try:
            worker.wait_for("heartbeat from the dev-server", stream="stdout", timeout=60)
            assert worker.stop() == 0
            assert "ptasks.heartbeat succeeded=" in worker.stderr  # the summary, at its stop
        finally:
            worker.kill()
    finally:
        server.kill()
