"""`taskhawk stats` and `taskhawk purge`: looking at, and emptying, an app's queues."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import TextIO

from taskhawk.admin.aws_admin import AWSAdmin
from taskhawk.admin.payload_bucket import payload_line, payload_stats
from taskhawk.admin.purge import purge, purge_targets
from taskhawk.admin.stats import PriorityStats, queue_stats, uses_cloudwatch
from taskhawk.exceptions import ConfigurationError
from taskhawk.priority import Priority
from taskhawk.settings import get_settings

__all__ = ["run_purge", "run_stats", "stats_table"]

_COLUMNS = ("priority", "queue", "visible", "in flight", "delayed", "dead letters", "oldest")
_CLEAR = "\033[H\033[J"


def run_stats(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    settings = get_settings()
    priorities = [Priority.parse(name) for name in dict.fromkeys(args.priority or [])]
    priorities = priorities or list(Priority)
    with_age = uses_cloudwatch(settings, args.age)
    try:
        while True:
            stats = queue_stats(settings, priorities, age_source=args.age)
            now = datetime.now(timezone.utc).isoformat(timespec="seconds")
            payloads = payload_stats(settings)
            if args.json:
                entry: dict[str, object] = {"time": now, "app": settings.app_queue}
                entry["priorities"] = stats
                entry.update({"large_payloads": payloads} if payloads else {})
                print(json.dumps(entry, default=PriorityStats.as_dict), file=out, flush=True)
            else:
                screen = _CLEAR if args.watch and out.isatty() else ""
                table = stats_table(stats, with_age) + payload_line(payloads)
                print(f"{screen}{settings.app_queue} at {now}\n{table}", file=out, flush=True)
            if not args.watch:
                return 0
            time.sleep(args.watch)
    except KeyboardInterrupt:  # --watch runs until Ctrl-C: a normal end
        return 0


def stats_table(stats: Sequence[PriorityStats], with_age: bool) -> str:
    """Columns aligned; a queue that does not exist says so instead of numbers."""
    rows = [_row(entry) for entry in stats]
    widths = [max(len(row[i]) for row in [list(_COLUMNS), *rows]) for i in range(len(_COLUMNS))]
    lines = [_line(_COLUMNS, widths)]
    for entry, row in zip(stats, rows, strict=True):
        if entry.visible is None:
            lines.append(_line(row[:2], widths) + "  not provisioned (taskhawk provision)")
        else:
            lines.append(_line(row, widths))
    if not with_age:
        lines.append(
            "oldest: - means unknown; SQS's API does not give it, CloudWatch does on AWS "
            "(--age cloudwatch), local endpoints keep no metrics"
        )
    return "\n".join(lines)


def _row(entry: PriorityStats) -> list[str]:
    numbers = (entry.visible, entry.in_flight, entry.delayed, entry.dead_letters)
    shown = ["-" if number is None else str(number) for number in numbers]
    return [entry.priority, entry.queue, *shown, _age(entry.oldest_age_s)]


def _line(cells: Sequence[str], widths: Sequence[int]) -> str:
    """The first two columns (names) left-aligned, the numbers right-aligned."""
    aligned = [
        cell.ljust(width) if index < 2 else cell.rjust(width)
        for index, (cell, width) in enumerate(zip(cells, widths, strict=False))
    ]
    return "  ".join(aligned).rstrip()


def _age(seconds: int | None) -> str:
    if seconds is None:
        return "-"
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def run_purge(args: argparse.Namespace, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    settings = get_settings()
    admin = AWSAdmin(settings)
    priorities = [Priority.parse(name) for name in args.priority]
    targets = purge_targets(admin, settings, priorities, dead_letters=args.dead_letters)
    listing = ", ".join(f"{t.name} (about {t.approximate_messages} messages)" for t in targets)
    if not args.yes:
        if not stdin.isatty():
            raise ConfigurationError(f"would purge {listing}: confirm with --yes")
        print(f"Purge {listing}? This cannot be undone. [y/N] ", end="", file=out, flush=True)
        if stdin.readline().strip().lower() not in ("y", "yes"):
            print("nothing purged", file=out)
            return 1
    purge(admin, targets)
    for target in targets:
        print(f"purged {target.name} (about {target.approximate_messages} messages)", file=out)
    return 0
