"""The `taskhawk` command's arguments: every option explained, its choices and range shown.

Ranges are checked here, so an out-of-range value is a usage error (exit 2, one line) before
anything starts, and the limits come from `taskhawk.transport.limits`, where SQS's are defined.
"""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Callable
from typing import TypeVar

from taskhawk.admin.devserver import DEFAULT_PORT, FORMATS
from taskhawk.cli import requeue_command, schedules_command, tasks_command
from taskhawk.consume.concurrent import MAX_CONCURRENCY
from taskhawk.logs import LOG_FORMATS, LOG_LEVELS
from taskhawk.priority import Priority
from taskhawk.transport.limits import MAX_BATCH, MAX_VISIBILITY_S
from taskhawk.version import __version__

__all__ = ["EXIT_STATUSES", "EXIT_STATUS_MEANINGS", "build_parser"]

N = TypeVar("N", int, float)

PRIORITIES = [priority.name for priority in Priority]
# The one list of exit statuses: `--help` prints it, the operations page renders it as a table.
EXIT_STATUS_MEANINGS: tuple[tuple[int, str], ...] = (
    (0, "success"),
    (
        1,
        "failure: an invalid message (validate), messages not moved (requeue-dlq), an endpoint "
        "that cannot be reached, does not answer in time or answers what the API does not promise "
        "(a cut or empty answer), a worker stopped by force (a second "
        "signal, or --grace-seconds over), a purge or requeue not confirmed at the prompt",
    ),
    (
        2,
        "usage or configuration error: a bad option, settings that cannot be read, a missing or "
        "misspelt setting, no region or credentials, credentials AWS refuses, a queue that does "
        "not exist, a hook or task module that cannot be imported, no tasks registered, a "
        "confirmation needed (--yes, --unknown-tasks) without a terminal",
    ),
    (
        130,
        "interrupted (Ctrl-C) while starting or before finishing (a running worker instead stops "
        "gracefully and exits 0)",
    ),
)


def _exit_statuses() -> str:
    lines = ["exit status:"]
    for status, meaning in EXIT_STATUS_MEANINGS:
        wrapped = textwrap.wrap(meaning, width=88)
        lines.append(f"  {status:>3}  {wrapped[0]}")
        lines += [f"       {line}" for line in wrapped[1:]]
    return "\n".join(lines)


EXIT_STATUSES = _exit_statuses()


def _bounded(kind: Callable[[str], N], low: N, high: N | None) -> Callable[[str], N]:
    """An argparse type accepting `kind` values within low..high (high None: no upper bound)."""

    def parse(text: str) -> N:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if value < low or (high is not None and value > high):
            span = f"{low:g}..{high:g}" if high is not None else f"at least {low:g}"
            raise argparse.ArgumentTypeError(f"must be {span}, not {text}")
        return value

    return parse


def _priority_name(text: str) -> str:
    try:
        return Priority.parse(text).name
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _formatter(prog: str) -> argparse.HelpFormatter:
    return argparse.RawDescriptionHelpFormatter(prog, max_help_position=32)


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    group = common.add_argument_group("settings and logging")
    _settings_options(group)
    _logging_options(group)
    return common


def _settings_options(group: argparse._ArgumentGroup) -> None:
    group.add_argument(
        "--settings",
        metavar="MODULE",
        help="settings module to read, a module name such as settings or myapp.settings (not "
        "a file name); default: the SETTINGS_MODULE environment variable, or Django's settings "
        "when DJANGO_SETTINGS_MODULE is set",
    )
    group.add_argument(
        "--path",
        metavar="DIR",
        action="append",
        default=[],
        help="put DIR first on the module search path (repeatable); default: the current "
        "directory, as python -m does",
    )


