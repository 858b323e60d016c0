"""Publisher testee protocol 3 (the trace context) and the size cases at exactly the limit, which
the harness sizes to each testee's own JSON from a calibration request."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from tools.conformance import FAILURE_LISTS, ROOT
from tools.conformance.case_results import RunResult, Status, read_failure_list
from tools.conformance.corpus import case_protocol, load_corpus
from tools.conformance.publisher_suite import PublisherOptions, run_publisher
from tools.conformance.transport_checks import check_attributes

CORPUS = load_corpus()
NEEDS_3 = sorted(case.id for case in CORPUS.cases("publish") if case_protocol(case) == 3)
AT_LIMIT = "publish-014[2-5]-*"
LIBRARY_FAILURES = read_failure_list(FAILURE_LISTS / "python-publisher.txt")


def variant(tmp_path: Path, body: str) -> list[str]:
    """The library's testee, with `body` changing each `reply` to `request` before it is sent."""
    script = tmp_path / "variant.py"
    script.write_text(
        "import json, sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from taskhawk.transport.limits import transport_size\n"
        "from tools.conformance.library_testee import respond\n"
        "for line in sys.stdin:\n"
        "    request = json.loads(line)\n"
        "    reply = respond(request)\n"
        f"{textwrap.indent(textwrap.dedent(body), '    ')}"
        "    print(json.dumps(reply), flush=True)\n"
    )
    return [sys.executable, str(script)]


def run(command: list[str], *select: str, min_protocol: int = 1) -> RunResult:
    options = PublisherOptions(command=command, cwd=ROOT, select=select, min_protocol=min_protocol)
    return run_publisher(CORPUS, LIBRARY_FAILURES, options)


# Writes JSON with spaces (bigger than the library's compact JSON) and checks its own size.
SPACED = """
if "message_text" in reply:
    reply["message_text"] = json.dumps(json.loads(reply["message_text"]), indent=1)
    attributes = {k: v["StringValue"] for k, v in reply["attributes"].items()}
    limit = 262144 if request["app"]["topology"] == "sns" else 1048576
    if CHECK and transport_size(reply["message_text"], attributes) > limit:
        reply = {"id": reply["id"], "error": "too large"}
"""


def test_a_publisher_writing_json_its_own_way_is_sized_to_its_own_json(tmp_path: Path) -> None:
    result = run(variant(tmp_path, "CHECK = True\n" + SPACED), AT_LIMIT)
    assert result.ok, [o.problems for o in result.cases]
    assert sum(o.status is Status.PASSED for o in result.cases) == 5  # and the version probe


def test_checking_the_size_of_other_json_than_is_sent_fails_one_byte_over(tmp_path: Path) -> None:
    result = run(variant(tmp_path, "CHECK = False\n" + SPACED), AT_LIMIT)
    failed = {o.case_id: o.problems for o in result.cases if o.status is Status.FAILED}
    assert sorted(failed) == ["publish-0143-sqs-one-byte-over-the-limit",
                              "publish-0145-sns-one-byte-over-the-limit"]  # fmt: skip
    problems = failed["publish-0143-sqs-one-byte-over-the-limit"]
    assert problems[0].startswith("published a message; the input must be refused")
    assert "the message is 1048577 bytes" in problems[1]


def test_a_refused_calibration_fails_the_case_naming_it(tmp_path: Path) -> None:
    refuse = """
    if request["id"].endswith(".calibration"):
        reply = {"id": reply["id"], "error": "no"}
    """
    result = run(variant(tmp_path, refuse), "publish-0142-*")
    (case,) = [o for o in result.cases if o.case_id.startswith("publish-0142")]
    assert case.problems == ["calibration request (a filler of 1000 characters): not published: no"]


def test_a_protocol_2_testee_runs_all_but_the_trace_context_cases(tmp_path: Path) -> None:
    older = """
    if request["protocol"] == 3:
        reply = {"id": reply["id"], "error": "protocol 3?"}
    """
    result = run(variant(tmp_path, older), "publish-01[45]*")
    assert result.ok, result.run_problems
    assert result.notes[:2] == [
        "the testee speaks protocol 2",
        "protocol 3 probe refused: protocol 3?",
    ]
    assert sorted(o.case_id for o in result.cases if o.status is Status.NOT_RUN) == NEEDS_3
    assert len(NEEDS_3) >= 12
    strict = run(variant(tmp_path, older), "publish-0150-*", min_protocol=3)
    assert strict.run_problems == ["the testee speaks protocol 2; 3 needed"]


TRACE = [["traceparent", "00-ab-cd-01"], ["tracestate", "a=b"]]
BODY = {"task": "t", "headers": {"h1": "x"}}


def attributes(**values: str) -> dict[str, dict[str, str]]:
    return {name: {"DataType": "String", "StringValue": value} for name, value in values.items()}


@pytest.mark.parametrize(
    ("sent", "problem"),
    [
        (attributes(taskhawk_task="t", h1="x", traceparent="00-ab-cd-01"), None),
        (attributes(taskhawk_task="t", h1="x"), "trace context entry 'traceparent' is missing"),
        (
            attributes(taskhawk_task="t", h1="x", traceparent="00-ab-cd-01", tracestate="a=b"),
            "trace context entry 'tracestate' must not be an attribute",
        ),
        (
            attributes(taskhawk_task="t", h1="x", traceparent="00-ff-cd-01"),
            "attribute 'traceparent' is '00-ff-cd-01', the trace context says '00-ab-cd-01'",
        ),
        (
            attributes(taskhawk_task="t", h1="00-ab-cd-01", traceparent="00-ab-cd-01"),
            "attribute 'h1' is '00-ab-cd-01', the body says 'x'",
        ),
        (
            attributes(taskhawk_task="t", h1="x", traceparent="00-ab-cd-01", baggage="k=v"),
            "attribute 'baggage' mirrors no header of the body",
        ),
    ],
)
def test_trace_context_attributes(sent: dict[str, object], problem: str | None) -> None:
    expected = {"taskhawk_task": "t", "h1": "x", "traceparent": "00-ab-cd-01"}
    problems: list[str] = []
    check_attributes(expected, BODY, sent, problems, TRACE)
    if problem is None:
        assert problems == []
    else:
        assert problem in problems[0], problems
