"""Library CPU per message with the network taken out, and where that time goes.

Publish path: `dispatch` (and `dispatch_many` of ten) through the real AWSTransport up to the call
of the boto3 client, which is replaced by a recorder: what is measured is the library, from the
call to the request parameters handed to botocore. Consume path: `Consumer.poll` on a canned
ReceiveMessage response of ten messages (or one) through the real AWSTransport: messages parsed,
bodies decoded and validated, hooks looked up, task called, outcome logged, DeleteMessageBatch
parameters built; the boto3 clients are recorders here too. Logging is measured as the
`taskhawk worker` command sets it up (INFO lines through its formatter, written to /dev/null)
and with no logging configured (Python's default: WARNING, no handler).

Every row is measured as without the [otel] extra: OpenTelemetry cannot be imported meanwhile
(`tools.bench.cpu_otel` measures the main rows with it).
"""

from __future__ import annotations

import cProfile
import functools
import io
import logging
import logging.config
import os
import pstats
import site
import statistics
import sysconfig
import timeit
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import taskhawk
from taskhawk.consume.sqs import Consumer
from taskhawk.logs import logging_config
from taskhawk.priority import Priority
from taskhawk.settings import Settings, get_settings
from taskhawk.transport.aws import AWSTransport
from taskhawk.transport.current import current_transport, use_transport
from taskhawk.wire import build_message, encode, message_attributes
from tools import ROOT
from tools.bench.otel_modes import TRACEPARENT, without_opentelemetry
from tools.bench.workload import ACCOUNT, HEADERS, REGION, TASK_KWARGS

REPEATS = 7
PROFILE_TOP = 12
CPU_TASK = "bench.cpu_send_email"
APP = "BENCH-CPU"
QUEUE = f"TASKHAWK-{APP}"
URL = f"http://127.0.0.1:9/{ACCOUNT}/{QUEUE}"


@taskhawk.task(name=CPU_TASK)
def cpu_send_email(to: str, subject: str, order_id: int) -> None:
    """The no-op task: what remains is the library's cost."""


class Recorder:
    """Stands in for a boto3 client: keeps the last request, answers like SQS/SNS would."""

    def __init__(self, messages: list[dict[str, Any]] | None = None) -> None:
        self.messages = messages or []
        self.last: dict[str, Any] = {}

    def send_message(self, **request: Any) -> dict[str, Any]:
        self.last = request
        return {"MessageId": "00000000-0000-0000-0000-000000000000"}

    def send_message_batch(self, **request: Any) -> dict[str, Any]:
        self.last = request
        return {"Successful": [{"Id": e["Id"]} for e in request["Entries"]], "Failed": []}

    publish = send_message

    def publish_batch(self, **request: Any) -> dict[str, Any]:
        self.last = request
        ids = request["PublishBatchRequestEntries"]
        return {"Successful": [{"Id": e["Id"]} for e in ids], "Failed": []}

    def receive_message(self, **request: Any) -> dict[str, Any]:
        self.last = request
        return {"Messages": self.messages[: request["MaxNumberOfMessages"]]}

    def delete_message_batch(self, **request: Any) -> dict[str, Any]:
        self.last = request
        return {"Successful": [{"Id": e["Id"]} for e in request["Entries"]], "Failed": []}


def settings_for(via_sns: bool) -> dict[str, Any]:
    return {
        "AWS_ENDPOINT_SQS": "http://127.0.0.1:9",
        "AWS_ENDPOINT_SNS": "http://127.0.0.1:9",
        "AWS_REGION": REGION,
        "AWS_ACCOUNT_ID": ACCOUNT,
        "AWS_ACCESS_KEY": "testing",
        "AWS_SECRET_KEY": "testing",
        "TASKHAWK_QUEUE": APP,
        "TASKHAWK_PUBLISH_VIA_SNS": via_sns,
    }


@contextmanager
def recording_transport(
    via_sns: bool = False, messages: list[dict[str, Any]] | None = None
) -> Iterator[Any]:
    """The real AWSTransport with recorders in place of its boto3 clients."""
    taskhawk.configure(settings_for(via_sns))
    transport = AWSTransport(get_settings())
    recorder = Recorder(messages)
    for client in ("_sqs", "_sqs_send", "_sqs_poll", "_sqs_short_poll", "_sns"):
        if not hasattr(transport, client):
            raise RuntimeError(f"AWSTransport has no {client}: update bench/cpu.py")
        setattr(transport, client, recorder)
    transport._urls[QUEUE] = URL
    with use_transport(transport):
        yield transport


