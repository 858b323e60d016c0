"""`taskhawk worker` as a user starts it: the banner, Django projects, and logging (JSON lines,
debug details, and the user's own configuration honoured by every worker process)."""

from __future__ import annotations

import json
import logging
import signal
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

import taskhawk
from taskhawk.logs import JsonFormatter, KeyValueFormatter
from tests.conftest import aws_settings, create_queues
from tests.support.cli import Running, clean_env, run_cli, write_app

pytestmark = pytest.mark.integration


@pytest.fixture
def app(moto_endpoint: str, tmp_path: Path) -> tuple[Path, str]:
    queue = f"W{uuid.uuid4().hex[:10].upper()}"
    create_queues(moto_endpoint, queue)
    return write_app(tmp_path, moto_endpoint, queue), queue


@pytest.fixture
def running() -> Iterator[list[Running]]:
    started: list[Running] = []
    yield started
    for command in started:
        command.kill()


def send_email_message(endpoint: str, queue: str, name: str = "tasks.send_email") -> str:
    """Dispatch one message as the app would, from this process."""
    taskhawk.configure(aws_settings(endpoint, queue))

    @taskhawk.task(name=name)
    def send_email(to: str, subject: str) -> None: ...

    return send_email.dispatch("ada@example.com", "Welcome!")


def test_the_banner_lists_settings_endpoint_queues_and_tasks(
    app: tuple[Path, str], moto_endpoint: str, running: list[Running]
) -> None:
    directory, queue = app
    args = ["worker", "--settings", "settings", "--import", "tasks", "--priority", "high"]
    worker = Running([*args, "--priority", "default"], directory, clean_env())
    running.append(worker)
    worker.wait_for("consumer listening on")
    lines = worker.stdout.splitlines()
    assert lines[:3] == [
        f"taskhawk {taskhawk.__version__} worker",
        "  settings   SETTINGS_MODULE=settings",
        f"  endpoint   {moto_endpoint} (region us-east-1)",
    ]
    assert lines[3] == (
        f"  queues     high: TASKHAWK-{queue}-HIGH-PRIORITY "
        f"(dead letters: TASKHAWK-{queue}-HIGH-PRIORITY-DLQ)"
    )
    assert lines[5:] == [
        "  processes  1, 1 message per receive",
        "[tasks]",
        "  . tasks.send_email (default)",
    ]
    send_email_message(moto_endpoint, queue)
    worker.wait_for("sending 'Welcome!' to ada@example.com", stream="stdout")
    assert worker.stop() == 0


def test_log_format_json_writes_one_object_per_line_with_the_text_fields(
    app: tuple[Path, str], moto_endpoint: str, running: list[Running]
) -> None:
    directory, queue = app
    args = ["worker", "--settings", "settings", "--import", "tasks", "--log-format", "json"]
    worker = Running([*args, "--log-level", "DEBUG"], directory, clean_env())
    running.append(worker)
    worker.wait_for('"message": "consumer listening on')
    message_id = send_email_message(moto_endpoint, queue)
    worker.wait_for("task succeeded")  # at DEBUG, TASKHAWK_SUCCESS_LOG_LEVEL's default
    assert worker.stop() == 0
    entries = [json.loads(line) for line in worker.stderr.splitlines()]
    (outcome,) = [e for e in entries if e["message"].startswith("task succeeded")]
    (summary,) = [e for e in entries if e["message"].startswith("tasks in the last")]
    assert (summary["level"], summary["handled"], summary["succeeded"]) == ("INFO", 1, 1)
    assert outcome["level"] == "DEBUG" and outcome["logger"] == "taskhawk.consumer"
    assert outcome["process"] == "taskhawk-worker-1"
    assert outcome["task"] == "tasks.send_email" and outcome["message_id"] == message_id
    assert outcome["queue"] == f"TASKHAWK-{queue}"


def test_json_and_text_lines_carry_the_same_fields() -> None:
    record = logging.makeLogRecord(
        {"msg": "task failed: %s", "args": ("t",), "name": "taskhawk.consumer",
         "levelname": "ERROR", "levelno": logging.ERROR, "processName": "taskhawk-worker-1",
         "task": "t", "queue": "Q 1", "level": "user field"}
    )  # fmt: skip
    text = KeyValueFormatter("%(levelname)s [%(processName)s] %(name)s: %(message)s").format(record)
    entry = json.loads(JsonFormatter().format(record))
    assert text == (
        "ERROR [taskhawk-worker-1] taskhawk.consumer: task failed: t | task=t queue='Q 1' "
        "level='user field'"
    )
    assert {k: entry[k] for k in ("level", "process", "logger", "message")} == {
        "level": "ERROR", "process": "taskhawk-worker-1", "logger": "taskhawk.consumer",
        "message": "task failed: t",
    }  # fmt: skip
    assert (entry["task"], entry["queue"], entry["extra_level"]) == ("t", "Q 1", "user field")


def test_debug_shows_the_settings_source_endpoint_and_registered_tasks(
    app: tuple[Path, str], moto_endpoint: str, running: list[Running]
) -> None:
    directory, _ = app
    args = ["worker", "--settings", "settings", "--import", "tasks", "--log-level", "debug"]
    worker = Running(args, directory, clean_env())
    running.append(worker)
    worker.wait_for("consumer listening on")
    assert worker.stop() == 0
    log = worker.stderr
    assert "taskhawk.settings: settings read from SETTINGS_MODULE=settings" in log
    assert f"sqs_endpoint={moto_endpoint}" in log
    assert "taskhawk.worker: registered tasks: tasks.send_email" in log
    assert "SECRET" not in log.upper().replace("AWS_SECRET_KEY", "")


