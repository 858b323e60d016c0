"""`python -m tools.demo`: dev-server, worker, tasks of every priority, a dead letter requeued,
a periodic task fired by the dev-server's stand-in for EventBridge Scheduler.

Everything it starts runs in its own process group and is stopped (SIGTERM, then SIGKILL) on
the way out, whatever happens, so nothing is left behind.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from taskhawk.admin.aws_admin import AWSAdmin
from taskhawk.settings import get_settings
from tools import ROOT
from tools.demo import tasks

TASKHAWK = [sys.executable, "-m", "taskhawk.cli"]
READY = "# taskhawk dev-server ready"


def say(text: str) -> None:
    print(f"\n== {text}", flush=True)


@contextmanager
def started(
    command: list[str], env: dict[str, str], **kwargs: object
) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        command, env=env, cwd=ROOT, text=True, start_new_session=True, **kwargs
    )  # type: ignore[call-overload]
    try:
        yield process
    finally:
        stop(process)


def stop(process: subprocess.Popen[str], timeout: float = 40) -> int:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return process.returncode


def read_settings(stdout: IO[str], stderr: IO[str]) -> dict[str, str]:
    """`--format json` prints the settings object alone on stdout, once its queues exist; its
    comments, the ready line among them, go to stderr."""
    line = stdout.readline()
    if not line.startswith("{"):
        raise RuntimeError(f"taskhawk dev-server printed no settings: {line!r}")
    for comment in stderr:
        if comment.startswith(READY):
            return dict(json.loads(line))
        if comment.startswith("# "):
            print(f"   {comment[2:].rstrip()}")
    raise RuntimeError("taskhawk dev-server exited before it was ready")


def echo(stream: IO[str], prefix: str) -> threading.Thread:
    def pump() -> None:
        for line in stream:
            if line[:1].isdigit():  # log lines; their tracebacks are left out of the demo
                print(f"{prefix} {line.rstrip()}", flush=True)

    thread = threading.Thread(target=pump, daemon=True)
    thread.start()
    return thread


def firings(stream: IO[str]) -> threading.Thread:
    """The dev-server's lines once it is ready: each schedule it fires."""

    def pump() -> None:
        for line in stream:
            if line.startswith("# fired"):
                print(f"   dev-server | {line[2:].rstrip()}", flush=True)

    thread = threading.Thread(target=pump, daemon=True)
    thread.start()
    return thread


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.5)


def dispatch_examples() -> None:
    tasks.send_welcome_email.dispatch("ada@example.com")
    tasks.charge_card.with_headers(request_id="req-42").dispatch("order-7", 1999)
    tasks.build_report.dispatch("2024-05")
    tasks.expire_session.dispatch("s-123")
    tasks.sync_inventory.dispatch("SKU-1")
    tasks.import_catalog.dispatch([f"SKU-{n},{'x' * 200}" for n in range(10_000)])
    print("   dispatched 6 tasks: default, high, low and bulk priority, one of 2 MiB through S3")


def dead_letters(queue: str) -> int:
    return AWSAdmin(get_settings()).approximate_count(queue) or 0


def run(state: Path, env: dict[str, str]) -> int:
    say("starting a local SQS/SNS/S3 endpoint: taskhawk dev-server (moto on 127.0.0.1)")
    server_command = [*TASKHAWK, "dev-server", "--queue", "DEMO", "--max-receive-count", "2"]
    server_command += ["--port", "0", "--format", "json"]
    server_env = {k: v for k, v in env.items() if k != "SETTINGS_MODULE"}  # not configured yet
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    with started(server_command, server_env, **pipes) as server:
        assert server.stdout is not None and server.stderr is not None
        values = read_settings(server.stdout, server.stderr)
        print(f"   endpoint {values['AWS_ENDPOINT_SQS']}, queues provisioned")
        firings(server.stderr)
        env.update(values)
        os.environ.update(env)
        return with_worker(state, env)


def with_worker(state: Path, env: dict[str, str]) -> int:
    say("starting taskhawk worker: 2 processes over every priority")
    priorities = [arg for p in ("high", "default", "low", "bulk") for arg in ("--priority", p)]
    command = [
        *TASKHAWK,
        "worker",
        "--settings",
        "tools.demo.settings",
        *priorities,
        "--processes",
        "2",
    ]
    with started([*command, "--num-messages", "10"], env, stderr=subprocess.PIPE) as worker:
        assert worker.stderr is not None
        echo(worker.stderr, "   worker |")
        (state / "inventory-outage").touch()
        say("dispatching example tasks (the inventory service is down)")
        dispatch_examples()
        dlq = "TASKHAWK-DEMO-DLQ"
        wait_for(lambda: dead_letters(dlq) == 1, "sync_inventory to reach the DLQ")
        say(f"sync_inventory failed twice and is now in {dlq}; the outage is fixed, requeue it")
        (state / "inventory-outage").unlink()
        subprocess.run([*TASKHAWK, "requeue-dlq", "--priority", "default"], env=env, check=True)
        ran = state / "ran.txt"
        wait_for(lambda: "synced inventory" in ran.read_text(), "the requeued task to run")
        say("taskhawk provision: the periodic task's EventBridge Scheduler schedule (1 minute)")
        provision = [*TASKHAWK, "provision", "--priority", "low"]
        subprocess.run(provision, env=env, check=True, stdout=subprocess.DEVNULL)
        wait_for(lambda: "purged stale carts" in ran.read_text(), "the periodic task to run")
        time.sleep(1)
        say("stopping the worker (SIGTERM): in-flight tasks finish, exit status 0")
        status = stop(worker)
        print(f"   worker exited with status {status}")
    say("what ran")
    print(ran.read_text().rstrip())
    return status


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="taskhawk-demo-") as state:
        env = {
            **os.environ,
            "SETTINGS_MODULE": "tools.demo.settings",
            "TASKHAWK_DEMO_STATE": state,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        }
        sys.path.insert(0, str(ROOT))
        status = run(Path(state), env)
    say("done: dev-server and worker stopped" if status == 0 else f"worker status {status}")
    return status


if __name__ == "__main__":
    sys.exit(main())
