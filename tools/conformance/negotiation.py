"""Testee protocol versions: building a request for a version, and finding out which version a
testee speaks before any case runs (contract-tests/README.md, "Protocol negotiation").

The harness offers each version it knows, newest first, with the input of a case every
publisher must publish; the first version answered with anything but an `error` is the
testee's. Then it asks once more with a version nobody knows, which the testee MUST refuse: a
testee that ignores `protocol` would misread every later version.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from tools.conformance.case_results import CaseResult
from tools.conformance.corpus import Case
from tools.conformance.reply_checks import parse_reply
from tools.conformance.testee_process import TesteeFailure
from tools.conformance.testee_session import TesteeSession

__all__ = ["LATEST", "PROTOCOLS", "UNKNOWN_VERSION_CASE", "Negotiation", "negotiate", "request"]

PROTOCOLS = (1, 2, 3)
LATEST = max(PROTOCOLS)
UNKNOWN_VERSION_CASE = "protocol-unknown-version"


def request(case_id: str, case_data: dict[str, Any], protocol: int) -> str:
    """The request line for a case in a protocol version (protocol 1 has no `app`, protocol 2
    no `trace_context`; a version the harness does not know is sent in the newest shape)."""
    body: dict[str, Any] = {"protocol": protocol, "id": case_id, "input": case_data["input"]}
    if protocol >= 2:
        body["app"] = case_data["app"]
    if protocol >= 3 and "trace_context" in case_data:
        body["trace_context"] = case_data["trace_context"]
    return json.dumps(body, ensure_ascii=True)


@dataclass
class Negotiation:
    protocol: int | None = None  # None: the testee answered no version
    problems: list[str] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)  # what the refused probes were told
    unknown_version: CaseResult = field(
        default_factory=lambda: CaseResult(UNKNOWN_VERSION_CASE, "protocol")
    )


def negotiate(session: TesteeSession, probe: Case) -> Negotiation:
    found = Negotiation()
    for version in sorted(PROTOCOLS, reverse=True):
        answer = _ask(session, probe, version, f"protocol-probe-{version}", found.problems)
        if answer is not None and "error" not in answer:
            found.protocol = version
            break
        if answer is not None:
            found.refusals.append(f"protocol {version} probe refused: {answer['error']}")
    unknown = LATEST + 1
    answer = _ask(session, probe, unknown, UNKNOWN_VERSION_CASE, found.unknown_version.problems)
    if answer is not None and "error" not in answer:
        found.unknown_version.problems.append(
            f"answered a protocol {unknown} request without an error; a testee MUST refuse "
            "a version it does not implement (it is ignoring `protocol`)"
        )
    return found


def _ask(
    session: TesteeSession, probe: Case, version: int, probe_id: str, problems: list[str]
) -> dict[str, Any] | None:
    try:
        line = session.ask(request(probe_id, probe.data, version))
    except TesteeFailure as failure:
        problems.append(f"protocol {version} probe: {failure}")
        return None
    reply, reply_problems = parse_reply(probe_id, line, max(version, LATEST))
    problems.extend(f"protocol {version} probe: {problem}" for problem in reply_problems)
    return reply
