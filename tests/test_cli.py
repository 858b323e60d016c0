"""The `taskhawk` command: validate, provision, requeue-dlq, dev-server, worker start-up."""

from __future__ import annotations

import io
import json
import logging
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

import taskhawk
from taskhawk.admin.provision import DLQ_RETENTION_S
from taskhawk.cli import build_parser, main, requeue_command
from taskhawk.logs import KeyValueFormatter
from taskhawk.priority import Priority
from taskhawk.transport.naming import dead_letter_queue_name, queue_name, topic_name
from tests.conftest import aws_settings, boto_client

ROOT = Path(__file__).resolve().parent.parent
WIRE = Path(__file__).parent / "integration" / "upstream_wire"
VALID = json.dumps(
    {
        "id": "b1328174-a21c-43d3-b303-964dfcc76efc",
        "metadata": {"priority": "high", "timestamp": 1460868253255, "version": "1.0"},
        "headers": {},
        "task": "tasks.send_email",
        "args": [],
        "kwargs": {},
    }
)


def run_validate(tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    path = tmp_path / "message.json"
    path.write_text(text)
    status = main(["validate", str(path)])
    return status, capsys.readouterr().out


def test_validate_accepts_a_valid_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_validate(tmp_path, VALID, capsys) == (
        0,
        "valid: format 1.0, task tasks.send_email, id b1328174-a21c-43d3-b303-964dfcc76efc\n",
    )


@pytest.mark.parametrize(
    ("change", "line"),
    [
        (
            {"metadata": {"priority": "urgent", "timestamp": 1, "version": "1.0"}},
            "$.metadata.priority: must be one of",
        ),
        ({"headers": None}, "$.headers: must be an object"),
        ({"task": ""}, "$.task: "),
    ],
)  # fmt: skip
def test_validate_prints_the_error_with_its_json_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: dict[str, Any], line: str
) -> None:
    status, out = run_validate(tmp_path, json.dumps({**json.loads(VALID), **change}), capsys)
    assert status == 1
    assert out.startswith(line)