@contextmanager
def worker_logging(enabled: bool) -> Iterator[None]:
    """The `taskhawk worker` logging set-up writing to /dev/null, or no configuration at all."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    with open(os.devnull, "w") as sink:
        if enabled:
            config = logging_config("INFO")
            config["handlers"]["stderr"]["stream"] = sink
            logging.config.dictConfig(config)
        else:
            root.handlers, root.level = [], logging.WARNING
            logging.getLogger("taskhawk").setLevel(logging.NOTSET)
        try:
            yield
        finally:
            root.handlers, root.level = saved


def measure(function: Callable[[], object], per: int = 1) -> dict[str, float]:
    timer = timeit.Timer(function)
    number, _ = timer.autorange()
    runs = [seconds / number / per * 1e6 for seconds in timer.repeat(REPEATS, number)]
    return {"median_us": round(statistics.median(runs), 2), "min_us": round(min(runs), 2)}


def received_messages(count: int, traced: bool = False) -> list[dict[str, Any]]:
    """What botocore returns for ReceiveMessage, `count` messages of the benchmark task (`traced`:
    with the trace context of a traced publisher)."""
    context = {"traceparent": TRACEPARENT} if traced else None
    raw = []
    for index in range(count):
        message = build_message(
            message_id=f"00000000-0000-4000-8000-{index:012d}",
            task=CPU_TASK,
            args=(),
            kwargs=TASK_KWARGS,
            headers=HEADERS,
            priority="default",
            timestamp_ms=1_700_000_000_000,
        )
        raw.append(
            {
                "MessageId": f"m-{index}",
                "ReceiptHandle": f"receipt-{index}-" + "r" * 180,
                "MD5OfBody": "0" * 32,
                "Body": encode(message),
                "Attributes": {"ApproximateReceiveCount": "1"},
                "MessageAttributes": {
                    name: {"StringValue": value, "DataType": "String"}
                    for name, value in message_attributes(message, context).items()
                },
            }
        )
    return raw


def publish_calls() -> dict[str, tuple[bool, Callable[[], object], int]]:
    invocation = cpu_send_email.with_headers(**HEADERS)
    ten = [((), TASK_KWARGS)] * 10
    return {
        "dispatch (SQS)": (False, lambda: invocation.dispatch(**TASK_KWARGS), 1),
        "dispatch (SNS)": (True, lambda: invocation.dispatch(**TASK_KWARGS), 1),
        "dispatch_many of 10 (SQS)": (False, lambda: invocation.dispatch_many(ten), 10),
    }


def consumer(num_messages: int, settings: Settings | None = None) -> Any:
    return Consumer(
        [Priority.default],
        num_messages=num_messages,
        settings=settings or get_settings(),
        transport=current_transport(),
    )


def run() -> dict[str, Any]:
    """Every row and the profiles, as without the [otel] extra (`tools.bench.cpu_otel` adds the
    rows with it)."""
    with without_opentelemetry():
        return {"us_per_message": measure_rows(), "profile": profiles()}


def measure_rows() -> dict[str, Any]:
    figures: dict[str, Any] = {}
    with worker_logging(False):
        for name, (via_sns, call, per) in publish_calls().items():
            with recording_transport(via_sns):
                figures[f"publish: {name}"] = measure(call, per)
    for logs in (True, False):
        label = "worker logging" if logs else "no logging configured"
        with worker_logging(logs):
            for size in (10, 1):
                with recording_transport(messages=received_messages(size)):
                    polling = consumer(size)
                    figures[f"consume: poll of {size}, {label}"] = measure(
                        functools.partial(polling.poll, 0, 1), size
                    )
    return figures


def profiles() -> dict[str, list[dict[str, Any]]]:
    """cProfile's top entries by own time, per message (cProfile itself inflates every figure)."""
    found: dict[str, list[dict[str, Any]]] = {}
    invocation = cpu_send_email.with_headers(**HEADERS)
    with worker_logging(False), recording_transport():
        found["publish: dispatch (SQS)"] = profile(lambda: invocation.dispatch(**TASK_KWARGS), 1)
    for logs in (True, False):
        label = "worker logging" if logs else "no logging configured"
        with worker_logging(logs), recording_transport(messages=received_messages(10)):
            polling = consumer(10)
            found[f"consume: poll of 10, {label}"] = profile(
                functools.partial(polling.poll, 0, 1), 10
            )
    return found


def profile(call: Callable[[], object], per: int, calls: int = 3000) -> list[dict[str, Any]]:
    calls = max(1, calls // per)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        call()
    profiler.disable()
    stats = pstats.Stats(profiler, stream=io.StringIO())
    messages = calls * per
    rows = []
    for (path, line, function), (_, ncalls, tottime, cumtime, _) in stats.stats.items():  # type: ignore[attr-defined]
        rows.append(
            {
                "function": f"{_short(path)}:{line}({function})",
                "calls_per_message": round(ncalls / messages, 2),
                "own_us": round(tottime / messages * 1e6, 2),
                "cumulative_us": round(cumtime / messages * 1e6, 2),
            }
        )
    rows.sort(key=lambda row: row["own_us"], reverse=True)
    return rows[:PROFILE_TOP]


def _short(path: str) -> str:
    """A profiled function's file without this machine's prefixes: repository-relative for the
    repository's own code, relative to site-packages or the standard library for the rest."""
    if not os.path.isabs(path):
        return path  # "~" (built-ins) or "<frozen ...>"
    for base in (*site.getsitepackages(), sysconfig.get_paths()["stdlib"], str(ROOT)):
        if os.path.commonpath([path, base]) == base:
            return Path(path).relative_to(base).as_posix()
    return Path(path).name


def report(results: dict[str, Any]) -> list[str]:
    figures = results["us_per_message"]
    width = max(len(name) for name in figures)
    title = "library CPU per message (no network)"
    lines = [f"{title:<{width}} {'median us':>10} {'min us':>8} {'vs without':>10}"]
    for name, figure in figures.items():
        ratio = f"{figure['vs_without']:.2f}x" if "vs_without" in figure else ""
        lines.append(
            f"{name:<{width}} {figure['median_us']:>10.1f} {figure['min_us']:>8.1f} {ratio:>10}"
        )
    for name, rows in results["profile"].items():
        lines.append(f"profile, {name} (us per message under cProfile; own, cumulative):")
        for row in rows[:8]:
            lines.append(
                f"  {row['own_us']:>7.2f} {row['cumulative_us']:>8.2f}  "
                f"x{row['calls_per_message']:<5} {row['function']}"
            )
    return lines
