"""`taskhawk requeue-dlq`: move dead letters back, or (with --dry-run) show what is there.

The command owns its output: one result line per priority on stdout, a progress bar on a
terminal's stderr, and the library's own summary log line is kept out of the way.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections import Counter
from collections.abc import Callable
from typing import TextIO

from taskhawk.admin.aws_admin import AWSAdmin
from taskhawk.admin.requeue import DeadLetterKind, Selection, peek_dead_letters, requeue_dead_letter
from taskhawk.admin.requeue import logger as requeue_logger
from taskhawk.consume.dead_letter import UNKNOWN_TASK_REASON
from taskhawk.exceptions import ConfigurationError
from taskhawk.priority import Priority
from taskhawk.settings import get_settings

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser, priority: Callable[[str], str]) -> None:
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--priority",
        type=priority,
        metavar="P",
        help=f"the priority whose DLQ to move back ({', '.join(p.name for p in Priority)})",
    )
    which.add_argument(
        "--all-priorities", action="store_true", help="every priority's DLQ, one after another"
    )
    parser.add_argument("--limit", type=int, metavar="N", help="move at most N messages")
    parser.add_argument(
        "--task", metavar="PATTERN", help="only dead letters of these tasks (glob: 'billing.*')"
    )
    parser.add_argument(
        "--reason",
        metavar="TEXT",
        help="only dead letters whose reason contains TEXT (case-insensitive), e.g. 'redrive'",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="count the dead letters by task and reason, move nothing",
    )
    parser.add_argument(
        "--unknown-tasks",
        action="store_true",
        help="move dead letters of tasks no worker knew (reason 'unknown task') without asking: "
        "they are dead-lettered again unless a worker now registers their task",
    )


def run(args: argparse.Namespace, stdin: TextIO = sys.stdin) -> int:
    priorities = list(Priority) if args.all_priorities else [Priority.parse(args.priority)]
    selection = Selection(task=args.task, reason=args.reason)
    for priority in priorities:
        if args.dry_run:
            _show(priority, peek_dead_letters(priority, limit=args.limit, selection=selection))
            continue
        if not args.unknown_tasks and not _unknown_tasks_confirmed(
            priority, args.limit, selection, stdin
        ):
            print(f"nothing requeued from {_names(priority)[0]}")
            return 1
        _move(priority, args.limit, selection)
    return 0


def _unknown_tasks_confirmed(
    priority: Priority, limit: int | None, selection: Selection, stdin: TextIO
) -> bool:
    """Dead letters naming a task no worker knew fail again when moved back, unless a worker
    now registers the task: they are moved only with --unknown-tasks or a yes on a terminal."""
    counts = peek_dead_letters(priority, limit=limit, selection=selection)
    unknown = Counter(
        {kind.task: n for kind, n in counts.items() if kind.reason.startswith(UNKNOWN_TASK_REASON)}
    )
    if not unknown:
        return True
    tasks = ", ".join(f"{task}: {n}" for task, n in sorted(unknown.items()))
    warning = (
        f"{unknown.total()} dead letters in {_names(priority)[0]} name a task no worker knew "
        f"({tasks}); moved back they are dead-lettered again unless a worker now registers it"
    )
    if not stdin.isatty():
        raise ConfigurationError(
            f"{warning}: add --unknown-tasks to move them anyway, or choose others with --task"
        )
    print(f"{warning}. Move them too? [y/N] ", end="", file=sys.stderr, flush=True)
    return stdin.readline().strip().lower() in ("y", "yes")


def _names(priority: Priority) -> tuple[str, str]:
    names = get_settings().names
    return names.dead_letter_queue(priority), names.queue(priority)


def _show(priority: Priority, counts: Counter[DeadLetterKind]) -> None:
    out = sys.stdout
    source, target = _names(priority)
    print(f"would requeue {counts.total()} messages from {source} to {target}", file=out)
    for kind, count in sorted(counts.items(), key=lambda item: (item[0].task, -item[1])):
        print(f"  {count:6d}  {kind.task}  ({kind.reason})", file=out)


def _move(priority: Priority, limit: int | None, selection: Selection) -> None:
    source, target = _names(priority)
    progress = progress_bar(sys.stderr, _approximate(source, limit))
    level = requeue_logger.level
    requeue_logger.setLevel(logging.WARNING)  # the result line below says it once
    try:
        moved = requeue_dead_letter(priority, limit=limit, progress=progress, selection=selection)
    finally:
        requeue_logger.setLevel(level)
        if progress is not None:
            print(file=sys.stderr)  # end the bar's line before anything else is written
    print(f"requeued {moved} messages from {source} to {target}")


def _approximate(queue: str, limit: int | None) -> int | None:
    try:
        count = AWSAdmin(get_settings()).approximate_count(queue)
    except Exception:  # only the progress bar's total: never worth failing for
        return limit
    return count if limit is None or count is None else min(count, limit)


def progress_bar(stream: TextIO, total: int | None) -> Callable[[int], None] | None:
    """A bar on a terminal; None elsewhere (the final count line says it all)."""
    if not stream.isatty():
        return None

    def show(done: int) -> None:
        if total:
            filled = min(30, 30 * done // total)
            stream.write(f"\rrequeued {done}/{total} [{'#' * filled}{'.' * (30 - filled)}]")
        else:
            stream.write(f"\rrequeued {done}")
        stream.flush()

    return show