def _logging_options(group: argparse._ArgumentGroup) -> None:
    group.add_argument(
        "--log-level",
        type=str.upper,
        choices=LOG_LEVELS,
        default="INFO",
        help="log lines at this level and above, to stderr (default INFO: one line per task "
        "outcome); DEBUG adds the settings source, the endpoint and the registered tasks",
    )
    group.add_argument(
        "--log-format",
        choices=LOG_FORMATS,
        default="text",
        help="text: one line with the fields as key=value; json: one JSON object per line "
        "with the same fields (default text)",
    )
    group.add_argument(
        "--log-config",
        metavar="FILE",
        help="your own logging configuration instead of taskhawk's, in the parent and every "
        "worker process: a dictConfig JSON file (*.json) or a fileConfig INI file (any other "
        "name); --log-level and --log-format then do nothing",
    )


def _priorities(
    parser: argparse.ArgumentParser, what: str, *, required: bool = False, repeat: bool = True
) -> None:
    parser.add_argument(
        "--priority",
        action="append" if repeat else "store",
        choices=PRIORITIES,
        required=required,
        help=what,
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="taskhawk",
        description="Asynchronous tasks over AWS SQS, SNS and Lambda.",
        epilog=f"{EXIT_STATUSES}\n\nRun taskhawk COMMAND --help for a command's options.",
        formatter_class=_formatter,
    )
    parser.add_argument(
        "-V", "--version", action="version", version=f"taskhawk {__version__}",
        help="print the version and exit",
    )  # fmt: skip
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", help="what to do (each has --help)"
    )
    _commands(commands, [_common()])
    return parser


def _commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: list[argparse.ArgumentParser],
) -> None:
    """The table of subcommands, each with its summary and options."""

    def command(name: str, summary: str, *, settings: bool = True) -> argparse.ArgumentParser:
        return commands.add_parser(
            name,
            parents=common if settings else [],
            help=summary,
            description=summary[0].upper() + summary[1:] + ".",
            epilog=EXIT_STATUSES,
            formatter_class=_formatter,
        )

    _worker(command("worker", "run consumer processes for one or more priorities"))
    tasks_command.add_arguments(
        command("tasks", "list the registered tasks: priority, queue, signature (starts nothing)")
    )
    requeue_command.add_arguments(
        command("requeue-dlq", "move a priority's dead letters back to its queue"), _priority_name
    )
    provision = command(
        "provision",
        "create or update the queues, dead-letter queues, topics and periodic tasks' schedules",
    )
    _priorities(provision, "a priority to provision (repeatable; default: all four)")
    schedules_command.add_provision_options(provision)
    schedules_command.add_import_option(
        command("schedules", "list the periodic tasks' schedules the task modules declare")
    )
    _stats(command("stats", "show queue depths, in-flight messages and dead letters"))
    _purge(command("purge", "delete every message of a priority's queue or dead-letter queue"))
    _dev_server(command("dev-server", "run a local SQS/SNS endpoint for development"))
    _validate(command("validate", "check a message body against the schema", settings=False))


def _validate(validate: argparse.ArgumentParser) -> None:
    validate.add_argument(
        "file", metavar="FILE", help="a file holding one message body; - reads standard input"
    )


