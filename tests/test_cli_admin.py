"""The admin commands as a user runs them: provision saying what it changed, stats, purge, the
dev-server (its output works as printed, a busy port is an error), --version and --help."""

from __future__ import annotations

import argparse
import datetime
import io
import json
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import boto3
import pytest

import taskhawk
from taskhawk.cli import build_parser
from taskhawk.cli.parser import EXIT_STATUS_MEANINGS
from taskhawk.cli.stats_command import run_purge
from taskhawk.priority import Priority
from taskhawk.transport.naming import dead_letter_queue_name, queue_name
from tests.conftest import aws_settings, boto_client, create_queues
from tests.support.cli import Running, clean_env, run_cli, said, write_app

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parent.parent


def app_name() -> str:
    return f"A{uuid.uuid4().hex[:10].upper()}"


def test_version_and_every_option_explained() -> None:
    result = run_cli("--version", cwd=Path.cwd())
    assert (result.returncode, result.stdout) == (0, f"taskhawk {taskhawk.__version__}\n")
    assert run_cli("-V", cwd=Path.cwd()).stdout == result.stdout
    parser = build_parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert set(subparsers.choices) == {
        "worker", "tasks", "requeue-dlq", "provision", "schedules", "stats", "purge", "dev-server",
        "validate",
    }  # fmt: skip
    for name, command in [("taskhawk", parser), *subparsers.choices.items()]:
        for action in command._actions:
            assert action.help and action.help != argparse.SUPPRESS, (name, action.dest)
        if any(option == "--priority" for a in command._actions for option in a.option_strings):
            shown = command.format_help().replace("\n", " ")
            assert all(p.name in shown for p in Priority), name  # the choices are listed
        assert "exit status:\n    0  success" in (command.epilog or ""), name


def test_exit_statuses_are_in_the_help_of_the_real_command() -> None:
    result = run_cli("worker", "--help", cwd=Path.cwd())
    assert result.returncode == 0
    assert "2  usage or configuration error" in result.stdout


def test_help_and_the_operations_page_state_the_same_exit_statuses() -> None:
    """The page renders its table from the list --help prints (taskhawk-exit-statuses), and has
    no hand-written one that could drift."""
    page = (ROOT / "docs" / "usage" / "operations.md").read_text(encoding="utf-8")
    assert "```{taskhawk-exit-statuses}\n```" in page
    assert "| status |" not in page
    shown = " ".join(run_cli("--help", cwd=Path.cwd()).stdout.split())
    for status, meaning in EXIT_STATUS_MEANINGS:
        assert f"{status} {meaning}" in shown


def test_python_dash_m_taskhawk_is_the_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "taskhawk", "--version"], capture_output=True, text=True,
        env=clean_env(), cwd=Path.cwd(), timeout=60, check=False,
    )  # fmt: skip
    assert (result.returncode, result.stdout) == (0, f"taskhawk {taskhawk.__version__}\n")


