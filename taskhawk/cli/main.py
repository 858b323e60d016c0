"""The `taskhawk` command: worker, requeue-dlq, provision, stats, purge, dev-server, validate.

Settings come from --settings MODULE (or the SETTINGS_MODULE environment variable, or Django);
--path DIR (default: the current directory) is put on sys.path first, as `python -m` would.
Exit status (`taskhawk --help` lists it too): 0 success, 1 failure (invalid message, messages
not moved, endpoint unreachable, forced stop), 2 usage or configuration error, always one line
saying what to set, never a traceback.
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
from taskhawk.admin.payload_bucket import ensure_payload_bucket
from taskhawk.admin.provision import provision
from taskhawk.cli import requeue_command
from taskhawk.cli.parser import build_parser
from taskhawk.cli.stats_command import run_purge, run_stats
from taskhawk.consume.dead_letter import dead_letter_reason
from taskhawk.consume.worker import WorkerOptions, run_worker
from taskhawk.exceptions import ConfigurationError, TaskhawkError
from taskhawk.logs import configure_logging
from taskhawk.priority import Priority
from taskhawk.settings import clear_cache, configured_source, get_settings
from taskhawk.transport.aws_checks import check_queues
from taskhawk.wire import decode, validation_errors

__all__ = ["build_parser", "main"]

# Commands that work without settings: they make them (dev-server) or need none (validate).
_WITHOUT_SETTINGS = frozenset({"dev-server", "validate"})
_NOT_CONFIGURED = (
    "no settings: pass --settings MODULE (a module on the path, e.g. settings for ./settings.py), "
    "or set SETTINGS_MODULE, or DJANGO_SETTINGS_MODULE for a Django project"
)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "validate":
        return _validate(args.file, sys.stdout)
    try:
        _set_up(args)
        return _COMMANDS[args.command](args)
    except (ConfigurationError, ValueError) as error:
        print(f"taskhawk {args.command}: error: {error}", file=sys.stderr)
        return 2
    except TaskhawkError as error:
        print(f"taskhawk {args.command}: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # Ctrl-C before a command installed its own handling
        print(f"taskhawk {args.command}: interrupted", file=sys.stderr)
        return 130


def _set_up(args: argparse.Namespace) -> None:
    """Logging (unless an embedding application set its own), sys.path, the settings module."""
    if args.log_config:
        args.log_config = os.path.abspath(args.log_config)
    if not logging.getLogger().handlers:
        configure_logging(args.log_level, args.log_format, args.log_config)
    args.path = args.path or ["."]
    for path in reversed(args.path):
        sys.path.insert(0, os.path.abspath(path))
    if args.settings:
        os.environ["SETTINGS_MODULE"] = args.settings
    clear_cache()
    if args.command not in _WITHOUT_SETTINGS and configured_source() is None:
        raise ConfigurationError(_NOT_CONFIGURED)


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
        log_format=args.log_format,
        log_config=args.log_config,
        health_file=args.health_file,
    )
    return run_worker(options)


def _requeue(args: argparse.Namespace) -> int:
    """Region, credentials and every queue involved are checked first: one line each."""
    settings = get_settings()
    priorities = list(Priority) if args.all_priorities else [Priority.parse(args.priority)]
    names = [
        name
        for priority in priorities
        for name in (settings.names.dead_letter_queue(priority), settings.names.queue(priority))
    ]
    check_queues(settings, names)
    return requeue_command.run(args)


def _provision(args: argparse.Namespace) -> int:
    priorities = [Priority.parse(name) for name in dict.fromkeys(args.priority or [])]
    for done in provision(priorities or tuple(Priority)):
        print(done)
    if get_settings().taskhawk_large_payload_bucket:
        print(ensure_payload_bucket(get_settings()))
    return 0


def _dev_server(args: argparse.Namespace) -> int:
    # Settings are optional here; when some are configured, they must be readable.
    configured = get_settings() if configured_source() is not None else None
    queue = args.queue or (configured and configured.taskhawk_queue) or "DEV-APP"
    max_receive_count = args.max_receive_count or (
        configured.taskhawk_max_receive_count if configured else 4
    )
    fifo = bool(args.fifo or (configured and configured.taskhawk_fifo))
    return serve(
        port=args.port,
        queue=queue,
        max_receive_count=max_receive_count,
        style=args.format,
        fifo=fifo,
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
    "requeue-dlq": _requeue,
    "provision": _provision,
    "stats": run_stats,
    "purge": run_purge,
    "dev-server": _dev_server,
}
