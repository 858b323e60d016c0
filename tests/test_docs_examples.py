"""Every code example of the documentation, run as a user would run it, against a local endpoint.

The pages show `docs/examples/*.py` through literalinclude, so what is run here is exactly what
readers see. Each example runs in its own interpreter with SETTINGS_MODULE or its own
`taskhawk.configure(settings, ...)`, from a copy of docs/examples whose settings.py (what
`taskhawk dev-server` prints for port 4566) names the test's endpoint instead.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import taskhawk
from taskhawk.priority import Priority
from taskhawk.transport.naming import dead_letter_queue_name, queue_name
from tests.conftest import ACCOUNT_ID, REGION, boto_client, create_queues, drain
from tests.support.worker_rig import queue_counts

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
EXAMPLES = DOCS / "examples"
APP_QUEUE = "DEV-MYAPP"  # the queue name docs/examples/settings.py uses
DEV_SERVER_URL = "http://127.0.0.1:4566"  # the endpoint docs/examples/settings.py names
TIMEOUT_S = 60
# A worker started without importing `tasks`: what sends the quickstart's message to the DLQ.
WITHOUT_TASKS = (
    "from taskhawk import listen_for_messages as listen\nlisten('default', loop_count=1)"
)

pytestmark = pytest.mark.integration


def reset_endpoint(endpoint: str) -> None:
    """Forget every queue and topic, so each example starts from an empty endpoint."""
    request = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


@pytest.fixture
def endpoint(moto_endpoint: str) -> str:
    reset_endpoint(moto_endpoint)
    create_queues(moto_endpoint, APP_QUEUE)
    return moto_endpoint


_copies: dict[str, Path] = {}
_copies_root: list[Path] = []


@pytest.fixture(scope="module", autouse=True)
def _example_copies(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    _copies_root[:] = [tmp_path_factory.mktemp("examples")]
    yield
    _copies.clear()


def examples_for(endpoint: str) -> Path:
    """docs/examples as a reader saves them, with settings.py naming `endpoint` (a moto server
    on a free port) where the dev-server's default port is."""
    if endpoint not in _copies:
        target = _copies_root[0] / f"copy{len(_copies)}"
        shutil.copytree(EXAMPLES, target, ignore=shutil.ignore_patterns("__pycache__"))
        settings = target / "settings.py"
        assert settings.read_text().count(DEV_SERVER_URL) == 4  # SQS, SNS, Scheduler, S3
        settings.write_text(settings.read_text().replace(DEV_SERVER_URL, endpoint))
        _copies[endpoint] = target
    return _copies[endpoint]


def example_env(endpoint: str, *, settings_module: bool) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("SETTINGS_MODULE", "DJANGO_SETTINGS_MODULE")
    }
    env.update(PYTHONUNBUFFERED="1", PYTHONPATH=str(examples_for(endpoint)))
    if settings_module:
        env["SETTINGS_MODULE"] = "settings"
    return env


