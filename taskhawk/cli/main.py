"""The `taskhawk` command: worker, requeue-dlq, provision, dev-server, validate.

Settings come from --settings MODULE (or the SETTINGS_MODULE environment variable, or Django);
--path DIR (default: the current directory) is put on sys.path first, as `python -m` would.
Exit status: 0 success, 1 failure (invalid message, messages not moved, forced stop), 2 usage
or configuration error.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from taskhawk.admin.devserver import serve
from taskhawk.admin.provision import provision
from taskhawk.cli import requeue_command
from taskhawk.consume.dead_letter import dead_letter_reason
from taskhawk.consume.worker import WorkerOptions, run_worker
from taskhawk.exceptions import ConfigurationError, TaskhawkError
from taskhawk.logs import configure_logging
from taskhawk.priority import Priority
from taskhawk.settings import clear_cache, get_settings
from taskhawk.wire import decode, validation_errors

__all__ = ["build_parser", "main"]

_DESCRIPTION = "Asynchronous tasks over AWS SQS, SNS and Lambda."


def _priority(value: str) -> str:
    try:
        return Priority.parse(value).name
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--settings", metavar="MODULE", help="settings module (SETTINGS_MODULE)")
    common.add_argument(
        "--path", metavar="DIR", action="append", default=[], help="add to sys.path (default .)"
    )
    common.add_argument("--log-level", default="INFO", help="logging level (default INFO)")
    return common


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="taskhawk", description=_DESCRIPTION)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    common = [_common()]
    worker = commands.add_parser("worker", parents=common, help="run consumer processes")
    worker.add_argument("--priority", action="append", type=_priority, metavar="P")
    worker.add_argument("--processes", type=int, default=1, metavar="N")
    worker.add_argument("--num-messages", type=int, default=1, metavar="N", help="1..10")
    worker.add_argument("--visibility-timeout", type=int, metavar="SECONDS")
    worker.add_argument("--grace-seconds", type=float, default=30.0, metavar="SECONDS")
    worker.add_argument("--import", dest="imports", action="append", default=[], metavar="MODULE")
    requeue = commands.add_parser("requeue-dlq", parents=common, help="move a DLQ back")
    requeue_command.add_arguments(requeue, _priority)
    prov = commands.add_parser("provision", parents=common, help="create queues and topics")
    prov.add_argument("--priority", action="append", type=_priority, metavar="P")
    dev = commands.add_parser("dev-server", parents=common, help="local SQS/SNS endpoint")
    dev.add_argument("--port", type=int, default=0, help="default: any free port")
    dev.add_argument("--queue", help="TASKHAWK_QUEUE (default: from settings, else DEV-APP)")
    dev.add_argument("--max-receive-count", type=int, metavar="N")
    dev.add_argument("--format", choices=["env", "python"], default="env")
    validate = commands.add_parser("validate", help="check a message against the schema")
    validate.add_argument("file", metavar="FILE|-")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "validate":
        return _validate(args.file, sys.stdout)
    if not logging.getLogger().handlers:  # an embedding application's logging is left alone
        configure_logging(args.log_level)
    _use_settings(args)
    try:
        return _COMMANDS[args.command](args)
    except (ConfigurationError, ValueError) as error:
        print(f"taskhawk {args.command}: error: {error}", file=sys.stderr)
        return 2
    except TaskhawkError as error:
        print(f"taskhawk {args.command}: {error}", file=sys.stderr)
        return 1


def _use_settings(args: argparse.Namespace) -> None:
    args.path = args.path or ["."]
    for path in reversed(args.path):
        sys.path.insert(0, os.path.abspath(path))
    if args.settings:
        os.environ["SETTINGS_MODULE"] = args.settings
    clear_cache()


def _worker(args: argparse.Namespace) -> int:
    options = WorkerOptions(
        priorities=tuple(dict.fromkeys(args.priority or ["default"])),
        processes=args.processes,
        num_messages=args.num_messages,
        visibility_timeout_s=args.visibility_timeout,
        grace_seconds=args.grace_seconds,
        settings_module=os.environ.get("SETTINGS_MODULE"),
        imports=tuple(args.imports),
        paths=tuple(os.path.abspath(path) for path in args.path),
        log_level=args.log_level,
    )
    return run_worker(options)


def _provision(args: argparse.Namespace) -> int:
    priorities = [Priority.parse(name) for name in dict.fromkeys(args.priority or [])]
    for done in provision(priorities or tuple(Priority)):
        print(done)
    return 0


def _dev_server(args: argparse.Namespace) -> int:
    try:
        configured = get_settings()
    except ConfigurationError:
        configured = None
    queue = args.queue or (configured and configured.taskhawk_queue) or "DEV-APP"
    max_receive_count = args.max_receive_count or (
        configured.taskhawk_max_receive_count if configured else 4
    )
    return serve(
        port=args.port, queue=queue, max_receive_count=max_receive_count, style=args.format
    )


def _validate(path: str, out: TextIO) -> int:
    """Print each schema error with its JSON path; 0 when the message is valid."""
    try:
        body = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as error:
        print(f"taskhawk validate: cannot read {path}: {error.strerror}", file=sys.stderr)
        return 2
    errors = validation_errors(body)
    for problem in errors:
        print(f"{problem.path}: {problem.reason}", file=out)
    if errors:
        hint = dead_letter_reason(errors[0], body.decode("utf-8", "replace"))
        if hint.startswith("SNS"):
            print(f"hint: {hint}", file=out)
        return 1
    message = decode(body)
    version = message.metadata.version
    print(f"valid: format {version}, task {message.task}, id {message.id}", file=out)
    return 0


_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "worker": _worker,
    "requeue-dlq": requeue_command.run,
    "provision": _provision,
    "dev-server": _dev_server,
}
