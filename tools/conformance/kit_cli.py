"""`taskhawk-conformance`: the contract suite as another repository runs it, from the installed
kit (docs/conformance-kit.md), with the standard library alone.

    taskhawk-conformance publisher [--failure-list F] [--junit F] [--min-protocol N] -- COMMAND...
    taskhawk-conformance consumer  [--failure-list F] [--junit F] -- COMMAND...
    taskhawk-conformance corpus    where the corpus is, its formats and digest; 1 if edited

Also `python -m tools.conformance.kit_cli` in this repository. Messages are checked against the
schemas by the validators generated from them (this repository's own runs add the oracle).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

from tools.conformance import CONTRACT_DIR, ROOT
from tools.conformance.manifest import MANIFEST, manifest_problems
from tools.conformance.schema_checks import generated_check
from tools.conformance.suite_commands import add_suite_commands, run_suite_command

__all__ = ["DISTRIBUTION", "kit_version", "main"]

DISTRIBUTION = "taskhawk-conformance"


def kit_version() -> str:
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:
        return "(not installed: run from a taskhawk checkout)"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=DISTRIBUTION, description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", action="version", version=f"%(prog)s {kit_version()}")
    commands = parser.add_subparsers(dest="command", required=True)
    add_suite_commands(commands)
    commands.add_parser("corpus", help="where the corpus is, its formats and digest")
    args = parser.parse_args(argv)
    if args.command == "corpus":
        return _corpus()
    return run_suite_command(args, generated_check)


def _corpus() -> int:
    """The corpus this kit carries, and whether it is the one MANIFEST.json pins."""
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    schemas = [path for path in manifest["files"] if path.startswith("schema/")]
    formats = sorted({path.split("/")[2] for path in schemas})
    print(f"{DISTRIBUTION} {kit_version()}")
    print(f"corpus: {CONTRACT_DIR}")
    print(f"message formats: {', '.join(formats)}")
    print(f"corpus_sha256: {manifest['corpus_sha256']}")
    problems = manifest_problems(ROOT)
    for problem in problems:
        print(f"ERROR corpus: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
