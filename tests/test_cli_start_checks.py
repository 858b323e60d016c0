"""Configuration mistakes, through the real `taskhawk` command: each exits 2 with one line that
says what to set, before any worker process starts; causes that are not configuration (an
endpoint that is down) exit 1, with a hint that matches the cause."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import create_queues
from tests.support.cli import clean_env, run_cli, said, write_app

pytestmark = pytest.mark.integration


def one_line(stderr: str) -> str:
    """The command's error: exactly one line, no traceback."""
    lines = said(stderr).strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]


def app_name() -> str:
    return f"S{uuid.uuid4().hex[:10].upper()}"


@pytest.fixture
def provisioned(moto_endpoint: str, tmp_path: Path) -> Path:
    """An app directory whose queues exist on the moto server."""
    queue = app_name()
    create_queues(moto_endpoint, queue)
    return write_app(tmp_path, moto_endpoint, queue)


def test_no_settings_at_all_names_the_options_a_command_line_user_has(tmp_path: Path) -> None:
    for command in (["worker"], ["provision"], ["stats"], ["requeue-dlq", "--priority", "low"]):
        result = run_cli(*command, cwd=tmp_path)
        assert result.returncode == 2
        line = one_line(result.stderr)
        assert "no settings: pass --settings MODULE" in line
        assert "configure(" not in line  # not something a command-line user can call


def test_settings_that_cannot_be_imported_say_why_and_where(tmp_path: Path) -> None:
    (tmp_path / "settings.py").write_text("TASKHAWK_QUEUE = 'Q'\nAWS_REGION = (\n")
    result = run_cli("worker", "--settings", "settings", cwd=tmp_path)
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert line.startswith("taskhawk worker: error: SETTINGS_MODULE=settings cannot be imported:")
    assert "SyntaxError" in line and "settings.py, line 2" in line


def test_a_settings_file_name_gets_the_hint_to_drop_py(tmp_path: Path) -> None:
    write_app(tmp_path, None, "Q")
    result = run_cli("provision", "--settings", "settings.py", cwd=tmp_path)
    assert result.returncode == 2
    assert "give a module name, not a file name: settings" in one_line(result.stderr)


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        (["--log-level", "bogus"], "argument --log-level: invalid choice: 'BOGUS'"),
        (["--visibility-timeout", "50000"], "--visibility-timeout: must be 0..43200, not 50000"),
        (["--visibility-timeout", "-5"], "--visibility-timeout: must be 0..43200, not -5"),
        (["--num-messages", "11"], "--num-messages: must be 1..10, not 11"),
        (["--num-messages", "0"], "--num-messages: must be 1..10, not 0"),
        (["--processes", "0"], "--processes: must be at least 1, not 0"),
        (["--priority", "urgent"], "argument --priority: invalid choice: 'urgent' (choose from"),
    ],
)
def test_out_of_range_options_are_usage_errors(
    tmp_path: Path, arguments: list[str], words: str
) -> None:
    result = run_cli("worker", "--settings", "settings", *arguments, cwd=tmp_path)
    assert result.returncode == 2
    assert words in result.stderr.splitlines()[-1]
    assert "Traceback" not in result.stderr


def test_no_region_anywhere_is_one_line_for_every_command(tmp_path: Path) -> None:
    write_app(tmp_path, None, "Q")
    for command in (
        ["worker", "--import", "tasks"],
        ["provision"],
        ["requeue-dlq", "--priority", "default"],
        ["stats"],
        ["purge", "--priority", "default", "--yes"],
    ):
        result = run_cli(*command, "--settings", "settings", cwd=tmp_path)
        assert result.returncode == 2, (command, result.stderr)
        line = one_line(result.stderr)
        assert "no AWS region: set AWS_REGION in the settings (SETTINGS_MODULE=settings)" in line


def test_no_credentials_is_not_blamed_on_a_missing_queue(
    moto_endpoint: str, tmp_path: Path
) -> None:
    write_app(tmp_path, None, "Q", AWS_REGION="us-east-1", AWS_ENDPOINT_SQS=moto_endpoint)
    result = run_cli("worker", "--settings", "settings", "--import", "tasks", cwd=tmp_path)
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert "no AWS credentials: set AWS_ACCESS_KEY and AWS_SECRET_KEY" in line
    assert "provision" not in line


def test_requeue_checks_credentials_and_both_queues_first(
    moto_endpoint: str, tmp_path: Path
) -> None:
    write_app(tmp_path, None, "Q", AWS_REGION="us-east-1", AWS_ENDPOINT_SQS=moto_endpoint)
    result = run_cli("requeue-dlq", "--settings", "settings", "--priority", "low", cwd=tmp_path)
    assert result.returncode == 2
    assert "no AWS credentials" in one_line(result.stderr)
    write_app(tmp_path, moto_endpoint, "NEVER-PROVISIONED")
    result = run_cli("requeue-dlq", "--settings", "settings", "--priority", "low", cwd=tmp_path)
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert "TASKHAWK-NEVER-PROVISIONED-LOW-PRIORITY-DLQ does not exist" in line
    assert "`taskhawk provision` creates it" in line


