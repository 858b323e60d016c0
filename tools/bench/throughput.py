"""Messages per second on one local endpoint: raw boto3, taskhawk, upstream 4.7, Celery, dramatiq.

The endpoint (moto's server, its own process, see bench/endpoint.py) is the bottleneck on a small
machine, so every figure is read as a ratio to the raw boto3 loop doing the same job, measured
in the same run, round after round (each round measures every row once, so drift hits them all).

Sends: N messages in chunks of CHUNK, each chunk timed, the queue purged (untimed) in between so
it stays shallow. Consumers: the consumer is started and waits at the endpoint's gate; each chunk
of CHUNK messages (captured from the system's own dispatch, so each consumer gets its own wire
format) is put on the closed queue, the gate opens, and the clock runs from the first receive
that reaches the endpoint until every message is deleted and every task has reported it ran.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools.bench import consumer_plan, peers_env
from tools.bench.consumers import CHUNK, capture
from tools.bench.libtasks import send_email
from tools.bench.local import LIB_APP, Endpoint, configure_library, endpoint, provision
from tools.bench.workload import HEADERS, TASK_KWARGS

__all__ = ["Counts", "Row", "run", "summarize", "table"]


@dataclass
class Row:
    group: str  # "send" or "consume"
    name: str
    baseline: str | None  # name of the raw boto3 row it is compared with
    messages: int
    note: str = ""
    rates: list[float] = field(default_factory=list)
    requests: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- sends


def timed_chunks(send: Callable[[int], None], count: int, purge: Callable[[], None]) -> float:
    """Seconds spent sending `count` messages, CHUNK at a time, purging after each chunk."""
    send(1)  # warm up: clients, connections, caches
    purge()
    seconds, done = 0.0, 0
    while done < count:
        size = min(CHUNK, count - done)
        started = time.perf_counter()
        send(size)
        seconds += time.perf_counter() - started
        done += size
        purge()
    return seconds


def raw_senders(
    point: Endpoint, body: str, attributes: dict[str, Any]
) -> dict[str, Callable[[int], None]]:
    queue_url = point.queue_url(f"TASKHAWK-{LIB_APP}")
    topic = point.topic_arn(f"taskhawk-{LIB_APP.lower()}")

    def send_message(size: int) -> None:
        for _ in range(size):
            point.sqs.send_message(
                QueueUrl=queue_url, MessageBody=body, MessageAttributes=attributes
            )

    def send_batch(size: int) -> None:
        for start in range(0, size, 10):
            entries = [
                {"Id": str(i), "MessageBody": body, "MessageAttributes": attributes}
                for i in range(min(10, size - start))
            ]
            point.sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)

    def publish(size: int) -> None:
        for _ in range(size):
            point.sns.publish(TopicArn=topic, Message=body, MessageAttributes=attributes)

    def publish_batch(size: int) -> None:
        for start in range(0, size, 10):
            entries = [
                {"Id": str(i), "Message": body, "MessageAttributes": attributes}
                for i in range(min(10, size - start))
            ]
            point.sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=entries)

    return {
        "raw SendMessage": send_message,
        "raw SendMessageBatch(10)": send_batch,
        "raw SNS Publish": publish,
        "raw SNS PublishBatch(10)": publish_batch,
    }


def library_sender(point: Endpoint, via_sns: bool, batch: bool) -> Callable[[int], None]:
    configure_library(point.url, via_sns)
    invocation = send_email.with_headers(**HEADERS)

    def send(size: int) -> None:
        if batch:
            invocation.dispatch_many([((), TASK_KWARGS)] * size)
        else:
            for _ in range(size):
                invocation.dispatch(**TASK_KWARGS)

    return send


# ---------------------------------------------------------------- the run


@dataclass
class Plan:
    rows: list[Row]
    steps: list[tuple[Row, Callable[[], tuple[float, float | None]]]]
    unavailable: dict[str, str]
    memory: dict[str, Callable[[], list[float]]]


@dataclass(frozen=True)
class Counts:
    """Messages per row and round: rows making a request per message take fewer."""

    batched: int
    single: int
    peers: int
    memory: int = 5000  # tasks the memory rows run


def run(counts: Counts, rounds: int, with_peers: bool) -> dict[str, Any]:
    """Every row, `rounds` times in turn; then the memory rows, once."""
    started = time.monotonic()
    consumer_plan.LOGS.mkdir(parents=True, exist_ok=True)
    pythons, unavailable = peers_env.prepare(with_peers)
    with endpoint() as point:
        provision(point)
        plan = build_plan(point, counts, pythons)
        plan.unavailable.update(unavailable)
        for number in range(1, rounds + 1):
            print(f"round {number}/{rounds}", flush=True)
            for row, step in plan.steps:
                _measure(row, step)
        memory = []
        for name, sample in plan.memory.items():
            print(f"memory: {name}", flush=True)
            try:
                memory.append(consumer_plan.memory_record(name, sample()))
            except Exception as error:  # one row failing must not lose the others
                memory.append({"row": name, "errors": f"{type(error).__name__}: {error}"})
            print(f"  {memory[-1]}", flush=True)
    return {
        "rows": plan.rows,
        "memory": memory,
        "unavailable": plan.unavailable,
        "seconds": time.monotonic() - started,
    }


def _measure(row: Row, step: Callable[[], tuple[float, float | None]]) -> None:
    begun = time.monotonic()
    try:
        rate, requests = step()
    except Exception as error:  # one row failing must not lose the others
        row.errors.append(f"{type(error).__name__}: {error}")
        print(f"  {row.name:<44} FAILED: {row.errors[-1]}", flush=True)
        return
    row.rates.append(rate)
    if requests is not None:
        row.requests.append(requests)
    print(f"  {row.name:<44} {rate:8.1f} msg/s  ({time.monotonic() - begun:4.1f}s)", flush=True)


def build_plan(point: Endpoint, counts: Counts, pythons: dict[str, Path]) -> Plan:
    plan = Plan([], [], {}, {})

    def add(row: Row, step: Callable[[], tuple[float, float | None]]) -> None:
        plan.rows.append(row)
        plan.steps.append((row, step))

    lib_queue = f"TASKHAWK-{LIB_APP}"
    configure_library(point.url, via_sns=False)
    invocation = send_email.with_headers(**HEADERS)
    lib_messages = capture(
        point, lib_queue, lambda n: invocation.dispatch_many([((), TASK_KWARGS)] * n), CHUNK
    )
    purge_lib = lambda: point.purge(lib_queue)  # noqa: E731

    def sends(send: Callable[[int], None], count: int) -> Callable[[], tuple[float, None]]:
        return lambda: (count / timed_chunks(send, count, purge_lib), None)

    first = lib_messages[0]
    for name, send in raw_senders(point, first.body, first.attributes).items():
        count = counts.batched if "Batch" in name else counts.single
        add(Row("send", name, None, count), sends(send, count))
    for name, via_sns, batch, baseline in (
        ("taskhawk dispatch (SQS)", False, False, "raw SendMessage"),
        ("taskhawk dispatch (SNS)", True, False, "raw SNS Publish"),
        ("taskhawk dispatch_many (SQS)", False, True, "raw SendMessageBatch(10)"),
        ("taskhawk dispatch_many (SNS)", True, True, "raw SNS PublishBatch(10)"),
    ):
        count = counts.batched if batch else counts.single
        add(
            Row("send", name, baseline, count),
            lambda v=via_sns, b=batch, n=count: (  # type: ignore[misc]
                n / timed_chunks(library_sender(point, v, b), n, purge_lib),
                None,
            ),
        )
    steps = consumer_plan.consumer_rows(point, lib_messages, counts.batched, counts.single)
    peer_steps, captured = consumer_plan.peer_rows(point, pythons, counts.peers, plan.unavailable)
    for (group, row_name, compared_with, messages, note), step in [*steps, *peer_steps]:
        add(Row(group, row_name, compared_with, messages, note), step)
    plan.memory = consumer_plan.memory_steps(point, lib_messages, pythons, captured, counts.memory)
    return plan


# ---------------------------------------------------------------- results


def summarize(row: Row, by_name: dict[str, Row]) -> dict[str, Any]:
    record: dict[str, Any] = {"group": row.group, "row": row.name, "messages": row.messages}
    if row.rates:
        median = statistics.median(row.rates)
        record.update(
            median_per_s=round(median, 1),
            min_per_s=round(min(row.rates), 1),
            max_per_s=round(max(row.rates), 1),
            rounds=len(row.rates),
        )
        base = by_name.get(row.baseline or "")
        if base is not None and base.rates:
            record["baseline"] = base.name
            record["ratio"] = round(median / statistics.median(base.rates), 3)
        elif row.baseline is None:
            record["baseline"] = "(raw boto3)"
            record["ratio"] = 1.0
    if row.requests:
        record["requests_per_message"] = round(statistics.median(row.requests), 3)
    if row.errors:
        record["errors"] = "; ".join(dict.fromkeys(row.errors))
    if row.note:
        record["note"] = row.note
    return record


def table(records: Sequence[dict[str, Any]]) -> list[str]:
    lines = [
        f"{'row':<50} {'median/s':>9} {'min':>7} {'max':>7} {'x raw':>6} {'req/msg':>8}",
    ]
    group = None
    for record in records:
        if record["group"] != group:
            group = record["group"]
            lines.append(f"-- {group}")
        if "median_per_s" not in record:
            lines.append(f"{record['row']:<50} failed: {record.get('errors', '')}")
            continue
        ratio = f"{record['ratio']:.2f}" if "ratio" in record else "-"
        requests = (
            f"{record['requests_per_message']:.2f}" if "requests_per_message" in record else ""
        )
        lines.append(
            f"{record['row']:<50} {record['median_per_s']:>9.1f} {record['min_per_s']:>7.1f} "
            f"{record['max_per_s']:>7.1f} {ratio:>6} {requests:>8}"
        )
    return lines
