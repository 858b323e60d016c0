"""Stop a worker cleanly on SIGTERM or Ctrl-C: messages already received are finished first."""

import logging
import signal
import threading
from types import FrameType

import tasks  # noqa: F401 - registers the tasks this worker can run

from taskhawk.consume.sqs import listen_for_messages

logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
stop = threading.Event()


def request_stop(signum: int, frame: FrameType | None) -> None:
    stop.set()


signal.signal(signal.SIGTERM, request_stop)
signal.signal(signal.SIGINT, request_stop)

# With a shutdown event, polls last 1 s, so setting it stops the loop within about a second.
listen_for_messages("default", num_messages=10, shutdown_event=stop)
print("worker stopped")
