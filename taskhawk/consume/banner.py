"""The worker's start banner: what it will run, from where, against what.

Printed once, by the parent, after every start check passed: the version, where the settings
came from, the endpoint, the queues, and the registered tasks (as Celery's `[tasks]` list), so a
worker that imported the wrong modules or settings shows it before the first message. The same
facts are logged at DEBUG, for runs whose standard output nobody reads.
"""

from __future__ import annotations

import logging
from typing import TextIO

from taskhawk.consume.preflight import WorkerStart
from taskhawk.version import __version__

__all__ = ["banner", "show_start"]

logger = logging.getLogger("taskhawk.worker")


def banner(start: WorkerStart, processes: int, num_messages: int, concurrency: int = 1) -> str:
    queues = [f"{p.name}: {queue} (dead letters: {dlq})" for p, queue, dlq in start.queues]
    per_receive = "1 message" if num_messages == 1 else f"up to {num_messages} messages"
    at_once = f"{per_receive} per receive"
    if concurrency > 1:
        at_once = f"up to {concurrency} messages at once each"
    lines = [
        f"taskhawk {__version__} worker",
        f"  settings   {start.settings_source}",
        f"  endpoint   {start.endpoint} (region {start.region})",
        f"  queues     {queues[0]}",
        *[f"             {line}" for line in queues[1:]],
        f"  processes  {processes}, {at_once}",
        "[tasks]",
        *[f"  . {name} ({priority})" for name, priority in start.tasks],
    ]
    return "\n".join(lines)


def show_start(
    start: WorkerStart, processes: int, num_messages: int, out: TextIO, concurrency: int = 1
) -> None:
    """The banner on `out`, and its facts as DEBUG log lines."""
    logger.debug(
        "settings from %s, endpoint %s", start.settings_source, start.endpoint,
        extra={"settings_source": start.settings_source, "endpoint": start.endpoint,
               "region": start.region},
    )  # fmt: skip
    logger.debug(
        "registered tasks: %s", ", ".join(name for name, _ in start.tasks),
        extra={"tasks": len(start.tasks)},
    )  # fmt: skip
    print(banner(start, processes, num_messages, concurrency), file=out, flush=True)
    for warning in start.warnings:
        logger.warning(warning)
