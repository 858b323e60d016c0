"""The two commands a testee in any language is run by, shared by this repository's command line
(`python -m tools.conformance`) and the installed kit's (`taskhawk-conformance`): `publisher`
(the publisher suite) and `consumer` (the consumer vectors), each against a command given after
`--`. Standard library only, as everything the kit ships."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tools.conformance.case_results import RunResult, read_failure_list
from tools.conformance.consumer_suite import ConsumerOptions, run_consumer
from tools.conformance.corpus import load_corpus
from tools.conformance.publisher_suite import PublisherOptions, run_publisher
from tools.conformance.report import print_summary, write_junit
from tools.conformance.schema_checks import SchemaCheck

__all__ = ["SUITES", "add_suite_commands", "reported", "run_suite_command"]

SUITES = ("publisher", "consumer")


def add_suite_commands(commands: Any) -> None:
    """`publisher` and `consumer` on an argparse subparsers object."""
    publisher = commands.add_parser("publisher", help="run the publisher suite against a testee")
    publisher.add_argument(
        "--min-protocol", type=int, default=1, help="fail when the testee speaks an older one"
    )
    consumer = commands.add_parser(
        "consumer", help="run the consumer vectors against a consumer testee"
    )
    for command, label in ((publisher, "publisher"), (consumer, "consumer")):
        command.add_argument("--failure-list", type=Path, help="expected failures (default: none)")
        command.add_argument("--timeout", type=float, default=10.0, help="seconds per request")
        command.add_argument("--label", default=label, help="suite name in the report")
        command.add_argument("--case", action="append", default=[], help="case id glob (repeat)")
        command.add_argument("--junit", type=Path, help="write a JUnit XML report here")
        command.add_argument("-v", "--verbose", action="store_true", help="list passing cases")
        command.add_argument("testee", nargs="+", help="the testee command, after --")


def run_suite_command(args: argparse.Namespace, schema_check: SchemaCheck) -> int:
    """Run `publisher` or `consumer`, print the report, write JUnit; the exit status."""
    if args.command == "publisher":
        return reported(lambda: _publisher(args, schema_check), args)
    return reported(lambda: _consumer(args), args)


def reported(run: Callable[[], RunResult], args: argparse.Namespace) -> int:
    """Run a suite and report it (summary, and JUnit when `args.junit` names a file): 0 when
    every case passed or failed as listed, 1 otherwise, 2 when it could not run."""
    try:
        result = run()
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.junit:
        write_junit(result, args.junit)
    print_summary(result, verbose=args.verbose)
    return 0 if result.ok else 1


def _command(args: argparse.Namespace) -> list[str]:
    testee: list[str] = args.testee
    return testee[1:] if testee[:1] == ["--"] else testee


def _publisher(args: argparse.Namespace, schema_check: SchemaCheck) -> RunResult:
    options = PublisherOptions(
        command=_command(args),
        timeout=args.timeout,
        select=args.case,
        label=args.label,
        min_protocol=args.min_protocol,
        schema_check=schema_check,
    )
    return run_publisher(load_corpus(), read_failure_list(args.failure_list), options)


def _consumer(args: argparse.Namespace) -> RunResult:
    options = ConsumerOptions(
        command=_command(args), timeout=args.timeout, select=args.case, label=args.label
    )
    return run_consumer(load_corpus(), read_failure_list(args.failure_list), options)
