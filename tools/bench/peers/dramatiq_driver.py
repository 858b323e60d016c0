"""dramatiq with dramatiq-sqs, one worker process with dramatiq's default 8 threads.

Environment: BENCH_ENDPOINT, BENCH_QUEUE_URL, BENCH_UDP_PORT, BENCH_TASK_KWARGS.
"""

from __future__ import annotations

import os
import signal
import sys
import threading

import dramatiq
import peer_common
from dramatiq_sqs import SQSBroker

QUEUE = "bench-dramatiq"
broker = SQSBroker(
    endpoint_url=peer_common.ENDPOINT or None,
    region_name=peer_common.REGION,
    **peer_common.CREDENTIALS,
)
dramatiq.set_broker(broker)


@dramatiq.actor(actor_name="bench_send_email", queue_name=QUEUE)
def send_email(to: str, subject: str, order_id: int) -> None:
    peer_common.notify()


def dispatch() -> None:
    send_email.send_with_options(kwargs=peer_common.TASK_KWARGS)


def work() -> None:
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stopping.set())
    worker = dramatiq.Worker(broker, worker_threads=8)
    worker.start()
    stopping.wait()
    worker.stop()


def main() -> int:
    args = peer_common.parse()
    if args.command == "dispatch":
        peer_common.timed_dispatch(dispatch, args.count, args.chunk, os.environ["BENCH_QUEUE_URL"])
    elif args.command == "capture":
        peer_common.capture(dispatch, args.count)
    elif args.command == "worker":
        work()
    else:
        print(f"dramatiq {dramatiq.__version__}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
