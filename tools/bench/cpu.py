"""Library CPU per message with the network taken out, next to upstream 4.7's, and where it goes.

Publish path: `dispatch` (and `dispatch_many` of ten) through the real AWSTransport down to
botocore's `_make_api_call`, which answers like SQS/SNS instead of validating, serialising and
sending (`tools.bench.peers.recording`). Consume path: `Consumer.poll` as a `taskhawk worker`
process runs it (with its crash-watch observer) on a canned ReceiveMessage answer of ten
messages (or one): messages parsed, bodies decoded and validated, task looked up and called,
outcome logged, DeleteMessageBatch sent. Logging is measured as the `taskhawk worker` command
sets it up (INFO lines through its formatter, written to /dev/null) and with no logging
configured (Python's default: WARNING, no handler).

Upstream 4.7 is measured the same way in its own virtualenv (peers/upstream_cpu.py): its SQS
consumer's `fetch_and_process_messages(10)` and its SNS dispatch, botocore answered at the same
place, logging set up alike. Figures are CPU time (`peers/timing.py`), so a busy machine
stretches them less than wall time; each row's median, min, max and spread are kept.

Every row is measured as without the [otel] extra: OpenTelemetry cannot be imported meanwhile
(`tools.bench.cpu_otel` measures the main rows with it).
"""

from __future__ import annotations

import functools
import logging
import logging.config
import multiprocessing
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import taskhawk
from taskhawk.consume.crash_watch import BatchSlot, CrashLedger
from taskhawk.consume.sqs import Consumer
from taskhawk.logs import logging_config
from taskhawk.priority import Priority
from taskhawk.settings import Settings, get_settings
from taskhawk.transport.aws import AWSTransport
from taskhawk.transport.current import current_transport, use_transport
from taskhawk.wire import build_message, encode, message_attributes
from tools.bench import peers_env
from tools.bench.otel_modes import TRACEPARENT, without_opentelemetry
from tools.bench.peers import timing
from tools.bench.peers.recording import Recorder, recorded_aws
from tools.bench.workload import ACCOUNT, HEADERS, REGION, TASK_KWARGS

__all__ = [
    "REPEATS",
    "consumer",
    "measure_rows",
    "publish_calls",
    "received_messages",
    "recording_transport",
    "report",
    "run",
    "scenario",
    "settings_for",
    "worker_logging",
]

REPEATS = 7
CPU_TASK = "bench.cpu_send_email"
APP = "BENCH-CPU"
QUEUE = f"TASKHAWK-{APP}"
URL = f"http://127.0.0.1:9/{ACCOUNT}/{QUEUE}"
UPSTREAM_PREFIX = "upstream 4.7 "
# What upstream's rows must have asked botocore for, or they measured nothing of its paths.
UPSTREAM_CALLS = frozenset({"Publish", "ReceiveMessage", "DeleteMessage"})


@taskhawk.task(name=CPU_TASK)
def cpu_send_email(to: str, subject: str, order_id: int) -> None:
    """The no-op task: what remains is the library's cost."""


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
) -> Iterator[AWSTransport]:
    """The real AWSTransport, its botocore calls answered in-process."""
    taskhawk.configure(settings_for(via_sns))
    transport = AWSTransport(get_settings())
    with recorded_aws(Recorder(URL, messages)), use_transport(transport):
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


def consumer(num_messages: int, settings: Settings | None = None) -> Consumer:
    """A consumer as a `taskhawk worker` process makes it, with its crash-watch observer."""
    context = multiprocessing.get_context("spawn")
    observer = BatchSlot(context)
    observer.ledger = CrashLedger(context, 2)
    return Consumer(
        [Priority.default],
        num_messages=num_messages,
        settings=settings or get_settings(),
        transport=current_transport(),
        observer=observer,
    )


@contextmanager
def scenario(name: str) -> Iterator[tuple[Callable[[], object], int]]:
    """The call measured for a row, and how many messages one call handles, set up as the
    row says (`publish: dispatch (SQS)`, `consume: poll of 10, worker logging`, ...)."""
    kind, _, rest = name.partition(": ")
    if kind == "publish":
        via_sns, call, per = publish_calls()[rest]
        with worker_logging(False), recording_transport(via_sns):
            yield call, per
        return
    size = 1 if rest.startswith("poll of 1,") else 10
    with (
        worker_logging(rest.endswith("worker logging")),
        recording_transport(messages=received_messages(size)),
    ):
        yield functools.partial(consumer(size).poll, 0, 1), size


ROWS = (
    "publish: dispatch (SQS)",
    "publish: dispatch (SNS)",
    "publish: dispatch_many of 10 (SQS)",
    "consume: poll of 10, worker logging",
    "consume: poll of 1, worker logging",
    "consume: poll of 10, no logging configured",
    "consume: poll of 1, no logging configured",
)


def run(with_peers: bool = True) -> dict[str, Any]:
    """Every row of this library, as without the [otel] extra, then upstream's."""
    figures: dict[str, Any] = {}
    with without_opentelemetry():
        figures.update(measure_rows())
    unavailable: dict[str, str] = {}
    try:
        figures.update(upstream(with_peers))
    except RuntimeError as error:
        unavailable["upstream taskhawk 4.7.0"] = str(error)
    return {"us_per_message": figures, "unavailable": unavailable}


def measure_rows() -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for name in ROWS:
        with scenario(name) as (call, per):
            number = timing.calls_per_batch(call)
            figures[name] = timing.summary(
                [timing.time_batch(call, number, per) for _ in range(REPEATS)]
            )
    return figures


def upstream(with_peers: bool) -> dict[str, Any]:
    """Upstream 4.7's rows, measured by its driver in its own virtualenv."""
    if not with_peers:
        raise RuntimeError("skipped (--no-peers)")
    python = peers_env.peer_python("upstream")
    env = peers_env.offline_env(TASK_KWARGS, HEADERS)
    command = [str(python), str(peers_env.DRIVERS / "upstream_driver.py"), "cpu"]
    found = peers_env.run_driver([*command, "--repeats", str(REPEATS)], env)
    missing = UPSTREAM_CALLS - set(found.get("calls", {}))
    if missing:  # its rows measured something else than its AWS backends (an empty loop)
        raise RuntimeError(f"upstream's CPU rows made no {', '.join(sorted(missing))} call")
    return {f"{UPSTREAM_PREFIX}{name}": row for name, row in found["us_per_message"].items()}


def report(results: dict[str, Any]) -> list[str]:
    figures = results["us_per_message"]
    width = max(len(name) for name in figures)
    title = "CPU per message (no network)"
    lines = [
        f"{title:<{width}} {'median us':>10} {'min':>7} {'max':>7} {'spread':>7} {'vs without':>10}"
    ]
    for name, figure in figures.items():
        ratio = f"{figure['vs_without']:.2f}x" if "vs_without" in figure else ""
        lines.append(
            f"{name:<{width}} {figure['median_us']:>10.1f} {figure['min_us']:>7.1f} "
            f"{figure['max_us']:>7.1f} {figure['spread']:>7.2f} {ratio:>10}"
        )
    for who, reason in results["unavailable"].items():
        lines.append(f"unavailable: {who}: {reason}")
    for name, rows in results.get("profile", {}).items():
        lines.append(f"profile, {name} (us per message under cProfile; own, cumulative):")
        for row in rows[:8]:
            lines.append(
                f"  {row['own_us']:>7.2f} {row['cumulative_us']:>8.2f}  "
                f"x{row['calls_per_message']:<5} {row['function']}"
            )
    return lines
