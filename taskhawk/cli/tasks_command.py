"""`taskhawk tasks`: the tasks a worker would register, without starting one.

It imports the modules a worker would (TASKHAWK_TASK_MODULES, then each --import) and prints
one row per task: its name, priority, the queue it is sent to (when settings say which app),
and the signature `dispatch` takes (what the consumer fills in, `metadata` and `headers`, left
out), then the schedules the periodic tasks declare. Settings are optional: without them the
queue column says so.
"""

from __future__ import annotations

import argparse
import inspect
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from taskhawk.arguments import INJECTED
from taskhawk.consume.startup import prepare_process
from taskhawk.exceptions import ConfigurationError
from taskhawk.importing import import_user_module
from taskhawk.periodic import registered_schedules
from taskhawk.registry import registered_tasks
from taskhawk.settings import Settings, configured_source
from taskhawk.task import Task

__all__ = ["add_arguments", "dispatch_signature", "run_tasks"]

_HEADINGS = ("TASK", "PRIORITY", "QUEUE", "SIGNATURE")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--import", dest="imports", action="append", default=[], metavar="MODULE",
        help="a module whose tasks to list (repeatable), in addition to the "
        "TASKHAWK_TASK_MODULES setting",
    )  # fmt: skip


def run_tasks(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    settings = _import_tasks(args.path, args.imports)
    tasks = sorted(registered_tasks().items())
    if not tasks:
        raise ConfigurationError(
            "no tasks are registered: name the modules that declare them with --import MODULE "
            "(repeatable) or the TASKHAWK_TASK_MODULES setting"
        )
    rows = [_HEADINGS, *(_row(task, settings) for _, task in tasks)]
    widths = [max(len(row[column]) for row in rows) for column in range(len(_HEADINGS) - 1)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        print("  ".join([*cells, row[-1]]), file=out)
    _print_schedules(out)
    return 0


def _print_schedules(out: TextIO) -> None:
    """Each declared schedule on a line, as `taskhawk schedules` shows it."""
    schedules = sorted(registered_schedules().values(), key=lambda schedule: schedule.name)
    if schedules:
        print(f"\nschedules ({len(schedules)}; `taskhawk provision` creates them):", file=out)
    for schedule in schedules:
        print(f"  {schedule.describe()}", file=out)


def _import_tasks(paths: Sequence[str], imports: Sequence[str]) -> Settings | None:
    """The worker's own start-up steps when settings are configured; the modules alone if not."""
    if configured_source() is not None:
        settings, _ = prepare_process(paths, None, imports)
        return settings
    for module in dict.fromkeys(imports):
        import_user_module(module, f"task module {module}")
    return None


def _row(task: Task[Any, Any], settings: Settings | None) -> tuple[str, str, str, str]:
    queue = settings.names.queue(task.priority) if settings is not None else "(no settings)"
    return (task.name, task.priority.name, queue, f"{task.fn.__name__}{dispatch_signature(task)}")


def dispatch_signature(task: Task[Any, Any]) -> str:
    """The function's signature as `dispatch` takes it: without what the consumer fills in."""
    try:
        signature = inspect.signature(task.fn, eval_str=True)
    except (NameError, TypeError, SyntaxError):  # an annotation that cannot be evaluated here
        signature = inspect.signature(task.fn)
    kept = [p for p in signature.parameters.values() if p.name not in INJECTED]
    return str(signature.replace(parameters=kept))