def run(
    args: list[str], endpoint: str, *, settings_module: bool = False, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        args,
        cwd=cwd or examples_for(endpoint),
        env=example_env(endpoint, settings_module=settings_module),
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result


def example(name: str, endpoint: str, *, settings_module: bool = False) -> str:
    """Run docs/examples/<name>; return stdout followed by stderr (the log lines)."""
    result = run([sys.executable, name], endpoint, settings_module=settings_module)
    return result.stdout + result.stderr


def queue_depth(endpoint: str, name: str) -> tuple[int, int]:
    """(visible, in flight) messages of a queue."""
    url = boto_client("sqs", endpoint).get_queue_url(QueueName=name)["QueueUrl"]
    return queue_counts(endpoint, url)


class Background:
    """A process whose output is collected line by line while it runs."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path) -> None:
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            args,
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_for(self, text: str, timeout_s: float = TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout_s
        while text not in self.output:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{text!r} never appeared; output:\n{self.output}")
            time.sleep(0.05)

    def stop(self, sig: int = signal.SIGTERM) -> int:
        self.process.send_signal(sig)
        code = self.process.wait(timeout=TIMEOUT_S)
        self.close()
        return code

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.close()

    def close(self) -> None:
        self._reader.join(timeout=5)
        if self.process.stdout is not None:
            self.process.stdout.close()


@pytest.fixture
def background() -> Iterator[Callable[..., Background]]:
    started: list[Background] = []

    def start(args: list[str], env: dict[str, str], cwd: Path | None = None) -> Background:
        started.append(Background(args, env, cwd or Path(env["PYTHONPATH"])))
        return started[-1]

    yield start
    for process in started:
        process.kill()


# --- quickstart ------------------------------------------------------------------------------


def test_quickstart_dispatch_then_worker(endpoint: str) -> None:
    dispatched = example("dispatch.py", endpoint, settings_module=True)
    assert re.fullmatch(r"dispatched [0-9a-f-]{36}\n", dispatched)
    assert queue_depth(endpoint, queue_name(APP_QUEUE, Priority.default)) == (1, 0)

    output = example("worker.py", endpoint, settings_module=True)
    assert "sending 'Welcome!' to ada@example.com from noreply@example.com" in output
    assert "1 handled: tasks.send_email succeeded=1" in output  # the summary, at its stop
    assert queue_depth(endpoint, queue_name(APP_QUEUE, Priority.default)) == (0, 0)


def cli() -> Path:
    """The `taskhawk` command next to this interpreter, or skip until it is installed."""
    pytest.importorskip("taskhawk.cli", reason="the taskhawk command is not built yet")
    command = Path(sys.executable).with_name("taskhawk")
    if not command.exists():
        found = shutil.which("taskhawk")
        if found is None:
            pytest.skip("the taskhawk console script is not installed (pip install -e .)")
        command = Path(found)
    return command


def test_quickstart_with_the_command_line(
    background: Callable[..., Background], tmp_path: Path
) -> None:
    """The quickstart as written: dev-server, settings.py as it printed them, dispatch.py, the
    worker command, and the output the page shows."""
    command = str(cli())
    server_env = {k: v for k, v in os.environ.items() if k != "SETTINGS_MODULE"}
    server_command = [command, "dev-server", "--queue", APP_QUEUE, "--port", "0"]
    server = background(server_command, server_env, tmp_path)
    server.wait_for("# taskhawk dev-server ready")
    found = re.search(r"^AWS_ENDPOINT_SQS = '(\S+)'$", server.output, re.M)
    assert found is not None, server.output
    local = found[1]
    printed = [line for line in server.output.splitlines() if " = " in line]  # not stderr's
    saved = (examples_for(local) / "settings.py").read_text().replace('"', "'")
    assert [line for line in saved.splitlines() if " = " in line] == printed
    example("dispatch.py", local, settings_module=True)
    worker = background(
        [command, "worker", "--import", "tasks"], example_env(local, settings_module=True)
    )
    worker.wait_for("sending 'Welcome!' to ada@example.com")
    assert worker.stop(signal.SIGTERM) == 0, worker.output  # then its summary line
    assert server.stop(signal.SIGTERM) == 0, server.output
    page = (DOCS / "quickstart.md").read_text(encoding="utf-8")
    dev_server_sample, worker_sample = re.findall(r"```text\n(.*?)```", page, re.S)[:2]
    assert_shows(dev_server_sample.replace(DEV_SERVER_URL, local), server.output)
    assert_shows(worker_sample.replace(DEV_SERVER_URL, local), worker.output)


def assert_shows(sample: str, output: str) -> None:
    """Every line of a sample on a page is a line of the real output; `...` stands for any
    text (a timestamp, a duration, lines left out)."""
    lines = output.splitlines()
    for expected in sample.splitlines():
        pattern = ".*".join(re.escape(part) for part in expected.split("..."))
        assert any(re.fullmatch(pattern, line) for line in lines), (expected, output)


def test_validate_and_requeue_commands(endpoint: str) -> None:
    command = str(cli())
    for name in ("message.json", "scheduled_message.json"):
        result = run([command, "validate", name], endpoint)
        assert result.stdout.startswith("valid: format 1.0, task tasks.send_email"), result.stdout
    example("dispatch.py", endpoint, settings_module=True)
    run([sys.executable, "-c", WITHOUT_TASKS], endpoint, settings_module=True)
    dry_run = [command, "requeue-dlq", "--priority", "default", "--dry-run"]
    output = run(dry_run, endpoint, settings_module=True).stdout
    assert "would requeue 1 messages from TASKHAWK-DEV-MYAPP-DLQ to TASKHAWK-DEV-MYAPP" in output
    requeue = [command, "requeue-dlq", "--priority", "default"]
    refused = subprocess.run(
        requeue, cwd=examples_for(endpoint), env=example_env(endpoint, settings_module=True),
        capture_output=True, text=True, timeout=TIMEOUT_S, check=False,
    )  # fmt: skip
    assert refused.returncode == 2
    assert "name a task no worker knew (tasks.send_email: 1)" in refused.stderr
    output = run([*requeue, "--unknown-tasks"], endpoint, settings_module=True).stdout
    assert "requeued 1 messages from TASKHAWK-DEV-MYAPP-DLQ to TASKHAWK-DEV-MYAPP" in output


def test_tasks_command_shows_what_the_workers_page_shows(endpoint: str) -> None:
    output = run([str(cli()), "tasks", "--import", "tasks"], endpoint, settings_module=True).stdout
    page = (DOCS / "usage" / "workers.md").read_text(encoding="utf-8")
    sample = page.split("$ taskhawk tasks --import tasks\n```\n\n```text\n")[1].split("```")[0]
    assert output == sample


def test_api_page_lists_every_way_to_dispatch() -> None:
    page = (DOCS / "api.md").read_text(encoding="utf-8")
    for cls in (taskhawk.Task, taskhawk.Invocation):
        for name in vars(cls):
            if name.startswith(("with_", "dispatch")):
                assert f"method:: {name}" in page, (cls.__name__, name)
    assert "with_priority(priority: Priority | PriorityName)" in page


def documented_commands() -> list[str]:
    """Every `taskhawk ...` line of a console block in the pages."""
    commands = []
    for page in sorted(DOCS.rglob("*.md")):
        for block in re.findall(r"```console\n(.*?)```", page.read_text(encoding="utf-8"), re.S):
            for line in block.splitlines():
                text = line.removeprefix("$ ").strip()
                if text.startswith("taskhawk "):
                    commands.append(text.split("  #")[0].strip())
    return commands


def test_documented_commands_exist_with_the_documented_options(moto_endpoint: str) -> None:
    command = str(cli())
    commands = documented_commands()
    assert commands, "the pages show no taskhawk command"
    help_texts: dict[str, str] = {}  # one `--help` run per subcommand, however often shown
    for line in commands:
        words = line.split()
        if words[1] not in help_texts:
            help_texts[words[1]] = run([command, words[1], "--help"], moto_endpoint).stdout
        for option in (word.split("=")[0] for word in words[2:] if word.startswith("--")):
            assert option in help_texts[words[1]], (
                f"{line!r}: {option} is not an option of {words[1]}"
            )


# --- usage guide -----------------------------------------------------------------------------


def test_headers_and_metadata(endpoint: str) -> None:
    output = example("headers_and_metadata.py", endpoint)
    ids = re.search(r"dispatched (\S+) (\S+) (\S+)", output)
    assert ids is not None
    assert f"order 7: id={ids[1]} priority=default" in output
    assert "order 7: headers={'app': 'shop', 'origin': 'shop.charge', 'request_id': 'req-1'}" in (
        output
    )
    assert "order 8: headers={'app': 'shop', 'origin': 'checkout', 'request_id': 'req-1'}" in (
        output
    )
    assert "order 9: headers={'app': 'shop', 'origin': 'shop.charge'}\n" in output


def test_priorities(endpoint: str) -> None:
    output = example("priorities.py", endpoint)
    assert (
        "high    TASKHAWK-DEV-MYAPP-HIGH-PRIORITY TASKHAWK-DEV-MYAPP-HIGH-PRIORITY-DLQ "
        "taskhawk-dev-myapp-high-priority"
    ) in output
    assert "reset password of user 1\nreset password of user 2\n" in output


def test_batches(endpoint: str) -> None:
    output = example("batches.py", endpoint)
    assert "25 messages in 3 requests\n10 messages in 1 request\n" in output
    assert queue_depth(endpoint, queue_name(APP_QUEUE, Priority.default)) == (35, 0)


def test_scheduling(endpoint: str) -> None:
    output = example("scheduling.py", endpoint)
    assert "4 reminders scheduled\n" in output
    url = boto_client("sqs", endpoint).get_queue_url(
        QueueName=queue_name(APP_QUEUE, Priority.default)
    )["QueueUrl"]
    (visible,) = drain(endpoint, url)  # the three others are delayed
    body = json.loads(visible["Body"])
    assert body["args"] == [4] and body["metadata"]["version"] == "1.1"
    assert "expires" in body["metadata"]


def test_fifo(endpoint: str) -> None:
    output = example("fifo.py", endpoint)
    for customer in ("ada", "bob"):
        lines = [line for line in output.splitlines() if line.startswith(f"{customer}: ")]
        assert lines == [f"{customer}: {event}" for event in ("opened", "charged", "refunded")]
    assert queue_depth(endpoint, "TASKHAWK-DEV-MYAPP.fifo") == (0, 0)


def test_periodic(endpoint: str) -> None:
    output = example("periodic.py", endpoint)
    assert "purge-hourly: records.purge_old rate(1 hour) priority=low" in output
    assert "cron(0 9 ? * MON-FRI *) Europe/Paris priority=default" in output
    assert "would be schedule          purge-hourly (created)" in output
    assert "\nschedule          purge-hourly (created)" in output
    scheduler = boto_client("scheduler", endpoint)
    listed = scheduler.list_schedules(GroupName="taskhawk-dev-myapp")["Schedules"]
    assert len(listed) == 2


def test_tenants(endpoint: str) -> None:
    output = example("tenants.py", endpoint)
    ran = sorted(line for line in output.splitlines() if ": exported batch" in line)
    assert ran == [f"acme: exported batch {n}" for n in range(3)] + ["globex: exported batch 0"]


def test_sync_mode(endpoint: str) -> None:
    output = example("sync_mode.py", endpoint)
    ran = re.search(r"hello Ada \(message (\S+)\)", output)
    assert ran is not None
    assert f"dispatch returned {ran[1]}\nrefused: $.args[0]\n" in output
    assert queue_depth(endpoint, queue_name(APP_QUEUE, Priority.default)) == (0, 0)


def test_sync_mode_and_fifo_examples_in_the_quickstart_shell(endpoint: str) -> None:
    """The quickstart leaves SETTINGS_MODULE exported; the examples' own configure() wins there
    (sync mode runs the task, the FIFO example is not refused) and says what the module differs
    in."""
    output = example("sync_mode.py", endpoint, settings_module=True)
    assert re.search(r"hello Ada \(message \S+\)", output) is not None
    assert "not those of SETTINGS_MODULE=settings, which differ in TASKHAWK_SYNC" in output
    assert queue_depth(endpoint, queue_name(APP_QUEUE, Priority.default)) == (0, 0)
    output = example("fifo.py", endpoint, settings_module=True)
    lines = [line for line in output.splitlines() if line.startswith("ada: ")]
    assert lines == ["ada: opened", "ada: charged", "ada: refunded"]


def test_pytest_plugin_example(endpoint: str) -> None:
    result = run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "docs/examples/test_signup.py",
        ],
        endpoint,
        cwd=ROOT,
    )
    assert "1 passed" in result.stdout


def test_hooks(endpoint: str) -> None:
    assert example("hooks.py", endpoint) == "before: TASKHAWK-DEV-MYAPP\ntask\nafter\n"


def test_task_outcomes(endpoint: str) -> None:
    output = example("outcomes.py", endpoint)
    assert "synced" in output
    assert "INFO tasks in the last " in output
    assert "4 handled: billing.sync_invoice ignored=1 retried=2 succeeded=1" in output
    assert "INFO task ignored: billing.sync_invoice (invoice was cancelled)" in output
    assert "INFO task retrying: billing.sync_invoice, retry in 120s" in output
    assert "ERROR ledger is locked" in output
    # Two messages wait to be retried; the other two were deleted.
    assert queue_depth(endpoint, queue_name(APP_QUEUE, Priority.default)) == (0, 2)


def test_long_task(endpoint: str) -> None:
    output = example("long_task.py", endpoint)
    assert "report 11: part 0 written\nreport 11: part 1 written\nreport 11: part 2 written\n" in (
        output
    )


def test_graceful_worker_stops_on_sigterm(
    endpoint: str, background: Callable[..., Background]
) -> None:
    worker = background(
        [sys.executable, "graceful_worker.py"], example_env(endpoint, settings_module=True)
    )
    worker.wait_for("consumer listening on TASKHAWK-DEV-MYAPP")
    example("dispatch.py", endpoint, settings_module=True)
    worker.wait_for("sending 'Welcome!' to ada@example.com")
    assert worker.stop(signal.SIGTERM) == 0
    assert "1 handled: tasks.send_email succeeded=1" in worker.output
    assert worker.output.endswith("worker stopped\n"), worker.output


def test_async_tasks_run_many_at_a_time_in_one_worker_process(
    endpoint: str, background: Callable[..., Background]
) -> None:
    output = example("async_tasks.py", endpoint, settings_module=True)
    assert re.fullmatch(r"dispatched 21 pages, the last [0-9a-f-]{36}\n", output)
    worker = background(
        [str(cli()), "worker", "--concurrency", "50", "--import", "async_tasks"],
        example_env(endpoint, settings_module=True),
    )
    deadline = time.monotonic() + TIMEOUT_S
    while worker.output.count("fetched https://example.com/") < 21:
        assert time.monotonic() < deadline, worker.output
        time.sleep(0.1)
    assert worker.stop(signal.SIGTERM) == 0, worker.output
    assert "fetched https://example.com/19" in worker.output
    assert queue_depth(endpoint, queue_name(APP_QUEUE, Priority.default)) == (0, 0)


def test_observability(endpoint: str) -> None:
    """The example's output is the one the page shows."""
    output = example("observability.py", endpoint)
    page = (DOCS / "usage" / "observability.md").read_text(encoding="utf-8")
    shown = re.search(r"```text\n(receipt for order 42\n.*?)```", page, re.S)
    assert shown is not None
    assert output == shown[1]


def test_dead_letters_and_requeue(endpoint: str) -> None:
    example("dispatch.py", endpoint, settings_module=True)
    # A worker that was started without importing `tasks` cannot run the message: it goes to
    # the dead-letter queue at once, with the reason.
    run([sys.executable, "-c", WITHOUT_TASKS], endpoint, settings_module=True)
    assert queue_depth(endpoint, dead_letter_queue_name(APP_QUEUE, Priority.default)) == (1, 0)

    output = example("requeue.py", endpoint, settings_module=True)
    reason = "unknown task: no task named 'tasks.send_email' is registered in this process"
    assert f"waiting in the DLQ: 1 x tasks.send_email ({reason})\nmoved 1 messages back\n" in output
    assert queue_depth(endpoint, queue_name(APP_QUEUE, Priority.default)) == (1, 0)
    assert "sending 'Welcome!'" in example("worker.py", endpoint, settings_module=True)


def test_json_examples_are_valid_messages() -> None:
    from taskhawk.wire import decode

    for name in ("message.json", "scheduled_message.json"):
        message = decode((EXAMPLES / name).read_bytes())
        assert message.task == "tasks.send_email"


def sqs_record(message: dict[str, Any], queue: str) -> dict[str, Any]:
    """A record of an SQS-triggered Lambda event, as Lambda builds it from a received message."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": {
            name: {"stringValue": value["StringValue"], "dataType": "String"}
            for name, value in message.get("MessageAttributes", {}).items()
        },
        "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{queue}",
        "awsRegion": REGION,
    }


def call_handler(event: dict[str, Any], endpoint: str, tmp_path: Path) -> Any:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event), encoding="utf-8")
    code = (
        "import json, sys, lambda_function; "
        "print(json.dumps(lambda_function.handler(json.load(open(sys.argv[1])), None)))"
    )
    result = run([sys.executable, "-c", code, str(path)], endpoint, settings_module=True)
    return json.loads(result.stdout.splitlines()[-1]), result.stdout


def test_lambda_handler_for_sqs_and_sns_events(endpoint: str, tmp_path: Path) -> None:
    example("dispatch.py", endpoint, settings_module=True)
    queue = queue_name(APP_QUEUE, Priority.default)
    sqs = boto_client("sqs", endpoint)
    url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    [received] = sqs.receive_message(
        QueueUrl=url, MessageAttributeNames=["All"], WaitTimeSeconds=1
    )["Messages"]
    body = json.loads(received["Body"])
    broken = {**received, "MessageId": "broken-1", "Body": json.dumps({**body, "args": []})}
    event = {"Records": [sqs_record(received, queue), sqs_record(broken, queue)]}

    response, output = call_handler(event, endpoint, tmp_path)
    # The broken record can never run (send_email needs `to`): dead-lettered, so not retried.
    assert response == {"batchItemFailures": []}
    assert "sending 'Welcome!' to ada@example.com" in output
    dlq_url = sqs.get_queue_url(QueueName=dead_letter_queue_name(APP_QUEUE, Priority.default))
    [dead] = sqs.receive_message(QueueUrl=dlq_url["QueueUrl"], WaitTimeSeconds=1)["Messages"]
    assert dead["Body"] == broken["Body"]

    sns_event = {
        "Records": [
            {
                "EventSource": "aws:sns",
                "Sns": {
                    "MessageId": "sns-1",
                    "TopicArn": f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:taskhawk-dev-myapp",
                    "Message": received["Body"],
                    "MessageAttributes": {},
                },
            }
        ]
    }
    response, output = call_handler(sns_event, endpoint, tmp_path)
    assert response is None
    assert "sending 'Welcome!' to ada@example.com" in output


# --- migration guides ------------------------------------------------------------------------


def test_from_celery(endpoint: str) -> None:
    assert example("from_celery.py", endpoint) == (
        "charged customer 42: 1999 cents\n"
        "charged customer 42: 500 cents\n"
        "charged customer 42: 300 cents\n"
        "charged customer 7: 100 cents\n"
    )


# --- the pages show only code that runs ------------------------------------------------------


def pages() -> list[Path]:
    return sorted(DOCS.rglob("*.md"))


def test_pages_show_python_only_from_examples() -> None:
    """Python on a page comes from docs/examples/ (run above), never a hand-written block."""
    for page in pages():
        text = page.read_text(encoding="utf-8")
        inline = re.findall(
            r"^(?:```|:::)\s*(?:\{code-block\}\s*)?(?:python|py|pycon)\b", text, re.M
        )
        assert not inline, f"{page.relative_to(ROOT)} has a Python block not from docs/examples"


def test_every_example_is_shown_and_run() -> None:
    shown = {
        (page.parent / target).resolve()
        for page in pages()
        for target in re.findall(r"\{literalinclude\}\s+(\S+)", page.read_text(encoding="utf-8"))
    }
    this_file = Path(__file__).read_text(encoding="utf-8")
    for path in sorted([*EXAMPLES.glob("*.py"), *EXAMPLES.glob("*.json")]):
        assert path.resolve() in shown, f"{path.name} is on no page"
        assert path.name in this_file or path.stem in this_file, f"{path.name} is never run"
