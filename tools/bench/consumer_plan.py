"""The consumer rows of the throughput benchmark, and the memory rows.

Standard queue: raw boto3 loops, `taskhawk worker` at 1 and 10 messages per receive with 1 and
2 processes. FIFO queue (a `TASKHAWK_FIFO` app, its messages dispatched `with_group` over ten
groups): the raw loop and the worker, 10 per receive. Peers: upstream 4.7, Celery, dramatiq,
each reading messages its own dispatch wrote. Memory: one worker process each of this library
and of upstream 4.7 runs MEMORY_TASKS tasks; its resident set size is read after each thousand.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tools import ROOT
from tools.bench import peers_env
from tools.bench.consumers import CHUNK, Consumer, capture, measure_consumer, measure_memory
from tools.bench.libtasks import send_email
from tools.bench.local import FIFO_APP, LIB_APP, UP_APP, Endpoint, Queued, configure_library
from tools.bench.workload import HEADERS, TASK_KWARGS

__all__ = [
    "FIFO_GROUPS",
    "MEMORY_TASKS",
    "Step",
    "consumer_rows",
    "memory_steps",
    "peer_rows",
    "worker",
]

LOGS = ROOT / "build" / "bench-logs"
FIFO_GROUPS = 10
MEMORY_TASKS = 5000
MEMORY_EVERY = 1000  # tasks between two readings
RAW_FIFO = "raw Receive(10) + DeleteMessageBatch (FIFO)"
WORKER_10 = "taskhawk worker --num-messages 10 --processes 1"
UPSTREAM_10 = "upstream taskhawk 4.7.0 listen_for_messages(num_messages=10)"

# (group, name, baseline, messages per round, note), and what measures it
Step = tuple[tuple[str, str, str | None, int, str], Callable[[], tuple[float, float | None]]]


def worker(point: Endpoint, app: str, size: int, processes: int, fifo: bool = False) -> Consumer:
    env = {"BENCH_ENDPOINT": point.url, "BENCH_APP_QUEUE": app, "BENCH_FIFO": "1" if fifo else ""}
    queue = f"TASKHAWK-{app}{'.fifo' if fifo else ''}"
    return Consumer(
        [sys.executable, "-m", "taskhawk.cli", "worker",
         "--settings", "tools.bench.libsettings", "--import", "tools.bench.libtasks",
         "--num-messages", str(size), "--processes", str(processes)],
        env, queue, processes,
    )  # fmt: skip


def _raw(point: Endpoint, queue: str, size: int, delete: str) -> Consumer:
    return Consumer(
        [sys.executable, "-m", "tools.bench.rawloop", "--endpoint", point.url,
         "--queue-url", point.queue_url(queue), "--max", str(size), "--delete", delete],
        {}, queue,
    )  # fmt: skip


def _measured(point: Endpoint, consumer: Consumer, messages: list[Queued], count: int,
              log: str) -> Callable[[], tuple[float, float | None]]:  # fmt: skip
    return lambda: measure_consumer(point, consumer, messages, count, LOGS / log)


def consumer_rows(
    point: Endpoint, lib_messages: list[Queued], batched: int, single: int
) -> list[Step]:
    queue = f"TASKHAWK-{LIB_APP}"
    steps: list[Step] = []
    for name, size, delete in (
        (peers_env.RAW_1, 1, "single"),
        (peers_env.RAW_10_BATCH, 10, "batch"),
        ("raw Receive(10) + 10 DeleteMessage", 10, "single"),
    ):
        count = batched if delete == "batch" else single
        raw = _raw(point, queue, size, delete)
        log = f"raw-{size}-{delete}.log"
        steps.append((("consume", name, None, count, ""),
                      _measured(point, raw, lib_messages, count, log)))  # fmt: skip
    for size, processes in ((1, 1), (1, 2), (10, 1), (10, 2)):
        baseline = peers_env.RAW_1 if size == 1 else peers_env.RAW_10_BATCH
        count = batched if size == 10 else single
        name = f"taskhawk worker --num-messages {size} --processes {processes}"
        consumer = worker(point, LIB_APP, size, processes)
        log = f"taskhawk-worker-{size}x{processes}.log"
        steps.append((("consume", name, baseline, count, ""),
                      _measured(point, consumer, lib_messages, count, log)))  # fmt: skip
    return steps + _fifo_rows(point, batched)


def _fifo_rows(point: Endpoint, count: int) -> list[Step]:
    """The worker on a FIFO queue next to the raw loop on it, ten message groups."""
    queue = f"TASKHAWK-{FIFO_APP}.fifo"
    configure_library(point.url, via_sns=False, app=FIFO_APP, fifo=True)
    invocations = [
        send_email.with_headers(**HEADERS).with_group(f"customer-{n}") for n in range(FIFO_GROUPS)
    ]

    def dispatch(n: int) -> None:
        for index in range(n):
            invocations[index % FIFO_GROUPS].dispatch(**TASK_KWARGS)

    messages = capture(point, queue, dispatch, CHUNK)
    raw = _raw(point, queue, 10, "batch")
    consumer = worker(point, FIFO_APP, 10, 1, fifo=True)
    return [
        (("consume", RAW_FIFO, None, count, ""),
         _measured(point, raw, messages, count, "raw-10-batch-fifo.log")),
        (("consume", f"{WORKER_10} (FIFO)", RAW_FIFO, count, ""),
         _measured(point, consumer, messages, count, "taskhawk-worker-10x1-fifo.log")),
    ]  # fmt: skip


def peer_rows(
    point: Endpoint, pythons: dict[str, Path], count: int, unavailable: dict[str, str]
) -> tuple[list[Step], dict[str, list[Queued]]]:
    """Each peer's dispatch and worker rows; the messages each peer wrote, by peer name."""
    steps: list[Step] = []
    captured: dict[str, list[Queued]] = {}
    for peer in peers_env.PEERS:
        python = pythons.get(peer.name)
        if python is None:
            continue
        env = _peer_env(point, peer.queue)
        driver = [str(python), str(peers_env.DRIVERS / f"{peer.name}_driver.py")]

        def dispatch(n: int, d: list[str] = driver, e: dict[str, str] = env) -> None:
            peers_env.run_driver([*d, "capture", "--count", str(n)], e)

        try:
            captured[peer.name] = capture(point, peer.queue, dispatch, CHUNK)
        except Exception as error:
            unavailable[peer.title] = f"capturing its messages failed: {error}"
            continue

        def dispatch_rate(d: list[str] = driver, e: dict[str, str] = env) -> tuple[float, None]:
            out = peers_env.run_driver([*d, "dispatch", "--count", str(count),
                                        "--chunk", str(CHUNK)], e)  # fmt: skip
            return count / out["seconds"], None

        steps.append((("send", f"{peer.title} {peer.dispatch_label}", peer.dispatch_baseline,
                       count, peer.dispatch_note), dispatch_rate))  # fmt: skip
        for label, arguments, baseline in peer.workers:
            consumer = Consumer([*driver, "worker", *arguments], env, peer.queue, 1,
                                peers_env.DRIVERS)  # fmt: skip
            log = f"{peer.name}-{'-'.join(arguments).strip('-') or 'worker'}.log"
            steps.append((("consume", f"{peer.title} {label}", baseline, count, peer.worker_note),
                          _measured(point, consumer, captured[peer.name], count, log)))  # fmt: skip
    return steps, captured


