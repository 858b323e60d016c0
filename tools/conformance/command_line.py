"""Command line: `python -m tools.conformance {vectors,publisher,consumer,mutants,replay,manifest}`.

Exit status 0 when everything holds (failure lists taken into account), 1 otherwise, 2 for a
usage error. contract-tests/README.md documents each command.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from tools.conformance import FAILURE_LISTS, ROOT, SCHEMA_DIR
from tools.conformance.case_results import CaseResult, RunResult, read_failure_list, reconcile
from tools.conformance.corpus import load_corpus
from tools.conformance.manifest import manifest_problems, write_manifest
from tools.conformance.mutant_suite import run_mutants
from tools.conformance.oracle import oracle_check
from tools.conformance.replay import replay
from tools.conformance.suite_commands import (
    SUITES,
    add_suite_commands,
    reported,
    run_suite_command,
)
from tools.conformance.vector_checks import run_consumer_cases

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tools.conformance", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    vectors = commands.add_parser("vectors", help="check every vector with the Python runner")
    vectors.add_argument("--failure-list", type=Path, default=FAILURE_LISTS / "python-consumer.txt")
    vectors.add_argument("--junit", type=Path, help="write a JUnit XML report here")
    vectors.add_argument("-v", "--verbose", action="store_true", help="list passing cases")
    add_suite_commands(commands)
    mutants = commands.add_parser("mutants", help="every wrong publisher must fail the suite")
    mutants.add_argument("--jobs", type=int, default=2, help="mutants run at once")
    mutants.add_argument("mutant_command", nargs="+", help="the mutants command, after --")
    replay = commands.add_parser("replay", help="replay old vectors against the newest schemas")
    replay.add_argument("--schema-dir", type=Path, default=SCHEMA_DIR)
    manifest = commands.add_parser("manifest", help="check (or --write) MANIFEST.json")
    manifest.add_argument("--write", action="store_true")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "manifest":
        status = _manifest(args.write)
    elif args.command == "replay":
        status = _replay(args.schema_dir)
    elif args.command == "mutants":
        status = _mutants(args.mutant_command, args.jobs)
    elif args.command in SUITES:
        status = run_suite_command(args, oracle_check)
    else:
        status = reported(lambda: _vectors(args), args)
    return status


def _manifest(write: bool) -> int:
    if write:
        write_manifest()
        print("MANIFEST.json written")
        return 0
    problems = manifest_problems()
    for problem in problems:
        print(f"ERROR manifest: {problem}")
    print(
        "manifest: "
        + ("out of date (python -m tools.conformance manifest --write)" if problems else "ok")
    )
    return 1 if problems else 0


def _mutants(command: list[str], jobs: int) -> int:
    command = command[1:] if command[:1] == ["--"] else command
    try:
        verdicts = run_mutants(load_corpus(), command, jobs)
    except (OSError, ValueError, subprocess.TimeoutExpired) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for found in verdicts:
        word = "killed" if found.killed else "SURVIVED"
        print(f"{word} {found.mutant.name} ({found.mutant.defect}): {found.evidence}")
    killed = sum(found.killed for found in verdicts)
    print(f"mutants: {killed} of {len(verdicts)} killed")
    return 0 if verdicts and killed == len(verdicts) else 1


def _replay(schema_dir: Path) -> int:
    result = replay(schema_dir, load_corpus())
    for problem in result.problems:
        print(f"FAIL replay: {problem}")
    for widened in result.widened:
        print(f"NOTE replay: {widened}")
    for (older, newer), count in sorted(result.kept.items()):
        print(f"replay: {count} cases of {older} keep their verdict under {newer}")
    newest = ", ".join(
        f"{major}.x -> {version}" for major, version in sorted(result.newest.items())
    )
    shown = schema_dir.resolve()
    shown = shown.relative_to(ROOT) if shown.is_relative_to(ROOT) else shown
    print(f"replay: {result.checked} cases against {shown} (newest {newest}): "
          + ("ok" if not result.problems else f"{len(result.problems)} problems"))  # fmt: skip
    return 1 if result.problems else 0


def _vectors(args: argparse.Namespace) -> RunResult:
    corpus = load_corpus()
    failures = read_failure_list(args.failure_list)
    outcomes = [
        CaseResult(case.id, f"{case.file.split('/')[0]}.{case.group}", problems, seconds=seconds)
        for case, problems, seconds in run_consumer_cases(corpus)
    ]
    problems = corpus.problems() + reconcile(outcomes, failures, {o.case_id for o in outcomes})
    return RunResult("python-consumer", outcomes, problems)
