"""`make demo` is one of the two commands the README starts with: it runs here as a reader runs
it, end to end against its own dev-server, so a change that breaks it fails the suite."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.support.cli import clean_env
from tests.support.worker_rig import ROOT

pytestmark = pytest.mark.integration


def test_the_demo_runs_every_task_and_stops_cleanly() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tools.demo"], cwd=ROOT, env=clean_env(), capture_output=True,
        text=True, timeout=240, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    ran = result.stdout.split("== what ran")[1]
    for done in ("charged 19.99", "sent 'Welcome!'", "built the 2024-05 report",
                 "through S3", "synced inventory", "purged stale carts"):  # fmt: skip
        assert done in ran, ran
    assert "worker exited with status 0" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
