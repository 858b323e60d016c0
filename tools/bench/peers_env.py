"""The peers' virtualenvs under build/bench-venvs/: created from tools/bench/requirements/*.txt on
first use (and again when a requirements file changes), then checked by importing what the driver
needs. A peer that cannot be installed is reported as unavailable, with the reason."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools import ROOT

VENVS = ROOT / "build" / "bench-venvs"
REQUIREMENTS = ROOT / "tools" / "bench" / "requirements"
DRIVERS = ROOT / "tools" / "bench" / "peers"
RAW_10_BATCH = "raw Receive(10) + DeleteMessageBatch"
RAW_1 = "raw Receive(1) + DeleteMessage"
INSTALL_TIMEOUT_S = 900


@dataclass(frozen=True)
class Peer:
    name: str  # requirements/<name>.txt, peers/<name>_driver.py
    title: str
    queue: str
    dispatch_label: str
    dispatch_baseline: str
    dispatch_note: str
    workers: tuple[tuple[str, tuple[str, ...], str], ...]  # label, driver arguments, baseline
    worker_note: str = ""


PEERS = (
    Peer(
        "upstream",
        "upstream taskhawk 4.7.0",
        "TASKHAWK-BENCH-UPSTREAM",
        "dispatch (SNS, as shipped)",
        "raw SNS Publish",
        "as shipped: every dispatch publishes 3 copies and raises KeyError (counted as sent)",
        (
            ("listen_for_messages(num_messages=1)", ("--num-messages", "1"), RAW_1),
            ("listen_for_messages(num_messages=10)", ("--num-messages", "10"), RAW_10_BATCH),
        ),
        "deletes each message with its own DeleteMessage",
    ),
    Peer(
        "celery",
        "Celery 5.7.0 SQS",
        "bench-celery",
        "apply_async",
        "raw SendMessage",
        "",
        (
            ("worker -P solo, prefetch 1", ("--prefetch", "1"), RAW_1),
            ("worker -P solo, prefetch 10", ("--prefetch", "10"), RAW_10_BATCH),
        ),
        "kombu deletes each message with its own DeleteMessage",
    ),
    Peer(
        "dramatiq",
        "dramatiq 2.2.1 + dramatiq-sqs 0.4.4",
        "bench-dramatiq",
        "send",
        "raw SendMessage",
        "",
        (("worker, 1 process x 8 threads", (), RAW_10_BATCH),),
        "receives up to 10, deletes each message with its own DeleteMessage",
    ),
)


def _python(name: str) -> Path:
    return VENVS / name / "bin" / "python"


def _install(peer: Peer) -> str | None:
    """None when the venv is ready, else why it is not."""
    requirements = REQUIREMENTS / f"{peer.name}.txt"
    stamp = VENVS / peer.name / ".bench-requirements"
    wanted = requirements.read_text()
    if not (_python(peer.name).exists() and stamp.exists() and stamp.read_text() == wanted):
        print(f"installing {peer.title} into {(VENVS / peer.name).relative_to(ROOT)}", flush=True)
        for step in _install_steps(peer.name, requirements):
            try:
                done = subprocess.run(
                    step, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S, check=False
                )
            except subprocess.TimeoutExpired:
                return f"`{' '.join(step[1:3])}` timed out after {INSTALL_TIMEOUT_S}s"
            if done.returncode != 0:
                return f"`{' '.join(step[1:3])}` failed: {_tail(done.stderr or done.stdout)}"
        stamp.write_text(wanted)
    try:
        run_driver([str(_python(peer.name)), str(DRIVERS / f"{peer.name}_driver.py"), "check"], {})
    except Exception as error:
        return f"installed, but its driver cannot import it: {error}"
    return None


def _install_steps(name: str, requirements: Path) -> list[list[str]]:
    """By the pinned uv beside this interpreter (the project's virtualenv has it): seconds from
    its cache where pip took a minute or more. By venv and pip where there is no uv."""
    uv = Path(sys.executable).parent / "uv"
    venv, python = str(VENVS / name), str(_python(name))
    if not uv.exists():
        return [
            [sys.executable, "-m", "venv", "--clear", venv],
            [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             "-r", str(requirements)],
        ]  # fmt: skip
    return [
        [str(uv), "venv", "--quiet", "--clear", "--python", sys.executable, venv],
        [str(uv), "pip", "install", "--quiet", "--compile-bytecode", "--python", python,
         "-r", str(requirements)],
    ]  # fmt: skip


def peer_python(name: str) -> Path:
    """The interpreter of a peer's virtualenv, installed first if needed (the mixed-fleet test
    runs upstream Taskhawk this way); RuntimeError saying why it cannot be."""
    (peer,) = [peer for peer in PEERS if peer.name == name]
    reason = _install(peer)
    if reason is not None:
        raise RuntimeError(f"{peer.title} cannot be installed: {reason}")
    return _python(name)


def _tail(text: str, lines: int = 3) -> str:
    kept = [line for line in text.strip().splitlines() if not line.startswith("WARNING")]
    return " / ".join(kept[-lines:])


def prepare(with_peers: bool) -> tuple[dict[str, Path], dict[str, str]]:
    """Interpreters of the peers that are ready, and why the others are not."""
    pythons: dict[str, Path] = {}
    unavailable: dict[str, str] = {}
    for peer in PEERS:
        if not with_peers:
            unavailable[peer.title] = "skipped (--no-peers)"
            continue
        reason = _install(peer)
        if reason is None:
            pythons[peer.name] = _python(peer.name)
        else:
            unavailable[peer.title] = reason
            print(f"{peer.title}: unavailable: {reason}", flush=True)
    return pythons, unavailable


def offline_env(task_kwargs: dict[str, Any], headers: dict[str, str]) -> dict[str, str]:
    """A driver's environment for its commands that never reach an endpoint (cpu,
    library-only): the workload, and an endpoint nothing listens on."""
    return {
        "BENCH_ENDPOINT": "http://127.0.0.1:9",
        "BENCH_TASK_KWARGS": json.dumps(task_kwargs),
        "BENCH_HEADERS": json.dumps(headers),
    }


def run_driver(command: list[str], env: dict[str, str], timeout: float = 600) -> Any:
    """Run a driver to completion; its last stdout line, as JSON when it is JSON."""
    done = subprocess.run(
        command,
        cwd=DRIVERS,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        start_new_session=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"exit {done.returncode}: {_tail(done.stderr)}")
    last = (done.stdout.strip().splitlines() or [""])[-1]
    try:
        return json.loads(last)
    except ValueError:
        return last