def _peer_env(point: Endpoint, queue: str) -> dict[str, str]:
    return {
        "BENCH_ENDPOINT": point.url,
        "BENCH_APP_QUEUE": UP_APP,
        "BENCH_QUEUE_URL": point.queue_url(queue),
        "BENCH_TASK_KWARGS": json.dumps(TASK_KWARGS),
        "BENCH_HEADERS": json.dumps(HEADERS),
    }


def memory_steps(
    point: Endpoint, lib_messages: list[Queued], pythons: dict[str, Path],
    captured: dict[str, list[Queued]], tasks: int = MEMORY_TASKS,
) -> dict[str, Callable[[], list[float]]]:  # fmt: skip
    """RSS samples (MiB, one per thousand tasks) of one worker process, by row name."""
    ours = worker(point, LIB_APP, 10, 1)
    steps = {
        f"RSS: {WORKER_10}": lambda: measure_memory(
            point, ours, lib_messages, tasks, LOGS / "memory-taskhawk-worker.log"
        )
    }
    python = pythons.get("upstream")
    if python is not None and "upstream" in captured:
        (peer,) = [peer for peer in peers_env.PEERS if peer.name == "upstream"]
        command = [str(python), str(peers_env.DRIVERS / "upstream_driver.py"), "worker",
                   "--num-messages", "10"]  # fmt: skip
        upstream = Consumer(command, _peer_env(point, peer.queue), peer.queue, 1, peers_env.DRIVERS)
        steps[f"RSS: {UPSTREAM_10}"] = lambda: measure_memory(
            point, upstream, captured["upstream"], tasks, LOGS / "memory-upstream.log"
        )
    return steps


def memory_record(name: str, samples: list[float], every: int = MEMORY_EVERY) -> dict[str, Any]:
    """RSS after each thousand tasks, after the last, and the growth from the first to the
    last thousand."""
    return {
        "row": name,
        "tasks": every * len(samples),
        "rss_mib": samples,
        "rss_after_mib": samples[-1],
        "growth_mib": round(samples[-1] - samples[0], 2),
    }