def test_worker_processes_use_the_users_log_config(
    app: tuple[Path, str], moto_endpoint: str, running: list[Running]
) -> None:
    directory, queue = app
    config = {
        "version": 1,
        "formatters": {"mine": {"format": "MINE %(processName)s %(name)s %(message)s"}},
        "handlers": {
            "file": {
                "class": "logging.FileHandler",
                "filename": str(directory / "mine.log"),
                "formatter": "mine",
            }
        },
        "root": {"level": "INFO", "handlers": ["file"]},
    }
    (directory / "logging.json").write_text(json.dumps(config))
    args = ["worker", "--settings", "settings", "--import", "tasks", "--log-config", "logging.json"]
    worker = Running(args, directory, clean_env())
    running.append(worker)
    worker.wait_for("[tasks]", stream="stdout")
    send_email_message(moto_endpoint, queue)
    worker.wait_for("sending 'Welcome!'", stream="stdout")
    assert worker.stop() == 0
    mine = (directory / "mine.log").read_text()
    summary = "MINE taskhawk-worker-1 taskhawk.consumer tasks in the last "
    assert summary in mine and "1 handled: tasks.send_email succeeded=1" in mine
    assert "MINE MainProcess taskhawk.worker worker stopped" in mine
    assert "tasks in the last" not in worker.stderr  # nothing of taskhawk's own set-up


DJANGO_SETTINGS = """
INSTALLED_APPS = ["shop"]
DATABASES = {{"default": {{"ENGINE": "django.db.backends.sqlite3", "NAME": {db!r}}}}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
SECRET_KEY = "django-test-only"
USE_TZ = True
LOGGING = {{
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {{"file": {{"class": "logging.FileHandler", "filename": {log!r}}}}},
    "loggers": {{"taskhawk": {{"handlers": ["file"], "level": "INFO"}}}},
}}
TASKHAWK_QUEUE = {queue!r}
AWS_REGION = "us-east-1"
AWS_ACCESS_KEY = "testing"
AWS_SECRET_KEY = "testing"
AWS_ENDPOINT_SQS = {endpoint!r}
AWS_ENDPOINT_SNS = {endpoint!r}
"""
DJANGO_TASKS = """
import taskhawk

from shop.models import Order  # needs the app registry: django.setup() must have run


@taskhawk.task
def send_email(to: str, subject: str) -> None:
    print(f"sending {subject!r} to {to}; {Order._meta.label} is ready", flush=True)
"""


def test_a_django_project_is_set_up_before_its_tasks_are_imported(
    moto_endpoint: str, tmp_path: Path, running: list[Running]
) -> None:
    queue = f"D{uuid.uuid4().hex[:10].upper()}"
    create_queues(moto_endpoint, queue)
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "__init__.py").write_text("")
    (tmp_path / "proj" / "settings.py").write_text(
        DJANGO_SETTINGS.format(
            db=str(tmp_path / "db.sqlite3"),
            log=str(tmp_path / "django.log"),
            queue=queue,
            endpoint=moto_endpoint,
        )
    )
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "__init__.py").write_text("")
    (tmp_path / "shop" / "models.py").write_text(
        "from django.db import models\n\n\nclass Order(models.Model):\n"
        "    name = models.CharField(max_length=20)\n"
    )
    (tmp_path / "shop" / "tasks.py").write_text(DJANGO_TASKS)
    # Read as a plain settings module, Django is never set up: the error says what to set.
    plain = run_cli("worker", "--settings", "proj.settings", "--import", "shop.tasks", cwd=tmp_path)
    assert plain.returncode == 2
    assert "task module shop.tasks cannot be imported: ImproperlyConfigured" in plain.stderr
    assert "shop/models.py, line 4" in plain.stderr
    assert "set DJANGO_SETTINGS_MODULE, and the worker runs django.setup() first" in plain.stderr
    env = clean_env(DJANGO_SETTINGS_MODULE="proj.settings")
    worker = Running(["worker", "--import", "shop.tasks"], tmp_path, env)
    running.append(worker)
    worker.wait_for("[tasks]", stream="stdout")
    assert "  settings   Django settings" in worker.stdout
    assert "  . shop.tasks.send_email (default)" in worker.stdout
    send_email_message(moto_endpoint, queue, name="shop.tasks.send_email")
    worker.wait_for("shop.Order is ready", stream="stdout")
    assert worker.stop(signal.SIGINT) == 0
    # The project's LOGGING reached the worker process that ran the task.
    assert "1 handled: shop.tasks.send_email succeeded=1" in (tmp_path / "django.log").read_text()


def test_a_redrive_policy_that_disagrees_with_the_setting_is_a_warning_at_start(
    moto_endpoint: str, tmp_path: Path, running: list[Running]
) -> None:
    queue = f"W{uuid.uuid4().hex[:10].upper()}"
    create_queues(moto_endpoint, queue, max_receive_count=6)  # the setting says 4
    directory = write_app(tmp_path, moto_endpoint, queue)
    worker = Running(
        ["worker", "--settings", "settings", "--import", "tasks"], directory, clean_env()
    )
    running.append(worker)
    worker.wait_for("consumer listening on")
    assert (
        f"queue TASKHAWK-{queue} dead-letters a message after 6 receives but "
        "TASKHAWK_MAX_RECEIVE_COUNT is 4, so failure lines would misname the last attempt: "
        "set it to 6, or run taskhawk provision to apply 4"
    ) in worker.stderr
    assert worker.stop() == 0
