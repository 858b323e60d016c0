"""Celery with its SQS broker (kombu, pycurl), solo pool, one queue given by URL.

Environment: BENCH_ENDPOINT, BENCH_QUEUE_URL, BENCH_UDP_PORT, BENCH_TASK_KWARGS.
"""

from __future__ import annotations

import os
import sys
import urllib.parse

import celery
import kombu
import peer_common
import pycurl
from celery import Celery

QUEUE = "bench-celery"
_endpoint = urllib.parse.urlsplit(peer_common.ENDPOINT)
app = Celery("bench", broker=f"sqs://testing:testing@{_endpoint.hostname}:{_endpoint.port}")
app.conf.update(
    broker_transport_options={
        "region": peer_common.REGION,
        "is_secure": False,
        # kombu waits polling_interval (default 1 s) whenever its prefetch slots are full: with
        # prefetch 1 that is after every message, ~2 messages/s; 0.05 s lets it run
        "polling_interval": 0.05,
        "predefined_queues": {
            QUEUE: {
                "url": os.environ.get("BENCH_QUEUE_URL", ""),
                "access_key_id": "testing",
                "secret_access_key": "testing",
            }
        },
    },
    task_default_queue=QUEUE,
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
)


@app.task(name="bench.send_email")
def send_email(to: str, subject: str, order_id: int) -> None:
    peer_common.notify()


def dispatch() -> None:
    send_email.apply_async(kwargs=peer_common.TASK_KWARGS, headers=peer_common.HEADERS)


def main() -> int:
    args = peer_common.parse()
    if args.command == "dispatch":
        peer_common.timed_dispatch(dispatch, args.count, args.chunk, os.environ["BENCH_QUEUE_URL"])
    elif args.command == "capture":
        peer_common.capture(dispatch, args.count)
    elif args.command == "worker":
        app.worker_main(
            [
                "worker",
                "--pool=solo",
                "--concurrency=1",
                f"--prefetch-multiplier={args.prefetch}",
                "--loglevel=WARNING",
                "--without-heartbeat",
                "--without-mingle",
                "--without-gossip",
                f"--queues={QUEUE}",
            ]
        )
    else:
        print(f"celery {celery.__version__} kombu {kombu.__version__} {pycurl.version}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
