"""Publisher testee protocol 2 in the harness: negotiation with older and careless testees, the
destination and publisher-made ids and timestamps, and the mutant self-test's verdicts."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from tools.conformance import FAILURE_LISTS, ROOT
from tools.conformance.case_results import CaseResult, RunResult, Status, read_failure_list
from tools.conformance.corpus import case_protocol, load_corpus
from tools.conformance.generated_values import CLOCK_SLACK_MS, GeneratedValues
from tools.conformance.mutant_suite import Mutant, run_mutants, verdict
from tools.conformance.negotiation import UNKNOWN_VERSION_CASE
from tools.conformance.publisher_suite import PublisherOptions, run_publisher
from tools.conformance.transport_checks import check_destination

CORPUS = load_corpus()
NEEDS_2 = [case.id for case in CORPUS.cases("publish") if case_protocol(case) >= 2]
NEEDS_3 = [case.id for case in CORPUS.cases("publish") if case_protocol(case) == 3]
SQS = {"transport": "sqs", "queue": "TASKHAWK-DEV-MYAPP"}
GIVEN = "0d3d8132-07cb-41ee-bcc3-840b8d5e77d6"
LIBRARY_FAILURES = read_failure_list(FAILURE_LISTS / "python-publisher.txt")


def library_variant(tmp_path: Path, body: str) -> list[str]:
    """A testee: the library's, with `body` deciding each request first (it may `continue`)."""
    script = tmp_path / "variant.py"
    script.write_text(
        "import json, sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from tools.conformance.library_testee import respond\n"
        "for line in sys.stdin:\n"
        "    request = json.loads(line)\n"
        f"{textwrap.indent(textwrap.dedent(body), '    ')}"
        "    print(json.dumps(respond(request)), flush=True)\n"
    )
    return [sys.executable, str(script)]


def run(command: list[str], min_protocol: int = 1) -> RunResult:
    """A run with the library's failure list: the variants below are the library otherwise."""
    options = PublisherOptions(command=command, cwd=ROOT, min_protocol=min_protocol)
    return run_publisher(CORPUS, LIBRARY_FAILURES, options)


def test_a_protocol_1_testee_runs_the_protocol_1_cases(tmp_path: Path) -> None:
    testee = library_variant(
        tmp_path,
        """
        if request["protocol"] != 1:
            print(json.dumps({"id": request["id"], "error": "protocol 1 only"}), flush=True)
            continue
    """,
    )
    result = run(testee)
    assert result.ok, result.run_problems
    assert result.notes[:3] == [
        "the testee speaks protocol 1",
        "protocol 3 probe refused: protocol 1 only",
        "protocol 2 probe refused: protocol 1 only",
    ]
    assert sorted(o.case_id for o in result.cases if o.status is Status.NOT_RUN) == sorted(NEEDS_2)
    assert len(NEEDS_2) >= 18
    strict = run(testee, min_protocol=2)
    assert strict.run_problems == ["the testee speaks protocol 1; 2 needed"]


def test_a_testee_that_ignores_protocol_fails_the_unknown_version_probe(tmp_path: Path) -> None:
    testee = library_variant(tmp_path, 'request["protocol"] = min(request["protocol"], 3)\n')
    result = run(testee)
    probe = next(o for o in result.cases if o.case_id == UNKNOWN_VERSION_CASE)
    assert probe.status is Status.FAILED
    assert "answered a protocol 4 request without an error" in probe.problems[0]


def test_publisher_made_ids_must_be_fresh_unique_rfc_9562_uuids() -> None:
    values = GeneratedValues([GIVEN])
    fresh = "3f2a9c4e-8d1b-4c7a-9e5f-0a1b2c3d4e5f"
    assert values.id_problems("case-a", fresh) == []
    assert "already generated for case-a" in values.id_problems("case-b", fresh)[0]
    assert "one the harness gave" in values.id_problems("case-c", GIVEN)[0]
    for wrong in ("3f2a9c4e-8d1b-0c7a-9e5f-0a1b2c3d4e5f", "3F2A9C4E-8D1B-4C7A-9E5F-0A1B2C3D4E5F"):
        assert "not an RFC 9562 UUID" in values.id_problems("case-d", wrong)[0]


