"""`python -m tools.bench async`: 1,000 tasks that each await 100 ms of simulated I/O.

Rows, each against the benchmark endpoint (messages per second, and the CPU the consuming
processes spent per message):

- one `taskhawk worker` process with `--concurrency`, the tasks `async def`;
- the same tasks as plain functions (`time.sleep`), `--processes` one per core;
- the raw boto3 loop (Receive(10) + DeleteMessageBatch, no task at all): what the endpoint
  allows at most, so the rows above read as a share of it;
- dramatiq with its AsyncIO middleware, `async def` actors, one process with as many threads as
  the async worker's concurrency (dramatiq runs a coroutine per worker thread), when it can be
  installed into build/bench-venvs/.

As in every consumer row, the messages are put on the queue CHUNK (50) at a time, each chunk
timed from its first receive until every message is deleted and every task reported it ran: so
at most 50 can be in flight, and each async consumer is allowed exactly that many. Writes
tools/bench/results/async.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools.bench import peers_env
from tools.bench.asynctasks import IO_S, wait_async, wait_plain
from tools.bench.consumer_plan import LOGS
from tools.bench.consumers import CHUNK, Consumer, capture, measure_consumer
from tools.bench.local import LIB_APP, Endpoint, Queued, configure_library, endpoint, provision
from tools.bench.report import RESULTS, machine, provenance
from tools.bench.workload import HEADERS, TASK_KWARGS

__all__ = ["main", "run"]

CONCURRENCY = CHUNK  # the most messages the benchmark ever has on the queue at once
PEER_QUEUE = "bench-dramatiq-async"
PLAIN = "plain"


@dataclass
class Row:
    name: str
    consumer: Consumer
    messages: list[Queued]
    rates: list[float] = field(default_factory=list)
    cpu_s: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _worker(point: Endpoint, options: list[str], processes: int) -> Consumer:
    env = {"BENCH_ENDPOINT": point.url, "BENCH_APP_QUEUE": LIB_APP, "BENCH_FIFO": ""}
    command = [sys.executable, "-m", "taskhawk.cli", "worker", "--settings",
               "tools.bench.libsettings", "--import", "tools.bench.asynctasks",
               *options]  # fmt: skip
    return Consumer(command, env, f"TASKHAWK-{LIB_APP}", processes)


def _rows(point: Endpoint, python: Path | None) -> list[Row]:
    queue = f"TASKHAWK-{LIB_APP}"
    configure_library(point.url, via_sns=False)
    waits, sleeps = (
        capture(point, queue, lambda n, t=task: t.dispatch_many([((), TASK_KWARGS)] * n), CHUNK)  # type: ignore[misc]
        for task in (wait_async, wait_plain)
    )
    cores = os.cpu_count() or 1
    rows = [
        Row(f"taskhawk worker --concurrency {CONCURRENCY} --processes 1 (async def)",
            _worker(point, ["--concurrency", str(CONCURRENCY)], 1), waits),
        Row(f"taskhawk worker --num-messages 10 --processes {cores} ({PLAIN} def)",
            _worker(point, ["--num-messages", "10", "--processes", str(cores)], cores), sleeps),
    ]  # fmt: skip
    raw = [sys.executable, "-m", "tools.bench.rawloop", "--endpoint", point.url,
           "--queue-url", point.queue_url(queue), "--max", "10", "--delete", "batch"]  # fmt: skip
    rows.append(Row(f"{peers_env.RAW_10_BATCH} (no task: the endpoint's ceiling)",
                    Consumer(raw, {}, queue), waits))  # fmt: skip
    if python is not None:
        rows.append(_peer_row(point, python))
    return rows


def _peer_row(point: Endpoint, python: Path) -> Row:
    (peer,) = [peer for peer in peers_env.PEERS if peer.name == "dramatiq"]
    driver = [str(python), str(peers_env.DRIVERS / "dramatiq_async_driver.py")]
    env = {
        "BENCH_ENDPOINT": point.url,
        "BENCH_QUEUE_URL": point.queue_url(PEER_QUEUE),
        "BENCH_TASK_KWARGS": json.dumps(TASK_KWARGS),
        "BENCH_HEADERS": json.dumps(HEADERS),
        "BENCH_THREADS": str(CONCURRENCY),
    }
    point.sqs.create_queue(QueueName=PEER_QUEUE)
    messages = capture(
        point, PEER_QUEUE,
        lambda n: peers_env.run_driver([*driver, "capture", "--count", str(n)], env), CHUNK,
    )  # fmt: skip
    title = f"{peer.title}, AsyncIO, 1 process x {CONCURRENCY} threads (async def)"
    return Row(
        title, Consumer([*driver, "worker"], env, PEER_QUEUE, 1, peers_env.DRIVERS), messages
    )


def run(count: int, rounds: int, with_peers: bool) -> dict[str, Any]:
    LOGS.mkdir(parents=True, exist_ok=True)
    python, unavailable = None, {}
    if with_peers:
        try:
            python = peers_env.peer_python("dramatiq")
        except RuntimeError as error:
            unavailable["dramatiq AsyncIO"] = str(error)
    with endpoint() as point:
        provision(point)
        rows = _rows(point, python)
        for number in range(1, rounds + 1):
            print(f"round {number}/{rounds}", flush=True)
            for index, row in enumerate(rows):
                _measure(point, row, count, LOGS / f"async-row-{index}.log")
    return {"rows": [_record(row, count, rows) for row in rows], "unavailable": unavailable}


def _measure(point: Endpoint, row: Row, count: int, log: Path) -> None:
    begun = time.monotonic()
    try:
        rate, _ = measure_consumer(point, row.consumer, row.messages, count, log, row.cpu_s)
    except Exception as error:  # one row failing must not lose the others
        row.errors.append(f"{type(error).__name__}: {error}")
        print(f"  {row.name:<76} FAILED: {row.errors[-1]}", flush=True)
        return
    row.rates.append(rate)
    cpu_us = row.cpu_s[-1] / count * 1e6
    print(f"  {row.name:<76} {rate:7.1f} msg/s {cpu_us:7.0f} us CPU/msg "
          f"({time.monotonic() - begun:4.1f}s)", flush=True)  # fmt: skip


def _record(row: Row, count: int, rows: list[Row]) -> dict[str, Any]:
    record: dict[str, Any] = {"row": row.name, "messages": count, "io_s": IO_S}
    if row.rates:
        median = statistics.median(row.rates)
        record.update(
            median_per_s=round(median, 1),
            min_per_s=round(min(row.rates), 1),
            max_per_s=round(max(row.rates), 1),
            rounds=len(row.rates),
            cpu_us_per_message=round(statistics.median(row.cpu_s) / count * 1e6, 1),
        )
        plain = [r for r in rows if f"({PLAIN} def)" in r.name and r.rates]
        if plain:
            record["x_plain_processes"] = round(median / statistics.median(plain[0].rates), 2)
    if row.errors:
        record["errors"] = "; ".join(dict.fromkeys(row.errors))
    return record


def main(args: argparse.Namespace) -> int:
    started = time.monotonic()
    before = provenance()
    measured = run(args.async_messages, args.rounds, not args.no_peers)
    results = {
        **before, **machine(), "load_average_after": provenance()["load_average"],
        "seconds": round(time.monotonic() - started, 1), "chunk": CHUNK, **measured,
    }  # fmt: skip
    for reason in measured["unavailable"].items():
        print("unavailable: {}: {}".format(*reason))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "async.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"written to tools/bench/results/async.json in {results['seconds']:.0f}s", flush=True)
    return 1 if any("errors" in row for row in measured["rows"]) else 0
