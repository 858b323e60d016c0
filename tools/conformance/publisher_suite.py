"""The publisher suite: drive a testee through every publisher case and judge its replies.

A testee that crashes or hangs fails the case it was on and is started again (a few times at
most) for the rest, so one bad case cannot hide the others.
"""

from __future__ import annotations

import fnmatch
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tools.conformance.case_results import CaseResult, FailureList, RunResult, reconcile
from tools.conformance.corpus import Corpus
from tools.conformance.reply_checks import check_reply
from tools.conformance.testee_process import Testee, TesteeFailure

__all__ = ["PROTOCOL", "PublisherOptions", "run_publisher"]

PROTOCOL = 1


@dataclass(frozen=True)
class PublisherOptions:
    command: Sequence[str]
    timeout: float = 10.0  # per request
    exit_grace: float = 5.0  # after stdin is closed
    restarts: int = 3
    select: Sequence[str] = ()  # case id globs; empty = all
    cwd: Path | None = None
    label: str = "publisher"


class _Session:
    """The current testee process, restarted after a crash or a timeout."""

    def __init__(self, options: PublisherOptions) -> None:
        self.options = options
        self.restarts_left = options.restarts
        self.stderr: list[str] = []
        self.problems: list[str] = []
        self.testee: Testee | None = self._start()

    def _start(self) -> Testee | None:
        try:
            return Testee(self.options.command, self.options.cwd)
        except TesteeFailure as failure:
            self.problems.append(str(failure))
            self.restarts_left = 0
            return None

    def ask(self, line: str) -> bytes:
        if self.testee is None:
            raise TesteeFailure("not run: the testee could not be (re)started")
        try:
            return self.testee.request(line, self.options.timeout)
        except TesteeFailure:
            self.stop(grace=0.5)
            if self.restarts_left > 0:
                self.restarts_left -= 1
                self.stderr.append("[harness] restarting the testee")
                self.testee = self._start()
            raise

    def stop(self, grace: float) -> int | None:
        if self.testee is None:
            return None
        code, extra = self.testee.close(grace)
        self.stderr.append(self.testee.stderr)
        self.testee = None
        if extra:
            self.problems.append(f"testee wrote {len(extra)} line(s) nobody asked for: {extra[0]}")
        return code


def run_publisher(corpus: Corpus, failures: FailureList, options: PublisherOptions) -> RunResult:
    cases = [
        case
        for case in corpus.cases("publish")
        if not options.select or any(fnmatch.fnmatch(case.id, g) for g in options.select)
    ]
    session = _Session(options)
    outcomes = []
    for case in cases:
        outcome = CaseResult(case.id, f"v{case.format_version.split('.')[0]}.publish")
        request = {"protocol": PROTOCOL, "id": case.id, "input": case.data["input"]}
        started = time.perf_counter()
        try:
            reply = session.ask(json.dumps(request, ensure_ascii=True))
        except TesteeFailure as failure:
            outcome.problems.append(str(failure))
        else:
            outcome.problems, outcome.skipped = check_reply(case, reply)
        outcome.seconds = time.perf_counter() - started
        outcomes.append(outcome)
    code = session.stop(options.exit_grace)
    if code:
        session.problems.append(f"testee exited with status {code} after its stdin was closed")
    # Entries for cases not selected are neither stale nor unknown: only run cases are judged.
    known = {case.id for case in corpus.cases("publish")}
    problems = session.problems + reconcile(outcomes, failures, known)
    stderr = "\n".join(part for part in session.stderr if part)
    return RunResult(options.label, outcomes, problems, stderr)
