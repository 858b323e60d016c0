"""Consumers against the benchmark endpoint: their messages captured, their rate and their memory.

Each consumer (a raw loop, `taskhawk worker`, a peer's worker) is started and waits at the
endpoint's gate; each chunk of CHUNK messages is put on the closed queue, the gate opens, and
the clock runs from the first receive that reaches the endpoint until every message is deleted
and every task has reported it ran. The memory rows run the same chunks and read the resident
set size of the process that consumes after every thousand tasks.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tools import ROOT
from tools.bench.local import Endpoint, Queued, stop_process
from tools.bench.workload import UDP_ENV

__all__ = [
    "CHUNK",
    "Consumer",
    "capture",
    "measure_consumer",
    "measure_memory",
    "process_tree_cpu_s",
]

CHUNK = 50  # messages on the queue at once, at most (moto slows down with depth)
CHUNK_TIMEOUT_S = 60.0


def capture(
    point: Endpoint, queue: str, dispatch: Callable[[int], object], count: int
) -> list[Queued]:
    """`count` distinct messages as the system's own dispatch wrote them (copies removed).
    Each receive is deleted at once: on a FIFO queue a group in flight delivers no more."""
    point.control("open", queue)
    point.purge(queue)
    dispatch(count)
    seen: dict[str, Queued] = {}
    empty = 0
    url = point.queue_url(queue)
    while len(seen) < count and empty < 3:
        response = point.sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"],
            MessageSystemAttributeNames=["MessageGroupId"],
        )  # fmt: skip
        messages = response.get("Messages", [])
        empty = 0 if messages else empty + 1
        for message in messages:
            attributes = {
                name: {k: v for k, v in value.items() if k in ("DataType", "StringValue")}
                for name, value in message.get("MessageAttributes", {}).items()
            }
            group = message.get("Attributes", {}).get("MessageGroupId")
            seen.setdefault(message["Body"], Queued(message["Body"], attributes, group))
        if messages:
            entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                       for i, m in enumerate(messages)]  # fmt: skip
            point.sqs.delete_message_batch(QueueUrl=url, Entries=entries)
    point.purge(queue)
    if len(seen) < count:
        raise RuntimeError(f"captured {len(seen)} of {count} messages on {queue}")
    return list(seen.values())[:count]


@dataclass
class Consumer:
    command: list[str]
    env: dict[str, str]
    queue: str
    processes: int = 1
    cwd: Path = ROOT


@contextmanager
def _running(point: Endpoint, consumer: Consumer, log: Path) -> Iterator[int]:
    """The consumer started and polling at the closed gate; its process id."""
    queue = consumer.queue
    point.control("close", queue)
    point.purge(queue)
    point.control("reset", queue)
    env = {**os.environ, **consumer.env, UDP_ENV: str(point.completions.port)}
    with log.open("w") as output:
        process = subprocess.Popen(
            consumer.command,
            cwd=consumer.cwd,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        ready = point.control("waiting", queue, count=consumer.processes, timeout=90)
        if ready["waiting"] < consumer.processes or process.poll() is not None:
            raise RuntimeError(f"consumer did not start polling; see {log.relative_to(ROOT)}")
        yield process.pid
    finally:
        point.control("release", queue)
        stop_process(process)
        point.control("open", queue)


def measure_consumer(
    point: Endpoint, consumer: Consumer, messages: Sequence[Queued], count: int, log: Path,
    cpu: list[float] | None = None,
) -> tuple[float, float]:  # fmt: skip
    """(messages per second, endpoint requests per message) for `count` messages; with `cpu`,
    the CPU seconds the consumer's processes spent on them are appended to it."""
    with _running(point, consumer, log) as pid:
        before = process_tree_cpu_s(pid)
        measured = _rounds(point, consumer.queue, messages, count, log)
        if cpu is not None:
            cpu.append(process_tree_cpu_s(pid) - before)
        return measured


def process_tree_cpu_s(pid: int) -> float:
    """User and system CPU seconds of a process and every process under it, so far."""
    ticks = 0
    for each in [pid, *_descendants(pid)]:
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        ticks += int(fields[11]) + int(fields[12])  # utime and stime, fields 14 and 15
    return ticks / os.sysconf("SC_CLK_TCK")


def measure_memory(
    point: Endpoint, consumer: Consumer, messages: Sequence[Queued], count: int, log: Path,
    every: int = 1000,
) -> list[float]:  # fmt: skip
    """Resident set size (MiB) of the consuming process after each `every` of `count` tasks."""
    samples: list[float] = []
    with _running(point, consumer, log) as pid:
        reader = consuming_process(pid)
        keep = lambda: samples.append(reader())  # noqa: E731
        _rounds(point, consumer.queue, messages, count, log, every, keep)
    return samples


def _rounds(
    point: Endpoint, queue: str, messages: Sequence[Queued], count: int, log: Path,
    every: int = 0, sample: Callable[[], object] | None = None,
) -> tuple[float, float]:  # fmt: skip
    seconds, requests, done = 0.0, 0, 0
    base = point.completions.count
    while done < count:
        size = min(CHUNK, count - done)
        point.control("close", queue)
        point.fill(queue, messages[:size])
        before = point.control("open", queue)
        done += size
        ran = point.completions.wait(base + done, CHUNK_TIMEOUT_S)
        after = point.control("deleted", queue, count=done, timeout=CHUNK_TIMEOUT_S)
        if not ran or after["deleted"] < done or after["first_receive"] is None:
            raise RuntimeError(
                f"after {CHUNK_TIMEOUT_S:.0f}s: {point.completions.count - base} of {done} tasks "
                f"ran, {after['deleted']} deleted; see {log.relative_to(ROOT)}"
            )
        finished = max(after["last_delete"] or 0.0, point.completions.last)
        seconds += finished - after["first_receive"]
        requests += sum(after["requests"].values()) - sum(before["requests"].values())
        if sample is not None and every and done % every == 0:
            sample()
    return count / seconds, requests / count


def consuming_process(pid: int) -> Callable[[], float]:
    """A reader of the RSS (MiB) of the process that consumes: `taskhawk worker`'s child (the
    parent only supervises), else the process itself (a raw loop, a peer's worker)."""
    children = [child for child in _descendants(pid) if b"spawn_main" in _cmdline(child)]
    chosen = children[0] if len(children) == 1 else pid

    def rss_mib() -> float:
        status = Path(f"/proc/{chosen}/status").read_text()
        kib = next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))
        return round(int(kib) / 1024, 2)

    return rss_mib


def _descendants(pid: int) -> list[int]:
    """Every process under `pid`, from each process's parent in /proc/<pid>/stat."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue  # gone meanwhile
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: list[int] = []
    pending = [pid]
    while pending:
        parent = pending.pop()
        children = [child for child, its_parent in parents.items() if its_parent == parent]
        found.extend(children)
        pending.extend(children)
    return found


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""
