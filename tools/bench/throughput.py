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

import json
import os
import signal
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

import taskhawk
from taskhawk.admin.provision import provision as provision_app
from taskhawk.priority import Priority
from taskhawk.settings import Settings
from tools import ROOT
from tools.bench import peers_env
from tools.bench.libtasks import send_email
from tools.bench.workload import ACCOUNT, HEADERS, REGION, TASK_KWARGS, UDP_ENV, Completions

LOGS = ROOT / "build" / "bench-logs"
CHUNK = 50  # messages on the queue at once, at most (moto slows down with depth)
LIB_APP = "BENCH-LIB"
UP_APP = "BENCH-UPSTREAM"
CELERY_QUEUE = "bench-celery"
DRAMATIQ_QUEUE = "bench-dramatiq"
CHUNK_TIMEOUT_S = 60.0

Message = tuple[str, dict[str, Any]]  # body, MessageAttributes as SendMessage takes them


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


@dataclass
class Endpoint:
    url: str
    process: subprocess.Popen[str]
    completions: Completions
    sqs: Any
    sns: Any

    def control(self, command: str, queue: str, timeout: float = 60, **params: Any) -> Any:
        query = urllib.parse.urlencode({"queue": queue, "timeout": timeout, **params})
        with urllib.request.urlopen(
            f"{self.url}/_bench/{command}?{query}", timeout=timeout + 10
        ) as answer:
            return json.loads(answer.read())

    def queue_url(self, name: str) -> str:
        return f"{self.url}/{ACCOUNT}/{name}"

    def topic_arn(self, name: str) -> str:
        return f"arn:aws:sns:{REGION}:{ACCOUNT}:{name}"

    def purge(self, queue: str) -> None:
        self.sqs.purge_queue(QueueUrl=self.queue_url(queue))

    def fill(self, queue: str, messages: Sequence[Message]) -> None:
        for start in range(0, len(messages), 10):
            entries = [
                {"Id": str(i), "MessageBody": body, "MessageAttributes": attributes}
                for i, (body, attributes) in enumerate(messages[start : start + 10])
            ]
            failed = self.sqs.send_message_batch(
                QueueUrl=self.queue_url(queue), Entries=entries
            ).get("Failed")
            if failed:
                raise RuntimeError(f"fill of {queue} failed: {failed}")


def stop_process(process: subprocess.Popen[Any], grace: float = 5.0) -> None:
    """SIGTERM to the process group, SIGKILL after `grace` seconds."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        process.wait()


@contextmanager
def endpoint() -> Iterator[Endpoint]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tools.bench.endpoint", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    completions = Completions()
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.startswith("port "):
            raise RuntimeError(f"the endpoint did not start: {line!r}")
        url = f"http://127.0.0.1:{int(line.split()[1])}"
        options: dict[str, Any] = {
            "endpoint_url": url,
            "region_name": REGION,
            "aws_access_key_id": "testing",
            "aws_secret_access_key": "testing",
        }
        yield Endpoint(
            url,
            process,
            completions,
            boto3.client("sqs", **options),
            boto3.client("sns", **options),
        )
    finally:
        stop_process(process)
        completions.close()


def provision(point: Endpoint) -> None:
    """The library's and upstream's queues, topics and raw subscriptions; the peers' queues."""
    for app in (LIB_APP, UP_APP):
        settings = Settings(**lib_settings(point.url, app, via_sns=False))
        provision_app([Priority.default], settings)
    for name in (CELERY_QUEUE, DRAMATIQ_QUEUE):
        point.sqs.create_queue(QueueName=name)


def lib_settings(url: str, app: str, via_sns: bool) -> dict[str, Any]:
    return {
        "aws_endpoint_sqs": url,
        "aws_endpoint_sns": url,
        "aws_region": REGION,
        "aws_account_id": ACCOUNT,
        "aws_access_key": "testing",
        "aws_secret_key": "testing",
        "taskhawk_queue": app,
        "taskhawk_publish_via_sns": via_sns,
    }