def test_publisher_made_timestamps_must_be_the_harness_clock() -> None:
    sent, answered = 1_800_000_000_000, 1_800_000_000_050
    assert GeneratedValues.timestamp_problems(sent + 10, sent, answered) == []
    assert GeneratedValues.timestamp_problems(answered + CLOCK_SLACK_MS, sent, answered) == []
    late = GeneratedValues.timestamp_problems(answered + CLOCK_SLACK_MS + 1, sent, answered)
    assert "not the time of publishing" in late[0]
    assert "not integer milliseconds" in GeneratedValues.timestamp_problems(1.8e12, sent, sent)[0]
    seconds = GeneratedValues.timestamp_problems(sent // 1000, sent, answered)
    assert seconds and "from the harness's clock" in seconds[0]


@pytest.mark.parametrize(
    ("actual", "expected_problem"),
    [
        (SQS, None),
        ({**SQS, "delay_seconds": 0}, None),
        ({**SQS, "queue": "TASKHAWK-DEV-MYAPP-DLQ"}, "expected sqs queue 'TASKHAWK-DEV-MYAPP'"),
        ({"transport": "sns", "topic": "taskhawk-dev-myapp"}, "destination: sns topic"),
        ({**SQS, "delay_seconds": 5}, "DelaySeconds 5, expected 0"),
        ({**SQS, "message_group_id": "g"}, "message_group_id on a standard queue"),
        ({**SQS, "url": "https://sqs"}, "url not allowed for sqs"),
        ({"transport": "sns", "topic": "t", "delay_seconds": 0}, "delay_seconds not allowed"),
        ("TASKHAWK-DEV-MYAPP", "must be {"),
    ],
)
def test_destination_checks(actual: object, expected_problem: str | None) -> None:
    problems: list[str] = []
    check_destination(SQS, actual, problems)
    if expected_problem is None:
        assert problems == []
    else:
        assert any(expected_problem in problem for problem in problems), problems


def test_fifo_fields_are_compared_when_the_destination_is_fifo() -> None:
    expected = {"transport": "sqs", "queue": "TASKHAWK-X.fifo", "message_group_id": "tasks"}
    problems: list[str] = []
    check_destination(expected, {**expected, "message_group_id": "other"}, problems)
    assert problems == ["destination: message_group_id 'other', expected 'tasks'"]


FIFO_SNS = {
    "transport": "sns",
    "topic": "taskhawk-x.fifo",
    "message_group_id": "customer-42",
    "message_deduplication_id": GIVEN,
}


@pytest.mark.parametrize(
    ("actual", "expected_problem"),
    [
        (FIFO_SNS, None),
        ({**FIFO_SNS, "message_group_id": None}, "no message_group_id"),
        ({k: v for k, v in FIFO_SNS.items() if k != "message_group_id"}, "no message_group_id"),
        ({**FIFO_SNS, "message_group_id": "customer 42"}, "is not 1-128 of [!-~]"),
        ({**FIFO_SNS, "message_deduplication_id": "d" * 129}, "is not 1-128 of [!-~]"),
        ({**FIFO_SNS, "message_deduplication_id": 7}, "is not 1-128 of [!-~]"),
        ({**FIFO_SNS, "message_deduplication_id": "other"}, "expected '0d3d8132"),
        ({**FIFO_SNS, "topic": "taskhawk-x"}, "message_group_id on a standard topic"),
        ({**FIFO_SNS, "topic": "taskhawk-x.FIFO"}, "expected sns topic 'taskhawk-x.fifo'"),
    ],
)
def test_fifo_destination_checks(actual: dict[str, object], expected_problem: str | None) -> None:
    problems: list[str] = []
    check_destination(FIFO_SNS, actual, problems)
    if expected_problem is None:
        assert problems == []
    else:
        assert any(expected_problem in problem for problem in problems), problems


def test_a_mutant_counts_as_killed_only_for_its_own_defect() -> None:
    mutant = Mutant("m", "writes the wrong queue", "destination:")
    failed = CaseResult("publish-0002-high", "v1.publish", ["destination: sqs queue 'X'"])
    failed.status = Status.FAILED
    other = CaseResult("publish-0001", "v1.publish", ["message $.task: expected 'a'"])
    other.status = Status.FAILED
    assert verdict(mutant, RunResult("m", [failed], [])).killed
    wrong_reason = verdict(mutant, RunResult("m", [other], []))
    assert not wrong_reason.killed and "no line mentions 'destination:'" in wrong_reason.evidence
    assert verdict(mutant, RunResult("m", [], [])).evidence == "passed the suite"


def test_the_mutant_command_reports_each_mutant(tmp_path: Path) -> None:
    script = tmp_path / "mutants.py"
    script.write_text(
        "import json, sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from tools.conformance.library_testee import serve\n"
        "if sys.argv[1] == '--list':\n"
        "    mutants = {'other-defect': 'NO SUCH TEXT', 'no-task-attribute': 'taskhawk_task'}\n"
        "    for name, caught in mutants.items():\n"
        "        print(json.dumps({'name': name, 'defect': name, 'caught_by': caught}))\n"
        "    sys.exit(0)\n"
        "def drop(reply):\n"
        "    reply.get('attributes', {}).pop('taskhawk_task', None)\n"
        "    return reply\n"
        "serve(transform=drop if sys.argv[1] == 'no-task-attribute' else None)\n"
    )
    verdicts = run_mutants(CORPUS, [sys.executable, str(script)], jobs=2, cwd=ROOT)
    by_name = {found.mutant.name: found for found in verdicts}
    assert by_name["no-task-attribute"].killed
    assert "attributes: taskhawk_task is missing" in by_name["no-task-attribute"].evidence
    # The library itself passes the suite, so a mutant that changes nothing survives.
    assert not by_name["other-defect"].killed
    assert by_name["other-defect"].evidence == "passed the suite"
