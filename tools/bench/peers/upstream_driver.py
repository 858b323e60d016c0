"""Upstream Taskhawk 4.7.0 as shipped: SNS publisher, SQS consumer (listen_for_messages).

Environment: BENCH_ENDPOINT, BENCH_APP_QUEUE, BENCH_QUEUE_URL, BENCH_UDP_PORT, BENCH_TASK_KWARGS.
"""

from __future__ import annotations

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


def main() -> int:
    args = peer_common.parse()
    if args.command == "dispatch":
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