def test_validate_names_the_fix_for_an_sns_envelope(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    envelope = json.loads((WIRE / "sns_envelope.json").read_text())[0]["Body"]
    status, out = run_validate(tmp_path, envelope, capsys)
    assert status == 1
    lines = out.splitlines()
    assert lines[0].startswith("$: ")  # every schema error first, then what to do about it
    assert lines[-1].startswith("hint: SNS notification envelope")


def test_validate_reads_stdin_and_reports_unreadable_files(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "taskhawk.cli", "validate", "-"]
    result = subprocess.run(command, input=b"{", capture_output=True, check=False, cwd=ROOT)
    assert result.returncode == 1
    assert result.stdout.startswith(b"$: not valid JSON")
    assert main(["validate", str(tmp_path / "missing.json")]) == 2


def test_worker_options_parse() -> None:
    args = build_parser().parse_args(
        ["worker", "--priority", "high", "--priority", "default", "--processes", "2",
         "--num-messages", "10", "--import", "a.tasks", "--settings", "a.settings"]
    )  # fmt: skip
    assert (args.priority, args.processes, args.num_messages) == (["high", "default"], 2, 10)
    assert (args.imports, args.settings, args.grace_seconds) == (["a.tasks"], "a.settings", 30.0)
    with pytest.raises(SystemExit):
        build_parser().parse_args(["worker", "--priority", "urgent"])


def test_worker_fails_fast_on_a_task_module_that_cannot_be_imported(
    moto_endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    taskhawk.configure(aws_settings(moto_endpoint))
    assert main(["worker", "--import", "no.such.module", "--log-level", "ERROR"]) == 2
    assert "No module named 'no'" in capsys.readouterr().err


def test_provision_creates_everything_and_is_safe_to_rerun(
    moto_endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    app = f"P{uuid.uuid4().hex[:8].upper()}"
    taskhawk.configure(aws_settings(moto_endpoint, app, TASKHAWK_MAX_RECEIVE_COUNT=3))
    assert main(["provision", "--priority", "high", "--log-level", "ERROR"]) == 0
    first = capsys.readouterr().out
    assert first.count("(created)") == 3  # DLQ, queue, subscription; the topic is "ready"
    assert main(["provision", "--priority", "high", "--log-level", "ERROR"]) == 0
    assert "(created)" not in capsys.readouterr().out
    sqs, sns = boto_client("sqs", moto_endpoint), boto_client("sns", moto_endpoint)
    dlq_url = sqs.get_queue_url(QueueName=dead_letter_queue_name(app, Priority.high))["QueueUrl"]
    url = sqs.get_queue_url(QueueName=queue_name(app, Priority.high))["QueueUrl"]
    dlq = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["All"])["Attributes"]
    main_queue = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert dlq["MessageRetentionPeriod"] == str(DLQ_RETENTION_S)
    redrive = json.loads(main_queue["RedrivePolicy"])
    assert redrive == {"deadLetterTargetArn": dlq["QueueArn"], "maxReceiveCount": 3}
    topic_arn = sns.create_topic(Name=topic_name(app, Priority.high))["TopicArn"]
    policy = json.loads(main_queue["Policy"])["Statement"][0]
    assert policy["Principal"] == {"Service": "sns.amazonaws.com"}
    assert policy["Condition"] == {"ArnEquals": {"aws:SourceArn": topic_arn}}
    (subscription,) = sns.list_subscriptions_by_topic(TopicArn=topic_arn)["Subscriptions"]
    attributes = sns.get_subscription_attributes(SubscriptionArn=subscription["SubscriptionArn"])
    assert attributes["Attributes"]["RawMessageDelivery"] == "true"
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.get_queue_url(QueueName=queue_name(app, Priority.low))


def test_requeue_dlq_prints_plain_counts_off_a_terminal(
    aws: dict[str, str], moto_endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    app = taskhawk.settings.get_settings().app_queue
    dlq, main_queue = dead_letter_queue_name(app, Priority.low), queue_name(app, Priority.low)
    sqs = boto_client("sqs", moto_endpoint)
    for task in ("a.one", "a.one", "b.two"):
        sqs.send_message(QueueUrl=aws[dlq], MessageBody=json.dumps({"task": task}))
    assert main(["requeue-dlq", "--priority", "low", "--dry-run", "--log-level", "ERROR"]) == 0
    redrive = "(moved by the queue's redrive policy (failed on every allowed receive))"
    assert capsys.readouterr().out == (
        f"would requeue 3 messages from {dlq} to {main_queue}\n"
        f"       2  a.one  {redrive}\n       1  b.two  {redrive}\n"
    )
    assert main(["requeue-dlq", "--priority", "low", "--limit", "2", "--log-level", "ERROR"]) == 0
    captured = capsys.readouterr()
    assert captured.out == f"requeued 2 messages from {dlq} to {main_queue}\n"
    assert captured.err == ""  # no progress bar off a terminal


def test_requeue_dlq_asks_before_moving_dead_letters_of_unknown_tasks(
    aws: dict[str, str], moto_endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Moved back, they are dead-lettered again unless a worker now registers the task."""
    app = taskhawk.settings.get_settings().app_queue
    dlq, main_queue = dead_letter_queue_name(app, Priority.low), queue_name(app, Priority.low)
    sqs = boto_client("sqs", moto_endpoint)
    unknown = {"DataType": "String", "StringValue": "unknown task: gone.task is not registered"}
    for task in ("gone.task", "gone.task"):
        sqs.send_message(
            QueueUrl=aws[dlq], MessageBody=json.dumps({"task": task}),
            MessageAttributes={"taskhawk_dead_letter_reason": unknown},
        )  # fmt: skip
    sqs.send_message(QueueUrl=aws[dlq], MessageBody=json.dumps({"task": "b.two"}))
    assert main(["requeue-dlq", "--priority", "low", "--log-level", "ERROR"]) == 2
    assert capsys.readouterr().err == (
        f"taskhawk requeue-dlq: error: 2 dead letters in {dlq} name a task no worker knew "
        "(gone.task: 2); moved back they are dead-lettered again unless a worker now registers "
        "it: add --unknown-tasks to move them anyway, or choose others with --task\n"
    )
    args = build_parser().parse_args(["requeue-dlq", "--priority", "low"])
    assert requeue_command.run(args, stdin=Terminal("n\n")) == 1
    captured = capsys.readouterr()
    assert captured.err.endswith("unless a worker now registers it. Move them too? [y/N] ")
    assert captured.out == f"nothing requeued from {dlq}\n"
    only_known = ["requeue-dlq", "--priority", "low", "--task", "b.*", "--log-level", "ERROR"]
    assert main(only_known) == 0
    assert capsys.readouterr().out == f"requeued 1 messages from {dlq} to {main_queue}\n"
    command = ["requeue-dlq", "--priority", "low", "--unknown-tasks", "--log-level", "ERROR"]
    assert main(command) == 0
    assert capsys.readouterr().out == f"requeued 2 messages from {dlq} to {main_queue}\n"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_cli_formatter_appends_extra_fields() -> None:
    record = logging.makeLogRecord(
        {"msg": "task succeeded: %s", "args": ("t",), "task": "t", "queue": "Q 1"}
    )
    line = KeyValueFormatter("%(message)s").format(record)
    assert line == "task succeeded: t | task=t queue='Q 1'"


def test_the_cli_formatter_writes_times_and_numbers_as_logging_does() -> None:
    ours = KeyValueFormatter("%(asctime)s %(message)s")
    usual = logging.Formatter("%(asctime)s %(message)s")
    for created in (1_700_000_000.0, 1_700_000_000.999, 1_700_000_000.5, 1_700_000_001.25, 5.0):
        record = logging.makeLogRecord({"msg": "m", "created": created, "msecs": 0.0})
        record.msecs = int((created - int(created)) * 1000) + 0.0
        assert ours.formatTime(record) == usual.formatTime(record)
        assert ours.formatTime(record, "%H") == usual.formatTime(record, "%H")
    fields = {"msg": "m", "n": 3, "d": 0.25, "b": True, "empty": "", "nan": float("nan")}
    line = KeyValueFormatter("%(message)s").format(logging.makeLogRecord(fields))
    assert line == "m | n=3 d=0.25 b=True empty='' nan=nan"


@pytest.mark.integration
def test_dev_server_prints_settings_serves_and_stops_on_sigterm() -> None:
    env = {k: v for k, v in os.environ.items() if k != "SETTINGS_MODULE"}
    command = [sys.executable, "-m", "taskhawk.cli", "dev-server", "--queue", "DEVTEST"]
    command += ["--port", "0", "--format", "json"]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env, cwd=ROOT
    )
    try:
        assert process.stdout is not None
        values = json.loads(process.stdout.readline())  # stdout: that one object, once ready
        assert values["TASKHAWK_QUEUE"] == "DEVTEST"
        assert values["AWS_ENDPOINT_SQS"].startswith("http://127.0.0.1:")
        taskhawk.configure(values)
        sqs = boto_client("sqs", values["AWS_ENDPOINT_SQS"])
        assert sqs.get_queue_url(QueueName="TASKHAWK-DEVTEST-BULK-DLQ")["QueueUrl"]
        process.send_signal(signal.SIGTERM)
        # A dev-server that ignored SIGTERM would still run at the timeout; no tighter bound,
        # since a loaded machine takes seconds to stop a Python process.
        assert process.wait(30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


def test_no_progress_bar_without_a_terminal() -> None:
    from taskhawk.cli.requeue_command import progress_bar as _progress_bar

    assert _progress_bar(io.StringIO(), 10) is None