def _worker(worker: argparse.ArgumentParser) -> None:
    _priorities(
        worker,
        "a priority to consume (repeatable; default: default); the first given is polled first",
    )
    worker.add_argument(
        "--processes", type=_bounded(int, 1, None), default=1, metavar="N",
        help="consumer processes, each running one task at a time (default 1)",
    )  # fmt: skip
    worker.add_argument(
        "--concurrency", type=_bounded(int, 1, MAX_CONCURRENCY), default=1, metavar="N",
        help="messages each process runs at once: async tasks share the process's event loop, "
        f"plain tasks still run one at a time; 1..{MAX_CONCURRENCY} (default 1: one message "
        "at a time; with more, each receive asks for as many as there is room for)",
    )  # fmt: skip
    worker.add_argument(
        "--num-messages", type=_bounded(int, 1, MAX_BATCH), default=1, metavar="N",
        help=f"messages one receive may return, 1..{MAX_BATCH} (default 1)",
    )  # fmt: skip
    worker.add_argument(
        "--visibility-timeout", type=_bounded(int, 0, MAX_VISIBILITY_S), metavar="SECONDS",
        help=f"how long a received message stays hidden from other workers, 0..{MAX_VISIBILITY_S}"
        " (default: TASKHAWK_VISIBILITY_TIMEOUT_S); the heartbeat extends it while a task runs",
    )  # fmt: skip
    worker.add_argument(
        "--grace-seconds", type=_bounded(float, 0, None), default=30.0, metavar="SECONDS",
        help="how long a graceful stop may take before tasks are killed (default 30)",
    )  # fmt: skip
    worker.add_argument(
        "--import", dest="imports", action="append", default=[], metavar="MODULE",
        help="a module whose tasks to register (repeatable), in addition to the "
        "TASKHAWK_TASK_MODULES setting; a worker with no tasks is refused",
    )  # fmt: skip
    worker.add_argument(
        "--health-file", metavar="PATH",
        help="keep PATH's modification time at the last progress of the least lively worker "
        "process (polls and tasks, about once a second): a liveness probe restarts the worker "
        "when the file is older than its longest task",
    )  # fmt: skip


def _stats(stats: argparse.ArgumentParser) -> None:
    _priorities(stats, "a priority to show (repeatable; default: all four)")
    stats.add_argument(
        "--watch", nargs="?", const=2.0, type=_bounded(float, 0.5, None), metavar="SECONDS",
        help="refresh every SECONDS (default 2) until Ctrl-C",
    )  # fmt: skip
    stats.add_argument(
        "--json", action="store_true",
        help="one JSON object per refresh, on one line, instead of the table",
    )  # fmt: skip
    stats.add_argument(
        "--age", choices=["auto", "cloudwatch", "none"], default="auto",
        help="where the oldest message's age comes from: SQS's API has none, CloudWatch's "
        "ApproximateAgeOfOldestMessage has it (a few minutes late); auto asks CloudWatch on "
        "AWS and nothing when AWS_ENDPOINT_SQS is set (local endpoints keep no metrics)",
    )  # fmt: skip


def _purge(purge: argparse.ArgumentParser) -> None:
    _priorities(purge, "purge this priority's queue (repeatable)", required=True)
    purge.add_argument(
        "--dead-letters", action="store_true",
        help="purge the dead-letter queues instead of the queues",
    )  # fmt: skip
    purge.add_argument(
        "--yes", action="store_true",
        help="do not ask for confirmation (needed when standard input is not a terminal)",
    )  # fmt: skip


def _dev_server(dev: argparse.ArgumentParser) -> None:
    dev.add_argument(
        "--port", type=_bounded(int, 0, 65535), default=DEFAULT_PORT,
        help=f"port on 127.0.0.1 (default {DEFAULT_PORT}; 0 picks a free one)",
    )  # fmt: skip
    dev.add_argument(
        "--queue", metavar="NAME",
        help="TASKHAWK_QUEUE to provision (default: from the settings, else DEV-APP)",
    )  # fmt: skip
    dev.add_argument(
        "--max-receive-count", type=_bounded(int, 1, 1000), metavar="N",
        help="receives before a failing message is dead-lettered (default: "
        "TASKHAWK_MAX_RECEIVE_COUNT from the settings, else 4)",
    )  # fmt: skip
    dev.add_argument(
        "--fifo", action="store_true", default=None,
        help="provision FIFO queues and topics (default: TASKHAWK_FIFO from the settings)",
    )  # fmt: skip
    dev.add_argument(
        "--format", choices=FORMATS, default="python",
        help="how to print the settings: python, assignments for a settings module (default); "
        "json, one object on one line of stdout, for scripts (comments go to stderr); either "
        "way stderr also gets the AWS_* environment for programs in other languages",
    )  # fmt: skip
