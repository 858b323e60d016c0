"""`taskhawk schedules` (the declared periodic tasks) and `taskhawk provision`'s schedules.

Both import the task modules first (TASKHAWK_TASK_MODULES, then each --import), since schedules
are declared next to their tasks.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TextIO

from taskhawk.admin.payload_bucket import ensure_payload_bucket
from taskhawk.admin.provision import provision
from taskhawk.admin.schedules import provision_schedules
from taskhawk.consume.startup import prepare_process
from taskhawk.periodic import registered_schedules
from taskhawk.priority import Priority

__all__ = ["add_import_option", "add_provision_options", "run_provision", "run_schedules"]


def add_import_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--import", dest="imports", action="append", default=[], metavar="MODULE",
        help="a module whose tasks and schedules to register (repeatable), in addition to the "
        "TASKHAWK_TASK_MODULES setting",
    )  # fmt: skip


def add_provision_options(parser: argparse.ArgumentParser) -> None:
    add_import_option(parser)
    parser.add_argument(
        "--dry-run", action="store_true",
        help="print what would change in the periodic tasks' schedules (created, updated with "
        "what differs, deleted) and change nothing; queues and topics are not touched",
    )  # fmt: skip


def _import_tasks(args: argparse.Namespace) -> None:
    paths = [os.path.abspath(path) for path in args.path]
    prepare_process(paths, os.environ.get("SETTINGS_MODULE"), args.imports)


def run_schedules(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """One line per declared schedule: name, task, expression, time zone, priority."""
    out = out or sys.stdout  # read now: tests and embedders replace sys.stdout
    _import_tasks(args)
    schedules = sorted(registered_schedules().values(), key=lambda s: (s.task, s.name))
    for schedule in schedules:
        print(schedule.describe(), file=out)
    if not schedules:
        print("no periodic tasks declared", file=out)
    return 0


def run_provision(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    settings, _ = prepare_process(
        [os.path.abspath(path) for path in args.path],
        os.environ.get("SETTINGS_MODULE"),
        args.imports,
    )
    if not args.dry_run:
        priorities = [Priority.parse(name) for name in dict.fromkeys(args.priority or [])]
        for done in provision(priorities or tuple(Priority), settings):
            print(done, file=out)
        if settings.taskhawk_large_payload_bucket:
            print(ensure_payload_bucket(settings), file=out)
    prefix = "would be " if args.dry_run else ""
    for change in provision_schedules(settings, dry_run=args.dry_run):
        print(f"{prefix}{change}" if change.action != "keep" else str(change), file=out)
    return 0
