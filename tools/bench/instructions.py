"""CPU work per message counted in instructions, for ratios a busy machine cannot move.

On a shared machine the CPU time of the same code swings by half between runs (other guests
take caches and cores), so a CPU ratio from one noisy run can say "missed" or "met" by luck.
Valgrind's callgrind counts the instructions the process executes instead: the same code gives
the same count on any run. Each row runs in a fresh process per library under callgrind,
counting only inside `timing.counted` (set-up, imports and warm-up are left out), with hash
randomisation off. Rows: the consume and SNS dispatch rows of the CPU section (botocore
answered in-process) and the library-only row (in-memory transports), for this library and
upstream 4.7 alike.

Instructions are not time (a cache miss costs more than an add), so these ratios sit beside
the CPU-time ones, not in their place. Needs valgrind; without it the section says so.

`python -m tools.bench.instructions --row ROW --messages N` runs one row of this library for
the count (it is what runs under valgrind).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import re
import shutil
import subprocess
import sys
from typing import Any

from tools import ROOT
from tools.bench import cpu, libonly, peers_env
from tools.bench.otel_modes import without_opentelemetry
from tools.bench.peers import timing
from tools.bench.workload import HEADERS, TASK_KWARGS

__all__ = ["LIBRARY_ONLY", "ROWS", "count_instructions", "measure_row", "report", "run"]

LIBRARY_ONLY = "library-only"
ROWS = ("consume: poll of 10, worker logging", "publish: dispatch (SNS)", LIBRARY_ONLY)
MESSAGES = 300  # per row and library: the count does not vary, so one round is enough
WARM_UP_CALLS = 20
_COLLECTED = re.compile(r"Collected : (\d+)")


def measure_row(row: str, messages: int) -> int:
    """Run `messages` of `row` inside timing.counted, after a warm-up; how many ran."""
    if row == LIBRARY_ONLY:
        with libonly.chunks() as chunk:
            chunk(libonly.CHUNK)
            calls = -(-messages // libonly.CHUNK)
            timing.counted(functools.partial(chunk, libonly.CHUNK), calls)
        return calls * libonly.CHUNK
    with cpu.scenario(row) as (call, per):
        for _ in range(WARM_UP_CALLS):
            call()
        calls = -(-messages // per)
        timing.counted(call, calls)
    return calls * per


def count_instructions(command: list[str], cwd: str, env: dict[str, str]) -> tuple[int, int]:
    """(instructions counted, messages run) of one command under callgrind."""
    valgrind = [
        "valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
        "--collect-atstart=no", f"--toggle-collect={timing.COUNTED_FUNCTION}",
    ]  # fmt: skip
    done = subprocess.run(
        [*valgrind, *command],
        cwd=cwd,
        env={**os.environ, **env, "PYTHONHASHSEED": "0"},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    found = _COLLECTED.findall(done.stderr)
    if done.returncode != 0 or not found:
        raise RuntimeError(f"exit {done.returncode}: {done.stderr.strip()[-300:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return int(found[-1]), int(result["messages"])


def run(with_peers: bool = True, messages: int = MESSAGES) -> dict[str, Any]:
    """Instructions per message of each row, this library's and upstream's."""
    if shutil.which("valgrind") is None:
        return {"rows": [], "unavailable": {"instructions": "valgrind is not installed"}}
    rows: list[dict[str, Any]] = []
    unavailable: dict[str, str] = {}
    ours = [sys.executable, "-m", "tools.bench.instructions", "--messages", str(messages)]
    upstream: list[str] | None = None
    if with_peers:
        try:
            python = peers_env.peer_python("upstream")
            upstream = [str(python), str(peers_env.DRIVERS / "upstream_driver.py"), "instructions"]
        except RuntimeError as error:
            unavailable["upstream taskhawk 4.7.0"] = str(error)
    else:
        unavailable["upstream taskhawk 4.7.0"] = "skipped (--no-peers)"
    env = peers_env.offline_env(TASK_KWARGS, HEADERS)
    for row in ROWS:
        found: dict[str, Any] = {"row": row}
        counted, ran = count_instructions([*ours, "--row", row], str(ROOT), {})
        found["taskhawk"] = round(counted / ran)
        if upstream is not None:
            command = [*upstream, "--row", row, "--count", str(messages)]
            counted, ran = count_instructions(command, str(peers_env.DRIVERS), env)
            found["upstream 4.7"] = round(counted / ran)
        rows.append(found)
    return {"rows": rows, "unavailable": unavailable}


def report(results: dict[str, Any]) -> list[str]:
    lines = [f"{'instructions per message':<40} {'taskhawk':>10} {'upstream 4.7':>13} {'ratio':>6}"]
    for row in results["rows"]:
        theirs = row.get("upstream 4.7")
        upstream = f"{theirs:,}" if theirs else ""
        ratio = f"{row['taskhawk'] / theirs:.2f}" if theirs else ""
        lines.append(f"{row['row']:<40} {row['taskhawk']:>10,} {upstream:>13} {ratio:>6}")
    for who, reason in results["unavailable"].items():
        lines.append(f"unavailable: {who}: {reason}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench.instructions", description=__doc__)
    parser.add_argument("--row", choices=ROWS, required=True)
    parser.add_argument("--messages", type=int, default=MESSAGES)
    args = parser.parse_args(argv)
    with without_opentelemetry():  # as without the [otel] extra, like the CPU rows
        ran = measure_row(args.row, args.messages)
    print(json.dumps({"row": args.row, "messages": ran}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
