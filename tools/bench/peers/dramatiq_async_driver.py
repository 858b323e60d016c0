"""dramatiq with dramatiq-sqs and its AsyncIO middleware: an `async def` actor awaiting 100 ms,
one worker process with BENCH_THREADS threads (each waits for one actor's coroutine on the
process's event loop).

Environment: BENCH_ENDPOINT, BENCH_QUEUE_URL, BENCH_UDP_PORT, BENCH_TASK_KWARGS, BENCH_THREADS.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading

import dramatiq
import peer_common
from dramatiq.middleware import AsyncIO
from dramatiq_sqs import SQSBroker

QUEUE = "bench-dramatiq-async"
IO_S = 0.1
broker = SQSBroker(
    endpoint_url=peer_common.ENDPOINT or None,
    region_name=peer_common.REGION,
    **peer_common.CREDENTIALS,
)
broker.add_middleware(AsyncIO())
dramatiq.set_broker(broker)


@dramatiq.actor(actor_name="bench_wait_async", queue_name=QUEUE)
async def wait_async(to: str, subject: str, order_id: int) -> None:
    await asyncio.sleep(IO_S)
    peer_common.notify()


def dispatch() -> None:
    wait_async.send_with_options(kwargs=peer_common.TASK_KWARGS)


def work() -> None:
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stopping.set())
    worker = dramatiq.Worker(broker, worker_threads=int(os.environ.get("BENCH_THREADS", "8")))
    worker.start()
    stopping.wait()
    worker.stop()


def main() -> int:
    args = peer_common.parse()
    if args.command == "capture":
        peer_common.capture(dispatch, args.count)
    elif args.command == "worker":
        work()
    else:
        print(f"dramatiq {dramatiq.__version__} AsyncIO", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
