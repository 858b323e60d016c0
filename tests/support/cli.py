"""The real `taskhawk` command in a subprocess, in a directory of the test's own, as a user runs
it: its own settings module and task modules, no AWS configuration from this machine."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.conftest import ACCOUNT_ID, REGION, SECRET_KEY

__all__ = ["Running", "clean_env", "run_cli", "said", "write_app"]

ROOT = Path(__file__).resolve().parents[2]
_DROPPED = ("SETTINGS_MODULE", "DJANGO_SETTINGS_MODULE", "PYTHONPATH")


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without taskhawk's or AWS's own variables: nothing leaks in."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in _DROPPED and not key.startswith("AWS_")
    }
    env.update(
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
        PYTHONUNBUFFERED="1",
        PYTHONPATH=str(ROOT),  # the checkout's taskhawk, whichever directory the test runs in
    )
    env.update(extra)
    return env


def said(stderr: str) -> str:
    """What a command said on stderr, without its notices of an endpoint slow to answer (which
    a busy machine makes of the test's own endpoint now and then)."""
    return "".join(
        line for line in stderr.splitlines(keepends=True) if " taskhawk.waiting: " not in line
    )


def run_cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 60, **kwargs: Any
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "taskhawk.cli", *args],
        cwd=cwd,
        env=env if env is not None else clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        **kwargs,
    )


def write_app(
    directory: Path, endpoint: str | None, queue: str, *, tasks: bool = True, **settings: Any
) -> Path:
    """settings.py (endpoint None: no endpoint, region or keys) and tasks.py in `directory`."""
    values: dict[str, Any] = {"TASKHAWK_QUEUE": queue}
    if endpoint is not None:
        values.update(
            AWS_REGION=REGION,
            AWS_ACCOUNT_ID=ACCOUNT_ID,
            AWS_ACCESS_KEY="testing",
            AWS_SECRET_KEY=SECRET_KEY,
            AWS_ENDPOINT_SQS=endpoint,
            AWS_ENDPOINT_SNS=endpoint,
        )
    values.update(settings)
    text = "".join(f"{name} = {value!r}\n" for name, value in values.items())
    (directory / "settings.py").write_text(text)
    if tasks:
        (directory / "tasks.py").write_text(
            "import taskhawk\n\n\n@taskhawk.task\n"
            "def send_email(to: str, subject: str) -> None:\n"
            "    print(f'sending {subject!r} to {to}', flush=True)\n"
        )
    return directory


class Running:
    """A `taskhawk` command running in its own session, stdout and stderr in files."""

    def __init__(self, args: list[str], cwd: Path, env: dict[str, str]) -> None:
        self.out_path, self.err_path = cwd / "stdout.txt", cwd / "stderr.txt"
        with self.out_path.open("wb") as out, self.err_path.open("wb") as err:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "taskhawk.cli", *args],
                cwd=cwd,
                env=env,
                stdout=out,
                stderr=err,
                start_new_session=True,
            )

    @property
    def stdout(self) -> str:
        return self.out_path.read_text(errors="replace")

    @property
    def stderr(self) -> str:
        return self.err_path.read_text(errors="replace")

    def wait_for(self, text: str, *, stream: str = "stderr", timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while text not in (self.stdout if stream == "stdout" else self.stderr):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(
                    f"{text!r} never appeared\nstdout:\n{self.stdout}\nstderr:\n{self.stderr}"
                )
            time.sleep(0.05)

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 30) -> int:
        os.kill(self.process.pid, signum)
        return self.process.wait(timeout)

    def kill(self) -> None:
        """The whole session, whatever state it is in (test teardown)."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(10)
