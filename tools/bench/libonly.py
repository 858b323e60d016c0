"""The library-only rows: messages per CPU second when nothing but the library runs.

`dispatch` one message at a time, then the worker's consumer (poll of 10, crash-watch observer,
logging as `taskhawk worker` sets it up, to /dev/null) takes them, all through the in-memory
transport, CHUNK messages at a time so the queue stays shallow. Upstream 4.7 does the same in
its own virtualenv (peers/upstream_cpu.py), through in-memory backends written for the
benchmark. Each round runs in a fresh process per library, the two alternating, after a warm-up
chunk; the figure is messages / CPU seconds of that process (per core, whatever else runs).

`python -m tools.bench.libonly --messages N` measures one round of this library and prints it
as JSON; `run` alternates both libraries for the benchmark.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import taskhawk
from taskhawk.priority import Priority
from taskhawk.settings import get_settings
from taskhawk.transport.current import use_transport
from taskhawk.transport.memory import MemoryTransport
from tools import ROOT
from tools.bench import peers_env
from tools.bench.bare_transport import BareTransport
from tools.bench.cpu import consumer, worker_logging
from tools.bench.otel_modes import without_opentelemetry
from tools.bench.peers import timing
from tools.bench.workload import HEADERS, TASK_KWARGS

__all__ = ["BARE", "CHUNK", "OURS", "UPSTREAM", "chunks", "measure", "run"]

CHUNK = 50
OURS = "library-only: taskhawk, dispatch + worker (in-memory transport)"
UPSTREAM = "library-only: upstream taskhawk 4.7.0, dispatch + listen_for_messages (in-memory)"
# Reported, no target: the same through a transport as bare as upstream's benchmark backends.
BARE = "library-only: taskhawk, dispatch + worker (bare transport, as upstream's backends)"
_runs = [0]


@taskhawk.task(name="bench.libonly_send_email")
def libonly_send_email(to: str, subject: str, order_id: int) -> None:
    _runs[0] += 1


@contextmanager
def chunks(bare: bool = False) -> Iterator[Callable[[int], None]]:
    """`chunk(size)`: dispatch `size` messages one at a time, then let the worker's consumer
    take them, all through one in-memory transport (`bare`: BareTransport)."""
    taskhawk.configure({"TASKHAWK_QUEUE": "BENCH-LIBONLY", "AWS_REGION": "us-east-1"})
    # No record of sent messages: it is a test's to inspect, and it would hold every body.
    memory = None if bare else MemoryTransport(keep_sent=False)
    invocation = libonly_send_email.with_headers(**HEADERS)
    with worker_logging(True), use_transport(memory or BareTransport()):
        if memory is not None:
            memory.create_queue(get_settings().names.queue(Priority.default))
        polling = consumer(10)

        def chunk(size: int) -> None:
            for _ in range(size):
                invocation.dispatch(**TASK_KWARGS)
            done = 0
            while done < size:
                done += polling.poll(0, 0)

        with polling.inflight:
            yield chunk


def measure(messages: int, bare: bool = False) -> dict[str, Any]:
    """One round in this process: a warm-up chunk, then `messages` timed."""
    with chunks(bare) as chunk:
        chunk(CHUNK)
        _runs[0] = 0
        rate = timing.chunk_rate(chunk, messages, CHUNK)
    if _runs[0] != messages:
        raise RuntimeError(f"ran {_runs[0]} of {messages} tasks")
    return rate


def run(messages: int, rounds: int, with_peers: bool) -> dict[str, Any]:
    """Both libraries, alternating, `rounds` times; rates per row and why a row is missing."""
    rates: dict[str, list[float]] = {OURS: [], BARE: []}
    unavailable: dict[str, str] = {}
    upstream: list[str] | None = None
    if with_peers:
        try:
            python = peers_env.peer_python("upstream")
            upstream = [str(python), str(peers_env.DRIVERS / "upstream_driver.py")]
            rates[UPSTREAM] = []
        except RuntimeError as error:
            unavailable[UPSTREAM] = str(error)
    else:
        unavailable[UPSTREAM] = "skipped (--no-peers)"
    env = peers_env.offline_env(TASK_KWARGS, HEADERS)
    for _ in range(rounds):
        rates[OURS].append(_ours(messages)["per_cpu_s"])
        rates[BARE].append(_ours(messages, "--bare")["per_cpu_s"])
        if upstream is not None:
            command = [*upstream, "library-only", "--count", str(messages)]
            rates[UPSTREAM].append(peers_env.run_driver(command, env)["per_cpu_s"])
    rows = [_row(name, values, messages) for name, values in rates.items()]
    return {"rows": rows, "unavailable": unavailable}


def _ours(messages: int, *flags: str) -> dict[str, Any]:
    command = [sys.executable, "-m", "tools.bench.libonly", "--messages", str(messages), *flags]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[1:3])} failed: {done.stderr.strip()[-300:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _row(name: str, rates: list[float], messages: int) -> dict[str, Any]:
    median = statistics.median(rates)
    return {
        "row": name,
        "messages": messages,
        "median_per_cpu_s": round(median, 1),
        "min_per_cpu_s": round(min(rates), 1),
        "max_per_cpu_s": round(max(rates), 1),
        "spread": round((max(rates) - min(rates)) / median, 3),
        "rounds": len(rates),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench.libonly", description=__doc__)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--bare", action="store_true", help="through BareTransport")
    args = parser.parse_args(argv)
    with without_opentelemetry():  # as without the [otel] extra, like the CPU rows
        print(json.dumps(measure(args.messages, args.bare)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