def test_an_endpoint_that_is_down_says_so_and_only_so(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        down = f"http://127.0.0.1:{probe.getsockname()[1]}"
    write_app(tmp_path, down, "Q", AWS_CONNECT_TIMEOUT_S=0.5)
    result = run_cli("worker", "--settings", "settings", "--import", "tasks", cwd=tmp_path)
    assert result.returncode == 1
    line = one_line(result.stderr)
    assert f"cannot connect to {down}" in line and "is the endpoint running?" in line
    assert "provision" not in line
    assert "consumer listening" not in result.stderr + result.stdout


def test_a_queue_never_provisioned_fails_the_worker_at_once_naming_provision(
    moto_endpoint: str, tmp_path: Path
) -> None:
    write_app(tmp_path, moto_endpoint, "NEVER-PROVISIONED")
    result = run_cli("worker", "--settings", "settings", "--import", "tasks", cwd=tmp_path)
    assert result.returncode == 2
    line = one_line(result.stderr)
    queue = "TASKHAWK-NEVER-PROVISIONED"
    assert f"checking queue {queue}: {queue} does not exist at" in line
    assert "`taskhawk provision` creates it" in line
    assert result.stdout == ""  # no banner: nothing started


def test_a_worker_without_tasks_is_refused_with_the_ways_to_name_them(provisioned: Path) -> None:
    result = run_cli("worker", "--settings", "settings", cwd=provisioned)
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert "no tasks are registered" in line
    assert "--import MODULE" in line and "TASKHAWK_TASK_MODULES" in line


def test_a_task_module_that_raises_at_import_is_one_line(provisioned: Path) -> None:
    (provisioned / "broken_tasks.py").write_text("import taskhawk\n\nraise RuntimeError('boom')\n")
    args = ["worker", "--settings", "settings", "--import", "broken_tasks"]
    result = run_cli(*args, cwd=provisioned)
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert "task module broken_tasks cannot be imported: RuntimeError: boom" in line
    assert "broken_tasks.py, line 3" in line


def test_a_log_config_that_cannot_be_read_is_a_configuration_error(provisioned: Path) -> None:
    args = ["stats", "--settings", "settings", "--log-config", "nope.json"]
    result = run_cli(*args, cwd=provisioned)
    assert result.returncode == 2
    assert "--log-config" in one_line(result.stderr) and "nope.json" in result.stderr


def test_a_heartbeat_hook_interval_of_zero_is_refused_before_anything_starts(
    moto_endpoint: str, tmp_path: Path
) -> None:
    queue = app_name()
    create_queues(moto_endpoint, queue)
    write_app(
        tmp_path,
        moto_endpoint,
        queue,
        TASKHAWK_HEARTBEAT_HOOK="tasks.send_email",
        TASKHAWK_HEARTBEAT_HOOK_SYNC_CALL_S=0,
    )
    result = run_cli("worker", "--settings", "settings", "--import", "tasks", cwd=tmp_path)
    assert result.returncode == 2
    assert "TASKHAWK_HEARTBEAT_HOOK_SYNC_CALL_S=0" in one_line(result.stderr)
    assert result.stdout == ""


def test_a_health_file_that_cannot_be_written_is_refused(provisioned: Path) -> None:
    args = ["worker", "--settings", "settings", "--import", "tasks"]
    result = run_cli(*args, "--health-file", "no/such/dir/alive", cwd=provisioned)
    assert result.returncode == 2
    assert "--health-file no/such/dir/alive: cannot be written" in one_line(result.stderr)
    assert result.stdout == ""


def test_settings_from_the_environment_variable_work_the_same(provisioned: Path) -> None:
    env = clean_env(SETTINGS_MODULE="settings")
    result = run_cli("stats", cwd=provisioned, env=env)
    assert result.returncode == 0, result.stderr
    assert "TASKHAWK-" in result.stdout


def test_ctrl_c_while_starting_is_one_line_and_status_130(tmp_path: Path) -> None:
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        silent.settimeout(30)  # a worker that never connects fails the test, not hangs it
        endpoint = f"http://127.0.0.1:{silent.getsockname()[1]}"
        write_app(tmp_path, endpoint, "Q", AWS_READ_TIMEOUT_S=60)
        command = [sys.executable, "-m", "taskhawk.cli", "worker", "--settings", "settings"]
        worker = subprocess.Popen(
            [*command, "--import", "tasks"], cwd=tmp_path, env=clean_env(),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            connection, _ = silent.accept()  # the start checks are waiting for an answer
            worker.send_signal(signal.SIGINT)
            _, stderr = worker.communicate(timeout=30)
            connection.close()
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.communicate()
    assert worker.returncode == 130
    assert one_line(stderr) == "taskhawk worker: interrupted"


def test_a_misspelt_setting_stops_every_command_naming_the_closest(tmp_path: Path) -> None:
    """Found before any endpoint is asked: no endpoint is needed to hear about a typo."""
    write_app(tmp_path, None, "Q", TASKHAWK_MAX_RECIEVE_COUNT=5)
    for command in (
        ["worker", "--import", "tasks"],
        ["provision"],
        ["stats"],
        ["purge", "--priority", "default", "--yes"],
        ["requeue-dlq", "--priority", "default"],
        ["dev-server", "--port", "0"],
    ):
        result = run_cli(*command, "--settings", "settings", cwd=tmp_path)
        assert result.returncode == 2, (command, result.stderr)
        assert one_line(result.stderr) == (
            f"taskhawk {command[0]}: error: unknown setting in SETTINGS_MODULE=settings: "
            "TASKHAWK_MAX_RECIEVE_COUNT (did you mean TASKHAWK_MAX_RECEIVE_COUNT?); taskhawk "
            "would ignore it (docs: configuration lists every setting)"
        )


@pytest.mark.parametrize(
    ("setting", "path", "why"),
    [
        ("TASKHAWK_PRE_PROCESS_HOOK", "tasks.missing", "has no attribute 'missing'"),
        ("TASKHAWK_POST_PROCESS_HOOK", "no_such_module.hook", "No module named 'no_such_module'"),
        ("TASKHAWK_HEARTBEAT_HOOK", "tasks.nope", "has no attribute 'nope'"),
        ("TASKHAWK_DEFAULT_HEADERS", "tasks.absent", "has no attribute 'absent'"),
    ],
)
def test_a_bad_dotted_path_fails_the_worker_start_in_one_line_with_no_banner(
    provisioned: Path, setting: str, path: str, why: str
) -> None:
    """A consumer process used to import it when it first needed it, crash, and be restarted
    forever after the banner."""
    settings = provisioned / "settings.py"
    settings.write_text(settings.read_text() + f"{setting} = {path!r}\n")
    args = ["worker", "--settings", "settings", "--import", "tasks"]
    result = run_cli(*args, cwd=provisioned, timeout=30)
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert line.startswith(f"taskhawk worker: error: setting {setting}={path!r} cannot be imported")
    assert why in line
    assert result.stdout == ""  # no banner: nothing started


class SilentEndpoint:
    """Accepts every connection and never answers; counts the connections (one per try)."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        self.accepted: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:  # closed
                return
            self.accepted.append(connection)

    def close(self) -> None:
        self.server.close()
        for connection in self.accepted:
            connection.close()


@pytest.mark.parametrize(
    "command",
    [
        ["worker", "--import", "tasks"],
        ["stats"],
        ["purge", "--priority", "default", "--yes"],
        ["requeue-dlq", "--priority", "default"],
    ],
)
def test_an_endpoint_that_never_answers_is_one_try_within_the_stated_timeout_and_announced(
    tmp_path: Path, command: list[str]
) -> None:
    """botocore's retries multiplied the timeout (stats: five tries of ten seconds, in silence):
    one try now, so the error's timeout is the real wait, and a line says what is awaited."""
    silent = SilentEndpoint()
    try:
        write_app(tmp_path, silent.url, "Q", AWS_READ_TIMEOUT_S=2)
        started = time.monotonic()
        result = run_cli(*command, "--settings", "settings", cwd=tmp_path, timeout=60)
        elapsed = time.monotonic() - started
        tries = len(silent.accepted)
    finally:
        silent.close()
    assert result.returncode == 1, result.stderr
    waiting, error = result.stderr.strip().splitlines()
    assert f"taskhawk.waiting: waiting for {silent.url} to answer GetQueueUrl: at most 5s to " in (
        waiting
    )
    assert "and 2s to answer (AWS_READ_TIMEOUT_S), one try" in waiting
    assert error.startswith(f"taskhawk {command[0]}: ")
    assert f"no answer within 2s (AWS_READ_TIMEOUT_S) from {silent.url}" in error
    assert tries == 1
    assert elapsed < 2 + 15  # the 2 s wait and an interpreter's start on a busy machine


def test_a_region_the_local_endpoint_fails_on_is_one_line_not_its_html_page(
    moto_endpoint: str, tmp_path: Path
) -> None:
    """moto answers a region AWS does not have with an HTML error page, which was printed whole."""
    write_app(tmp_path, moto_endpoint, "Q", AWS_REGION="xx-odd-1")
    for command in (["stats"], ["worker", "--import", "tasks"], ["provision"]):
        result = run_cli(*command, "--settings", "settings", cwd=tmp_path)
        assert result.returncode == 1, result.stderr
        line = one_line(result.stderr)
        assert "<" not in line
        assert f"{moto_endpoint} failed (HTTP 500: 500 Internal Server Error)" in line
        assert "AWS_REGION is 'xx-odd-1', which AWS does not have" in line
