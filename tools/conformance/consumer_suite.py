"""The consumer suite: every consumer vector (`required/` and `decisions/`) sent to a consumer
testee, a program in any language that decodes message bodies with its consumer's real code, and
its verdict and decoded call compared with the case's (contract-tests/README.md, "Consumer testee
protocol").

Request: `{"protocol": 1, "id": CASE, "payload_base64": BODY}` (the exact bytes, base64: some
bodies are not UTF-8). Reply: `{"id": CASE, "valid": true, "decoded": {...}}` or `{"id": CASE,
"valid": false}` with an optional `error_path` and `error`, or `{"id": CASE, "skipped": WHY}`. A
request in a protocol the testee does not implement gets `{"id": CASE, "error": ...}`.
"""

from __future__ import annotations

import base64
import fnmatch
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools.conformance.case_results import CaseResult, FailureList, RunResult, reconcile
from tools.conformance.case_values import expand_repeats
from tools.conformance.corpus import CONSUMER_GROUPS, Case, Corpus, payload
from tools.conformance.jsontext import JSONTextError, parse_strict, value_differences
from tools.conformance.testee_process import TesteeFailure
from tools.conformance.testee_session import SessionOptions, TesteeSession

__all__ = ["CONSUMER_PROTOCOL", "ConsumerOptions", "consumer_request", "run_consumer"]

CONSUMER_PROTOCOL = 1
UNKNOWN_VERSION_CASE = "consumer-protocol-unknown-version"
_KEYS = frozenset({"id", "valid", "decoded", "error_path", "error", "skipped"})


@dataclass(frozen=True)
class ConsumerOptions:
    command: Sequence[str]
    timeout: float = 10.0  # per request
    select: Sequence[str] = ()  # case id globs; empty = all
    cwd: Path | None = None
    label: str = "consumer"


def consumer_request(case_id: str, body: str | bytes, protocol: int = CONSUMER_PROTOCOL) -> str:
    raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    encoded = base64.b64encode(raw).decode("ascii")
    return json.dumps({"protocol": protocol, "id": case_id, "payload_base64": encoded})


def run_consumer(corpus: Corpus, failures: FailureList, options: ConsumerOptions) -> RunResult:
    cases = [
        case
        for case in corpus.cases(*CONSUMER_GROUPS)
        if not options.select or any(fnmatch.fnmatch(case.id, g) for g in options.select)
    ]
    session = TesteeSession(SessionOptions(options.command, options.timeout, cwd=options.cwd))
    results = [_unknown_version(session, cases[0] if cases else None)]
    results += [_run_case(session, case) for case in cases]
    code = session.stop(5.0)
    if code:
        session.problems.append(f"testee exited with status {code} after its stdin was closed")
    known = {case.id for case in corpus.cases(*CONSUMER_GROUPS)} | {UNKNOWN_VERSION_CASE}
    problems = session.problems + reconcile(results, failures, known)
    stderr = "\n".join(part for part in session.stderr if part)
    notes = [f"the consumer testee speaks protocol {CONSUMER_PROTOCOL}"]
    return RunResult(options.label, results, problems, stderr, notes)


def _unknown_version(session: TesteeSession, probe: Case | None) -> CaseResult:
    """A testee MUST refuse a protocol version it does not implement, or it would misread it."""
    result = CaseResult(UNKNOWN_VERSION_CASE, "protocol")
    if probe is None:
        return result
    line = consumer_request(UNKNOWN_VERSION_CASE, payload(probe), CONSUMER_PROTOCOL + 1)
    reply, problems = _ask(session, UNKNOWN_VERSION_CASE, line)
    result.problems = problems
    if reply is not None and "error" not in reply:
        result.problems.append(
            f"answered a protocol {CONSUMER_PROTOCOL + 1} request without an error; a testee "
            "MUST refuse a version it does not implement"
        )
    return result


def _run_case(session: TesteeSession, case: Case) -> CaseResult:
    result = CaseResult(case.id, f"{case.file.split('/')[0]}.{case.group}")
    started = time.perf_counter()
    reply, result.problems = _ask(session, case.id, consumer_request(case.id, payload(case)))
    if reply is not None:
        if "skipped" in reply:
            result.skipped = str(reply["skipped"])
        else:
            result.problems += _verdict_problems(case, reply)
            result.notes += _error_path_note(case, reply)
    result.seconds = time.perf_counter() - started
    return result


Reply = dict[str, Any]


def _ask(session: TesteeSession, case_id: str, line: str) -> tuple[Reply | None, list[str]]:
    try:
        answer = session.ask(line)
    except TesteeFailure as failure:
        return None, [str(failure)]
    try:
        reply = parse_strict(answer.decode("utf-8"))
    except (UnicodeDecodeError, JSONTextError) as error:
        return None, [f"reply is not one line of strict JSON: {error}"]
    if not isinstance(reply, dict) or reply.get("id") != case_id:
        return None, [f"reply must be an object with the request's id {case_id!r}"]
    unknown = sorted(reply.keys() - _KEYS)
    return reply, [f"reply has unknown key {key!r}" for key in unknown]


def _verdict_problems(case: Case, reply: dict[str, Any]) -> list[str]:
    valid = reply.get("valid")
    if "error" in reply and "valid" not in reply:
        return [f"refused the request: {reply['error']}"]
    if not isinstance(valid, bool):
        return ['reply needs "valid": true or false (or "skipped")']
    decision = f" (decision {case.data['decision']})" if "decision" in case.data else ""
    if valid != case.data["valid"]:
        said = "accepted" if valid else f"refused ({reply.get('error', 'no reason given')})"
        wanted = "valid" if case.data["valid"] else f"invalid at {case.data.get('error_path')}"
        return [f"verdict: {said}; the message is {wanted}{decision}"]
    if not valid:
        return []
    if not isinstance(reply.get("decoded"), dict):
        return ["decoded missing: a valid message decodes to its call"]
    expected = expand_repeats(case.data["decoded"])
    return [f"decoded {d}" for d in value_differences(expected, reply["decoded"])]


def _error_path_note(case: Case, reply: dict[str, Any]) -> list[str]:
    """`error_path` is RECOMMENDED: a different one is shown, never failed."""
    given, wanted = reply.get("error_path"), case.data.get("error_path")
    if reply.get("valid") is False and given is not None and wanted and given != wanted:
        return [f"error_path {given!r}; this suite's is {wanted!r}"]
    return []
