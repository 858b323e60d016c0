"""Upstream Taskhawk 4.7.0 as shipped: SNS publisher, SQS consumer (listen_for_messages).

Commands: dispatch, capture and worker against the endpoint; cpu (CPU per message, botocore
answered in-process), library-only (dispatch and consume through in-memory backends) and
instructions (one of those rows, `--row`, run for valgrind to count), all with upstream's
failing OpenTelemetry import stubbed out (upstream_memory).

Environment: BENCH_ENDPOINT, BENCH_APP_QUEUE, BENCH_QUEUE_URL, BENCH_UDP_PORT, BENCH_TASK_KWARGS.
"""

from __future__ import annotations

import json
import os
import sys
import types

import peer_common

settings = types.ModuleType("bench_upstream_settings")
settings.AWS_ENDPOINT_SQS = peer_common.ENDPOINT  # type: ignore[attr-defined]
settings.AWS_ENDPOINT_SNS = peer_common.ENDPOINT  # type: ignore[attr-defined]
settings.AWS_REGION = peer_common.REGION  # type: ignore[attr-defined]
settings.AWS_ACCOUNT_ID = "123456789012"  # type: ignore[attr-defined]
settings.AWS_ACCESS_KEY = "testing"  # type: ignore[attr-defined]
settings.AWS_SECRET_KEY = "testing"  # type: ignore[attr-defined]
settings.TASKHAWK_QUEUE = os.environ.get("BENCH_APP_QUEUE", "BENCH-UPSTREAM")  # type: ignore[attr-defined]
settings.TASKHAWK_PUBLISHER_BACKEND = "taskhawk.backends.aws.AWSSNSPublisherBackend"  # type: ignore[attr-defined]
settings.TASKHAWK_CONSUMER_BACKEND = "taskhawk.backends.aws.AWSSQSConsumerBackend"  # type: ignore[attr-defined]
sys.modules[settings.__name__] = settings
os.environ["SETTINGS_MODULE"] = settings.__name__

import taskhawk  # noqa: E402 - after its settings module exists


@taskhawk.task(name="bench.send_email")
def send_email(to: str, subject: str, order_id: int) -> None:
    peer_common.notify()


def dispatch() -> None:
    send_email.with_headers(**peer_common.HEADERS).dispatch(**peer_common.TASK_KWARGS)


def _offline(command: str, args: object) -> None:
    """cpu, library-only, instructions: no endpoint, upstream's hook import stubbed, JSON on
    stdout."""
    import upstream_memory  # noqa: PLC0415

    upstream_memory.stub_instrumentation()
    row = args.row  # type: ignore[attr-defined]
    if peer_common.in_memory_backends(command, row):  # before upstream reads (caches) settings
        settings.TASKHAWK_PUBLISHER_BACKEND = "upstream_memory.MemoryPublisherBackend"  # type: ignore[attr-defined]
        settings.TASKHAWK_CONSUMER_BACKEND = "upstream_memory.MemoryConsumerBackend"  # type: ignore[attr-defined]
    import upstream_cpu  # noqa: PLC0415 - declares its task once settings are final

    if command == "cpu":
        result = upstream_cpu.cpu(args.repeats)  # type: ignore[attr-defined]
    elif command == "instructions":
        result = upstream_cpu.instructions(args.row, args.count)  # type: ignore[attr-defined]
    else:
        result = upstream_cpu.library_only(args.count)  # type: ignore[attr-defined]
    print(json.dumps(result), flush=True)


def main() -> int:
    args = peer_common.parse()
    if args.command in ("cpu", "library-only", "instructions"):
        _offline(args.command, args)
    elif args.command == "dispatch":
        peer_common.timed_dispatch(dispatch, args.count, args.chunk, os.environ["BENCH_QUEUE_URL"])
    elif args.command == "capture":
        peer_common.capture(dispatch, args.count)
    elif args.command == "worker":
        taskhawk.listen_for_messages(taskhawk.Priority.default, num_messages=args.num_messages)
    else:
        # The check command exists to find out whether this import works in the peer's
        # virtualenv (it needs retrying and the mypy_boto3 stubs); the others never need it.
        from taskhawk.backends import aws  # noqa: PLC0415 - the import is what is checked

        print(f"taskhawk 4.7.0 AWS backend: {aws.__name__}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
