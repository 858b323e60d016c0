"""A worker in Python: the loop that `taskhawk worker --priority default --import tasks` runs."""

import logging

import tasks  # noqa: F401 - registers the tasks this worker can run

from taskhawk.consume.sqs import listen_for_messages

logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

# loop_count=1 makes one receive and returns; leave it out to run until stopped.
listen_for_messages("default", num_messages=10, loop_count=1)