def configure_library(url: str, via_sns: bool) -> None:
    taskhawk.configure({k.upper(): v for k, v in lib_settings(url, LIB_APP, via_sns).items()})


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


# ---------------------------------------------------------------- consumers


def capture(
    point: Endpoint, queue: str, dispatch: Callable[[int], object], count: int
) -> list[Message]:
    """`count` distinct messages as the system's own dispatch wrote them (copies removed)."""
    point.control("open", queue)
    point.purge(queue)
    dispatch(count)
    seen: dict[str, dict[str, Any]] = {}
    empty = 0
    while len(seen) < count and empty < 3:
        response = point.sqs.receive_message(
            QueueUrl=point.queue_url(queue), MaxNumberOfMessages=10, MessageAttributeNames=["All"]
        )
        messages = response.get("Messages", [])
        empty = 0 if messages else empty + 1
        for message in messages:
            attributes = {
                name: {k: v for k, v in value.items() if k in ("DataType", "StringValue")}
                for name, value in message.get("MessageAttributes", {}).items()
            }
            seen.setdefault(message["Body"], attributes)
    point.purge(queue)
    if len(seen) < count:
        raise RuntimeError(f"captured {len(seen)} of {count} messages on {queue}")
    return list(seen.items())[:count]


@dataclass
class Consumer:
    command: list[str]
    env: dict[str, str]
    queue: str
    processes: int = 1
    cwd: Path = ROOT


def measure_consumer(
    point: Endpoint, consumer: Consumer, messages: Sequence[Message], count: int, log: Path
) -> tuple[float, float]:
    """(messages per second, endpoint requests per message) for `count` messages."""
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
        return _rounds(point, consumer.queue, messages, count, log)
    finally:
        point.control("release", queue)
        stop_process(process)
        point.control("open", queue)


def _rounds(
    point: Endpoint, queue: str, messages: Sequence[Message], count: int, log: Path
) -> tuple[float, float]:
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
    return count / seconds, requests / count


# ---------------------------------------------------------------- the run


@dataclass
class Plan:
    rows: list[Row]
    steps: list[tuple[Row, Callable[[], tuple[float, float | None]]]]
    unavailable: dict[str, str]


@dataclass(frozen=True)
class Counts:
    """Messages per row and round: rows making a request per message take fewer."""

    batched: int
    single: int
    peers: int