def test_tasks_lists_priorities_queues_and_signatures_without_starting_a_worker(
    tmp_path: Path,
) -> None:
    (tmp_path / "more_tasks.py").write_text(
        "from __future__ import annotations\n\nimport taskhawk\n\n\n"
        "@taskhawk.task(priority='high', name='billing.charge')\n"
        "def charge(order_id: int, metadata: taskhawk.Metadata, *, cents: int = 0) -> bool:\n"
        "    return True\n"
    )
    write_app(tmp_path, None, "SHOP")  # no endpoint: nothing is asked of AWS
    plain = run_cli("tasks", "--settings", "settings", "--import", "tasks", cwd=tmp_path)
    assert "schedules" not in plain.stdout  # none declared, none listed
    (tmp_path / "more_tasks.py").write_text(
        (tmp_path / "more_tasks.py")
        .read_text()
        .replace(
            "@taskhawk.task(", "@taskhawk.periodic('rate(5 minutes)', args=[7])\n@taskhawk.task("
        )
    )
    result = run_cli("tasks", "--settings", "settings", "--import", "tasks", "--import",
                     "more_tasks", cwd=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    *table, schedule = result.stdout.splitlines()
    assert table == [
        "TASK              PRIORITY  QUEUE                        SIGNATURE",
        "billing.charge    high      TASKHAWK-SHOP-HIGH-PRIORITY  charge(order_id: int, *, cents: "
        "int = 0) -> bool",
        "tasks.send_email  default   TASKHAWK-SHOP                send_email(to: str, subject: "
        "str) -> None",
        "",
        "schedules (1; `taskhawk provision` creates them):",
    ]
    assert re.fullmatch(
        r"  billing\.charge-\w{8}: billing\.charge rate\(5 minutes\) priority=high", schedule
    )
    without_settings = run_cli("tasks", "--import", "more_tasks", cwd=tmp_path, env=clean_env())
    assert without_settings.returncode == 0, without_settings.stderr
    assert "billing.charge  high      (no settings)  charge(" in without_settings.stdout
    nothing = run_cli("tasks", cwd=tmp_path)
    assert nothing.returncode == 2
    assert nothing.stderr.startswith("taskhawk tasks: error: no tasks are registered")


def test_provision_says_what_it_updated(moto_endpoint: str, tmp_path: Path) -> None:
    queue = app_name()
    write_app(tmp_path, moto_endpoint, queue, TASKHAWK_MAX_RECEIVE_COUNT=4)
    first = run_cli("provision", "--settings", "settings", "--priority", "high", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.count("(created)") == 3
    again = run_cli("provision", "--settings", "settings", "--priority", "high", cwd=tmp_path)
    assert again.stdout.count("(up to date)") == 3 and "updated" not in again.stdout
    write_app(tmp_path, moto_endpoint, queue, TASKHAWK_MAX_RECEIVE_COUNT=6)
    changed = run_cli("provision", "--settings", "settings", "--priority", "high", cwd=tmp_path)
    assert changed.returncode == 0, changed.stderr
    lines = changed.stdout.splitlines()
    name = queue_name(queue, Priority.high)
    assert f"queue             {name} (updated: maxReceiveCount 4 -> 6)" in lines
    assert f"dead-letter queue {name}-DLQ (up to date)" in lines
    sqs = boto_client("sqs", moto_endpoint)
    url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])
    assert json.loads(attributes["Attributes"]["RedrivePolicy"])["maxReceiveCount"] == 6


def test_provision_turns_raw_delivery_back_on_and_says_so(
    moto_endpoint: str, tmp_path: Path
) -> None:
    queue = app_name()
    write_app(tmp_path, moto_endpoint, queue)
    assert run_cli("provision", "--settings", "settings", "--priority", "low", cwd=tmp_path).stdout
    sns = boto_client("sns", moto_endpoint)
    topic_arn = sns.create_topic(Name=f"taskhawk-{queue.lower()}-low-priority")["TopicArn"]
    (subscription,) = sns.list_subscriptions_by_topic(TopicArn=topic_arn)["Subscriptions"]
    sns.set_subscription_attributes(
        SubscriptionArn=subscription["SubscriptionArn"],
        AttributeName="RawMessageDelivery",
        AttributeValue="false",
    )
    result = run_cli("provision", "--settings", "settings", "--priority", "low", cwd=tmp_path)
    assert "(updated: RawMessageDelivery false -> true)" in result.stdout


@pytest.fixture
def filled(moto_endpoint: str, tmp_path: Path) -> tuple[Path, str]:
    """An app with 3 messages waiting on default, 1 in flight, 2 dead letters on high."""
    queue = app_name()
    urls = create_queues(moto_endpoint, queue)
    write_app(tmp_path, moto_endpoint, queue)
    sqs = boto_client("sqs", moto_endpoint)
    default = urls[queue_name(queue, Priority.default)]
    for index in range(4):
        sqs.send_message(QueueUrl=default, MessageBody=f"m{index}")
    sqs.receive_message(QueueUrl=default, MaxNumberOfMessages=1, VisibilityTimeout=300)
    for index in range(2):
        dlq = urls[dead_letter_queue_name(queue, Priority.high)]
        sqs.send_message(QueueUrl=dlq, MessageBody=f"d{index}")
    return tmp_path, queue


