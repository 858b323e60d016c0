"""The publisher suite: find out which protocol the testee speaks, drive it through every
publisher case that protocol can express, and judge its replies."""

from __future__ import annotations

import fnmatch
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tools.conformance.case_results import CaseResult, FailureList, RunResult, Status, reconcile
from tools.conformance.corpus import Case, Corpus, case_protocol
from tools.conformance.generated_values import GeneratedValues
from tools.conformance.negotiation import LATEST, Negotiation, negotiate, request
from tools.conformance.reply_checks import Exchange, check_reply
from tools.conformance.schema_checks import SchemaCheck, generated_check
from tools.conformance.size_fill import filled
from tools.conformance.testee_process import TesteeFailure
from tools.conformance.testee_session import SessionOptions, TesteeSession

__all__ = ["PublisherOptions", "run_publisher"]


@dataclass(frozen=True)
class PublisherOptions:
    command: Sequence[str]
    timeout: float = 10.0  # per request
    exit_grace: float = 5.0  # after stdin is closed
    restarts: int = 3
    select: Sequence[str] = ()  # case id globs; empty = all
    cwd: Path | None = None
    label: str = "publisher"
    min_protocol: int = 1  # a testee speaking an older protocol fails the run
    schema_check: SchemaCheck = generated_check  # what publish.json says of a message

    def session(self) -> SessionOptions:
        return SessionOptions(self.command, self.timeout, self.exit_grace, self.restarts, self.cwd)


def run_publisher(corpus: Corpus, failures: FailureList, options: PublisherOptions) -> RunResult:
    all_cases = corpus.cases("publish")
    cases = [
        case
        for case in all_cases
        if not options.select or any(fnmatch.fnmatch(case.id, g) for g in options.select)
    ]
    session = TesteeSession(options.session())
    negotiation = negotiate(session, _probe(all_cases))
    generated = GeneratedValues(c.data["input"]["id"] for c in all_cases if "id" in c.data["input"])
    results = [negotiation.unknown_version]
    results += [
        _run_case(session, case, negotiation.protocol, generated, options.schema_check)
        for case in cases
    ]
    code = session.stop(options.exit_grace)
    if code:
        session.problems.append(f"testee exited with status {code} after its stdin was closed")
    # Entries for cases not selected are neither stale nor unknown: only run cases are judged.
    known = {case.id for case in all_cases} | {negotiation.unknown_version.case_id}
    problems = session.problems + negotiation.problems + reconcile(results, failures, known)
    notes, protocol_problems = _protocol_verdict(negotiation, options.min_protocol, results)
    stderr = "\n".join(part for part in session.stderr if part)
    return RunResult(options.label, results, problems + protocol_problems, stderr, notes)


def _probe(cases: list[Case]) -> Case:
    """A protocol 1 case every publisher must publish: its input is what the probes send."""
    return next(c for c in cases if case_protocol(c) == 1 and "message" in c.data["expected"])


def _run_case(
    session: TesteeSession,
    case: Case,
    protocol: int | None,
    generated: GeneratedValues,
    schema_check: SchemaCheck,
) -> CaseResult:
    result = CaseResult(case.id, f"v{case.format_version.split('.')[0]}.publish")
    needed = case_protocol(case)
    if protocol is None or needed > protocol:
        result.status = Status.NOT_RUN
        result.notes.append(f"needs protocol {needed}; the testee speaks {protocol or 'none'}")
        return result
    started = time.perf_counter()
    sized = ""
    if "fill_to_limit" in case.data:
        filled_case, sized = filled(session, case, protocol)
        if filled_case is None:
            result.problems.append(sized)
            return result
        case = filled_case
    sent_ms = int(time.time() * 1000)
    try:
        line = session.ask(request(case.id, case.data, protocol))
    except TesteeFailure as failure:
        result.problems.append(str(failure))
    else:
        answered_ms = int(time.time() * 1000)
        exchange = Exchange(case, protocol, line, sent_ms, answered_ms, schema_check)
        result.problems, result.skipped = check_reply(exchange, generated)
    if result.problems and sized:
        result.problems.append(sized)
    result.seconds = time.perf_counter() - started
    return result


def _protocol_verdict(
    negotiation: Negotiation, min_protocol: int, results: list[CaseResult]
) -> tuple[list[str], list[str]]:
    """(notes, run problems) about the protocol the testee speaks."""
    if negotiation.protocol is None:
        return negotiation.refusals, [
            "the testee answered no protocol version with anything but an error"
        ]
    not_run = sum(1 for r in results if r.status is Status.NOT_RUN)
    # A refused newer version is either an older testee or a publisher refusing the probe's
    # input (the README example): the refusal text tells which.
    notes = [f"the testee speaks protocol {negotiation.protocol}", *negotiation.refusals]
    if not_run:
        newer = "a newer protocol" if negotiation.protocol < LATEST - 1 else f"protocol {LATEST}"
        notes.append(f"{not_run} cases need {newer} and were not run (see -v)")
    if negotiation.protocol < min_protocol:
        return notes, [f"the testee speaks protocol {negotiation.protocol}; {min_protocol} needed"]
    return notes, []