def run(counts: Counts, rounds: int, with_peers: bool) -> dict[str, Any]:
    started = time.monotonic()
    LOGS.mkdir(parents=True, exist_ok=True)
    pythons, unavailable = peers_env.prepare(with_peers)
    with endpoint() as point:
        provision(point)
        plan = build_plan(point, counts, pythons)
        plan.unavailable.update(unavailable)
        for number in range(1, rounds + 1):
            print(f"round {number}/{rounds}", flush=True)
            for row, step in plan.steps:
                _measure(row, step)
    return {
        "rows": plan.rows,
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
    plan = Plan([], [], {})

    def add(row: Row, step: Callable[[], tuple[float, float | None]]) -> None:
        plan.rows.append(row)
        plan.steps.append((row, step))

    lib_queue = f"TASKHAWK-{LIB_APP}"
    configure_library(point.url, via_sns=False)
    invocation = send_email.with_headers(**HEADERS)
    lib_messages = capture(
        point, lib_queue, lambda n: invocation.dispatch_many([((), TASK_KWARGS)] * n), CHUNK
    )
    body, attributes = lib_messages[0]
    purge_lib = lambda: point.purge(lib_queue)  # noqa: E731

    def sends(send: Callable[[int], None], count: int) -> Callable[[], tuple[float, None]]:
        return lambda: (count / timed_chunks(send, count, purge_lib), None)

    for name, send in raw_senders(point, body, attributes).items():
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
    _consumer_rows(point, add, lib_messages, counts)
    peers_plan(point, plan, add, pythons, counts.peers)
    return plan


def _consumer_rows(
    point: Endpoint,
    add: Callable[[Row, Callable[[], tuple[float, float | None]]], None],
    lib_messages: list[Message],
    counts: Counts,
) -> None:
    lib_queue = f"TASKHAWK-{LIB_APP}"
    for name, size, delete in (
        ("raw Receive(1) + DeleteMessage", 1, "single"),
        ("raw Receive(10) + DeleteMessageBatch", 10, "batch"),
        ("raw Receive(10) + 10 DeleteMessage", 10, "single"),
    ):
        raw = Consumer(
            [sys.executable, "-m", "tools.bench.rawloop", "--endpoint", point.url,
             "--queue-url", point.queue_url(lib_queue), "--max", str(size), "--delete", delete],
            {}, lib_queue,
        )  # fmt: skip
        log = LOGS / f"raw-{size}-{delete}.log"
        count = counts.batched if delete == "batch" else counts.single
        add(
            Row("consume", name, None, count),
            lambda c=raw, lg=log, n=count: measure_consumer(point, c, lib_messages, n, lg),  # type: ignore[misc]
        )
    env = {"BENCH_ENDPOINT": point.url, "BENCH_APP_QUEUE": LIB_APP}
    for size, processes in ((1, 1), (1, 2), (10, 1), (10, 2)):
        worker = Consumer(
            [sys.executable, "-m", "taskhawk.cli", "worker",
             "--settings", "tools.bench.libsettings", "--import", "tools.bench.libtasks",
             "--num-messages", str(size),
             "--processes", str(processes)],
            env, lib_queue, processes,
        )  # fmt: skip
        baseline = peers_env.RAW_1 if size == 1 else peers_env.RAW_10_BATCH
        log = LOGS / f"taskhawk-worker-{size}x{processes}.log"
        count = counts.batched if size == 10 else counts.single
        add(
            Row(
                "consume",
                f"taskhawk worker --num-messages {size} --processes {processes}",
                baseline,
                count,
            ),
            lambda c=worker, lg=log, n=count: measure_consumer(point, c, lib_messages, n, lg),  # type: ignore[misc]
        )


def peers_plan(
    point: Endpoint,
    plan: Plan,
    add: Callable[[Row, Callable[[], tuple[float, float | None]]], None],
    pythons: dict[str, Path],
    count: int,
) -> None:
    for peer in peers_env.PEERS:
        python = pythons.get(peer.name)
        if python is None:
            continue
        env = {
            "BENCH_ENDPOINT": point.url,
            "BENCH_APP_QUEUE": UP_APP,
            "BENCH_QUEUE_URL": point.queue_url(peer.queue),
            "BENCH_TASK_KWARGS": json.dumps(TASK_KWARGS),
            "BENCH_HEADERS": json.dumps(HEADERS),
        }
        driver = [str(python), str(peers_env.DRIVERS / f"{peer.name}_driver.py")]

        def dispatch(n: int, d: list[str] = driver, e: dict[str, str] = env) -> None:
            peers_env.run_driver([*d, "capture", "--count", str(n)], e)

        try:
            captured = capture(point, peer.queue, dispatch, CHUNK)
        except Exception as error:
            plan.unavailable[peer.title] = f"capturing its messages failed: {error}"
            continue

        def dispatch_rate(d: list[str] = driver, e: dict[str, str] = env) -> tuple[float, None]:
            out = peers_env.run_driver([*d, "dispatch", "--count", str(count),
                                        "--chunk", str(CHUNK)], e)  # fmt: skip
            return count / out["seconds"], None

        add(Row("send", f"{peer.title} {peer.dispatch_label}", peer.dispatch_baseline, count,
                peer.dispatch_note), dispatch_rate)  # fmt: skip
        for label, arguments, baseline in peer.workers:
            consumer = Consumer([*driver, "worker", *arguments], env, peer.queue, 1,
                                peers_env.DRIVERS)  # fmt: skip
            log = LOGS / f"{peer.name}-{'-'.join(arguments).strip('-') or 'worker'}.log"
            add(
                Row("consume", f"{peer.title} {label}", baseline, count, peer.worker_note),
                lambda c=consumer, m=captured, lg=log: measure_consumer(point, c, m, count, lg),  # type: ignore[misc]
            )


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