def test_stats_table_and_json(filled: tuple[Path, str]) -> None:
    directory, queue = filled
    result = run_cli("stats", "--settings", "settings", cwd=directory)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{queue} at ")
    assert lines[1].split() == [
        "priority", "queue", "visible", "in", "flight", "delayed", "dead", "letters", "oldest"
    ]  # fmt: skip
    assert lines[2].split() == ["default", f"TASKHAWK-{queue}", "3", "1", "0", "0", "-"]
    assert lines[3].split() == ["high", f"TASKHAWK-{queue}-HIGH-PRIORITY", "0", "0", "0", "2", "-"]
    assert lines[-1].startswith("oldest: - means unknown; SQS's API does not give it")
    as_json = run_cli(
        "stats", "--settings", "settings", "--json", "--priority", "high", cwd=directory
    )
    (entry,) = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert entry["app"] == queue
    assert entry["priorities"] == [
        {"priority": "high", "queue": f"TASKHAWK-{queue}-HIGH-PRIORITY",
         "dead_letter_queue": f"TASKHAWK-{queue}-HIGH-PRIORITY-DLQ", "visible": 0,
         "in_flight": 0, "delayed": 0, "dead_letters": 2, "oldest_age_s": None}
    ]  # fmt: skip


def test_stats_reads_the_oldest_age_from_cloudwatch_when_asked(
    filled: tuple[Path, str], moto_endpoint: str
) -> None:
    directory, queue = filled
    cloudwatch = boto_client("cloudwatch", moto_endpoint)
    cloudwatch.put_metric_data(
        Namespace="AWS/SQS",
        MetricData=[
            {
                "MetricName": "ApproximateAgeOfOldestMessage",
                "Dimensions": [{"Name": "QueueName", "Value": f"TASKHAWK-{queue}"}],
                "Timestamp": datetime.datetime.now(datetime.timezone.utc),
                "Value": 125,
                "Unit": "Seconds",
            }
        ],
    )
    args = ["stats", "--settings", "settings", "--priority", "default", "--age", "cloudwatch"]
    result = run_cli(*args, cwd=directory)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[2].split()[-1] == "2m05s"
    assert "means unknown" not in result.stdout


def test_stats_watch_refreshes_until_ctrl_c(filled: tuple[Path, str]) -> None:
    directory, _ = filled
    args = ["stats", "--settings", "settings", "--json", "--watch", "0.5", "--priority", "low"]
    watcher = Running(args, directory, clean_env())
    try:
        deadline = time.monotonic() + 30
        while watcher.stdout.count("\n") < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert watcher.stop(signal.SIGINT) == 0, watcher.stderr
    finally:
        watcher.kill()
    assert all(json.loads(line)["priorities"] for line in watcher.stdout.splitlines())
    assert said(watcher.stderr) == ""


