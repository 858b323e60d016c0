"""The suite's self-test: every wrong publisher the repository keeps must fail the publisher
suite, and fail it for its own defect.

A mutant command answers `COMMAND --list` with one JSON line per mutant (`name`, `defect`,
`caught_by`) and serves as one mutant with `COMMAND NAME`. A mutant is killed when its run fails
and some failure line contains its `caught_by` text; a run that fails for other reasons only
does not count, since the suite would then not be showing the defect it claims to catch.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from tools.conformance.case_results import FailureList, RunResult, Status
from tools.conformance.corpus import Corpus
from tools.conformance.negotiation import LATEST
from tools.conformance.oracle import oracle_check
from tools.conformance.publisher_suite import PublisherOptions, run_publisher

__all__ = ["Mutant", "MutantVerdict", "list_mutants", "run_mutants"]


@dataclass(frozen=True)
class Mutant:
    name: str
    defect: str
    caught_by: str


@dataclass(frozen=True)
class MutantVerdict:
    mutant: Mutant
    killed: bool
    evidence: str  # the failure line that names the defect, or why the mutant counts as alive


def list_mutants(command: Sequence[str], cwd: Path | None = None) -> list[Mutant]:
    listed = subprocess.run(
        [*command, "--list"], cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )
    if listed.returncode != 0:
        raise ValueError(f"{' '.join(command)} --list failed: {listed.stderr.strip()}")
    return [Mutant(**json.loads(line)) for line in listed.stdout.splitlines() if line.strip()]


def run_mutants(
    corpus: Corpus, command: Sequence[str], jobs: int = 2, cwd: Path | None = None
) -> list[MutantVerdict]:
    mutants = list_mutants(command, cwd)

    def judge(mutant: Mutant) -> MutantVerdict:
        options = PublisherOptions(
            command=[*command, mutant.name],
            cwd=cwd,
            label=mutant.name,
            min_protocol=LATEST,
            schema_check=oracle_check,
        )
        return verdict(mutant, run_publisher(corpus, FailureList(None, {}), options))

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(judge, mutants))


def verdict(mutant: Mutant, result: RunResult) -> MutantVerdict:
    lines = [
        f"{outcome.case_id}: {problem}"
        for outcome in result.cases
        if outcome.status is Status.FAILED
        for problem in outcome.problems
    ] + [f"run: {problem}" for problem in result.run_problems]
    if result.ok:
        return MutantVerdict(mutant, False, "passed the suite")
    naming = [line for line in lines if mutant.caught_by in line]
    if naming:
        return MutantVerdict(mutant, True, naming[0])
    first = lines[0] if lines else "no failure line"
    return MutantVerdict(
        mutant, False, f"failed, but no line mentions {mutant.caught_by!r} (first: {first})"
    )
