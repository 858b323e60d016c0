"""The Python runner: every vector through the reference oracle, the generated validators and
`taskhawk.wire.decode`; every publisher case's expected message through the same three."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from taskhawk import wire
from taskhawk._generated import FORMAT_VERSIONS
from taskhawk.exceptions import ValidationError
from tools.conformance import ROOT
from tools.conformance.case_values import expand_repeats, with_stand_ins
from tools.conformance.corpus import CONSUMER_GROUPS, Case, Corpus, payload
from tools.conformance.jsontext import value_differences
from tools.conformance.oracle import oracle_for

__all__ = [
    "STAND_IN_ID",
    "STAND_IN_TIMESTAMP",
    "check_case",
    "decoded_call",
    "run_consumer_cases",
    "with_stand_ins",
]

# What an expected message is checked with where the publisher makes the value itself.
STAND_IN_ID = "00000000-0000-4000-8000-000000000000"
STAND_IN_TIMESTAMP = 0


def run_consumer_cases(corpus: Corpus) -> list[tuple[Case, list[str], float]]:
    """(case, problems, seconds) for every case of the corpus, consumer and publisher alike."""
    results = []
    for case in corpus.cases():
        started = time.perf_counter()
        problems = check_case(case)
        results.append((case, problems, time.perf_counter() - started))
    return results


def check_case(case: Case) -> list[str]:
    if case.format_version not in FORMAT_VERSIONS:
        return [f"format {case.format_version} has no generated code (run `make generate`)"]
    if case.group in CONSUMER_GROUPS:
        return _schema_verdicts(case) + _decode_verdict(case)
    return _publish_expectation(case)


def decoded_call(message: wire.Message) -> dict[str, Any]:
    """A decoded message as the `decoded` object of a vector (with `eta_ms` and `expires_ms`
    only when the message has them)."""
    call = {
        "id": message.id,
        "task": message.task,
        "args": message.args,
        "kwargs": message.kwargs,
        "headers": message.headers,
        "priority": message.metadata.priority,
        "timestamp_ms": message.metadata.timestamp,
    }
    eta, expires = wire.scheduled(message)
    call.update({k: v for k, v in (("eta_ms", eta), ("expires_ms", expires)) if v is not None})
    return call


def _verdicts(kind: str, case: Case, data: Any) -> tuple[bool, bool]:
    schema = ROOT / "schema" / "message" / case.format_version / f"{kind}.json"
    generated: Callable[[Any], Any] = getattr(
        FORMAT_VERSIONS[case.format_version], f"iter_errors_{kind}"
    )
    return oracle_for(schema).is_valid(data), not list(generated(data))


def _schema_verdicts(case: Case) -> list[str]:
    # Python's lenient parser, as plain schema validation of the parsed body sees it.
    try:
        data = json.loads(payload(case))
    except ValueError:
        oracle_valid = generated_valid = False
    except RecursionError:
        return []  # JSON, but nested beyond what the stdlib parser can read: no plain verdict
    else:
        oracle_valid, generated_valid = _verdicts("consume", case, data)
    expected = case.data.get("schema_valid", case.data["valid"])
    problems = []
    if oracle_valid != expected:
        problems.append(f"oracle says valid={oracle_valid}, the case records {expected}")
    if generated_valid != oracle_valid:
        problems.append(f"generated validator says valid={generated_valid}, oracle {oracle_valid}")
    return problems


def _decode_verdict(case: Case) -> list[str]:
    try:
        message = wire.decode(payload(case))
    except ValidationError as error:
        if case.data["valid"]:
            return [f"decode refused a valid message: {error}"]
        if error.path != case.data["error_path"]:
            return [f"decode error path {error.path}, expected {case.data['error_path']}: {error}"]
        return []
    except Exception as error:  # a consumer that crashes on a body has no verdict: report it
        return [f"decode crashed: {type(error).__name__}: {error}"]
    if not case.data["valid"]:
        return ["decode accepted a message every consumer must refuse"]
    expected = expand_repeats(case.data["decoded"])
    return [f"decoded {d}" for d in value_differences(expected, decoded_call(message))]


def _publish_expectation(case: Case) -> list[str]:
    expected = case.data["expected"]
    if "message" not in expected:
        return []
    message = with_stand_ins(expand_repeats(expected["message"]))
    oracle_valid, generated_valid = _verdicts("publish", case, message)
    problems = []
    if not oracle_valid or not generated_valid:
        problems.append(
            f"expected message invalid (oracle {oracle_valid}, generated {generated_valid})"
        )
    try:
        decoded = decoded_call(wire.decode(json.dumps(message)))
    except ValidationError as error:
        return [*problems, f"expected message does not decode: {error}"]
    meta = message["metadata"]
    call = {key: message[key] for key in ("id", "task", "args", "kwargs", "headers")}
    call.update(priority=meta["priority"], timestamp_ms=meta["timestamp"])
    call.update({f"{k}_ms": meta[k] for k in ("eta", "expires") if k in meta})
    problems += [f"decoded {d}" for d in value_differences(call, decoded)]
    return problems