def test_purge_asks_first_and_refuses_without_a_terminal(filled: tuple[Path, str]) -> None:
    directory, queue = filled
    refused = run_cli("purge", "--settings", "settings", "--priority", "default", cwd=directory)
    assert refused.returncode == 2
    assert f"would purge TASKHAWK-{queue} (about 4 messages): confirm with --yes" in refused.stderr
    args = ["purge", "--settings", "settings", "--priority", "high", "--dead-letters", "--yes"]
    done = run_cli(*args, cwd=directory)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"purged TASKHAWK-{queue}-HIGH-PRIORITY-DLQ (about 2 messages)\n"
    stats = run_cli(
        "stats", "--settings", "settings", "--json", "--priority", "high", cwd=directory
    )
    assert json.loads(stats.stdout)["priorities"][0]["dead_letters"] == 0


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_purge_prompt_takes_yes_and_nothing_else(
    filled: tuple[Path, str], moto_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, queue = filled
    taskhawk.configure(aws_settings(moto_endpoint, queue))
    args = argparse.Namespace(priority=["default"], dead_letters=False, yes=False)
    out = io.StringIO()
    assert run_purge(args, stdin=Terminal("n\n"), out=out) == 1
    assert out.getvalue().endswith("This cannot be undone. [y/N] nothing purged\n")
    out = io.StringIO()
    assert run_purge(args, stdin=Terminal("y\n"), out=out) == 0
    assert out.getvalue().endswith(f"purged TASKHAWK-{queue} (about 4 messages)\n")


def test_dev_server_on_a_busy_port_exits_2_at_once(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        # It must refuse, not wait for the port: a dev-server that waited would still be
        # running at the timeout (TimeoutExpired). No wall-clock bound: a loaded machine takes
        # seconds just to start Python.
        result = run_cli("dev-server", "--port", str(port), cwd=tmp_path, timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"taskhawk dev-server: error: port {port} on 127.0.0.1 is in use (another dev-server or "
        "local endpoint?): stop it, or choose another port with --port (0 picks a free one)"
    )


def read_until_ready(server: subprocess.Popen[str]) -> list[str]:
    assert server.stdout is not None
    lines = []
    for line in server.stdout:
        lines.append(line.rstrip("\n"))
        if line.startswith("# taskhawk dev-server ready"):
            return lines
    raise AssertionError(f"dev-server ended before it was ready: {lines}")


def test_dev_server_prints_a_settings_module_that_works_as_printed(tmp_path: Path) -> None:
    queue = app_name()
    command = [sys.executable, "-m", "taskhawk.cli", "dev-server", "--port", "0", "--queue", queue]
    server = subprocess.Popen(
        command, stdout=subprocess.PIPE, text=True, cwd=tmp_path, env=clean_env()
    )
    try:
        lines = read_until_ready(server)
        settings = [line for line in lines if not line.startswith("#")]
        assert [line.split(" = ")[0] for line in settings] == [
            "TASKHAWK_QUEUE", "AWS_REGION", "AWS_ACCOUNT_ID", "AWS_ACCESS_KEY", "AWS_SECRET_KEY",
            "AWS_ENDPOINT_SQS", "AWS_ENDPOINT_SNS", "AWS_ENDPOINT_SCHEDULER",
            "TASKHAWK_SCHEDULER_ROLE_ARN", "AWS_ENDPOINT_S3", "TASKHAWK_LARGE_PAYLOAD_BUCKET",
        ]  # fmt: skip
        assert any(line.startswith("# payload bucket    taskhawk-dev-payloads") for line in lines)
        (tmp_path / "settings.py").write_text("\n".join(settings) + "\n")
        result = run_cli("stats", "--settings", "settings", "--priority", "bulk", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert f"TASKHAWK-{queue}-BULK" in result.stdout
        assert "large payloads: 0 objects in s3://taskhawk-dev-payloads" in result.stdout
        server.send_signal(signal.SIGINT)
        assert server.wait(15) == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
        assert server.stdout is not None
        server.stdout.close()


def test_dev_server_json_format_is_one_object_on_stdout_and_the_rest_on_stderr(
    tmp_path: Path,
) -> None:
    """A script reads stdout as JSON: the comments go to stderr, with the environment a program
    in another language needs (its AWS SDK reads no settings module)."""
    command = [
        sys.executable,
        "-m",
        "taskhawk.cli",
        "dev-server",
        "--port",
        "0",
        "--format",
        "json",
    ]
    server = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
        env=clean_env(),
    )  # fmt: skip
    try:
        assert server.stdout is not None and server.stderr is not None
        values = json.loads(server.stdout.readline())
        notes = []
        for line in server.stderr:
            notes.append(line.rstrip("\n"))
            if line.startswith("# taskhawk dev-server ready"):
                break
        taskhawk.configure(values)
        assert values["TASKHAWK_QUEUE"] == "DEV-APP"
        sqs = boto_client("sqs", values["AWS_ENDPOINT_SQS"])
        assert sqs.get_queue_url(QueueName="TASKHAWK-DEV-APP-LOW-PRIORITY-DLQ")["QueueUrl"]
        environment = [line for line in said("\n".join(notes)).split("\n") if line[:1] != "#"]
        env = dict(line.split("=", 1) for line in environment)
        sdk = boto3.session.Session(
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
            region_name=env["AWS_REGION"],
        ).client("sqs", endpoint_url=env["AWS_ENDPOINT_URL"])
        assert sdk.get_queue_url(QueueName="TASKHAWK-DEV-APP")["QueueUrl"]
        server.send_signal(signal.SIGTERM)
        assert server.wait(15) == 0
        assert server.stdout.read() == ""  # nothing but the object
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
        for stream in (server.stdout, server.stderr):
            assert stream is not None
            stream.close()
    endpoint = values["AWS_ENDPOINT_SQS"]
    assert notes[0] == f"# taskhawk dev-server: local SQS/SNS/S3 endpoint {endpoint} (moto)"
    assert environment == [
        f"AWS_ENDPOINT_URL={endpoint}", "AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=testing",
        "AWS_SECRET_ACCESS_KEY=testing",
    ]  # fmt: skip
