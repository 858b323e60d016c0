"""The publisher harness against good and deliberately broken testees: the library's own testee
and the Node reference testee pass; a publisher that writes a string timestamp, leaves out
taskhawk_task or adds an envelope key fails with lines naming the case and the problem; hangs,
crashes and garbage are bounded and reported; failure lists cannot go stale."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tools.conformance import FAILURE_LISTS, ROOT
from tools.conformance.case_results import FailureList, RunResult, Status, read_failure_list
from tools.conformance.corpus import load_corpus
from tools.conformance.publisher_suite import PublisherOptions, run_publisher
from tools.conformance.report import write_junit

CORPUS = load_corpus()
PUBLISH_CASES = CORPUS.cases("publish")
PYTHON_TESTEE = [sys.executable, "-m", "tools.conformance.library_testee"]
NODE_TESTEE = ["node", str(ROOT / "contract-tests" / "runners" / "node" / "publisher-testee.mjs")]
FIRST = "publish-0001-send-email"
NO_LIST = FailureList(None, {})


def run(command: list[str], failures: FailureList = NO_LIST, **options: object) -> RunResult:
    settings = PublisherOptions(command=command, cwd=ROOT, **options)  # type: ignore[arg-type]
    return run_publisher(CORPUS, failures, settings)


def broken_testee(tmp_path: Path, transform: str) -> list[str]:
    """A testee: the library's own, with each reply passed through `transform` (a function body
    over `reply` and the parsed `body`)."""
    script = tmp_path / "broken_testee.py"
    script.write_text(
        textwrap.dedent(f"""\
        import json, sys
        sys.path.insert(0, {str(ROOT)!r})
        from tools.conformance.library_testee import serve

        def transform(reply):
            if "message_text" in reply:
                body = json.loads(reply["message_text"])
        {textwrap.indent(textwrap.dedent(transform), " " * 8)}
                reply["message_text"] = json.dumps(body)
            return reply

        serve(transform=transform)
        """)
    )
    return [sys.executable, str(script)]


def failure_lines(result: RunResult) -> list[str]:
    return [
        f"{outcome.case_id}: {problem}"
        for outcome in result.cases
        if outcome.status is Status.FAILED
        for problem in outcome.problems
    ]


def test_the_library_passes_the_publisher_suite() -> None:
    result = run(PYTHON_TESTEE, read_failure_list(FAILURE_LISTS / "python-publisher.txt"))
    assert result.ok, failure_lines(result) + result.run_problems
    assert result.notes[0] == "the testee speaks protocol 3"
    # Every case ran (none needed a newer protocol), plus the unknown-version probe.
    assert result.count(Status.PASSED) + result.count(Status.EXPECTED) == len(PUBLISH_CASES) + 1


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_node_reference_testee_passes_with_an_empty_list() -> None:
    result = run(NODE_TESTEE, read_failure_list(FAILURE_LISTS / "node-publisher.txt"))
    assert result.ok and result.count(Status.EXPECTED) == 0, failure_lines(result)
    assert result.count(Status.PASSED) == len(PUBLISH_CASES) + 1


@pytest.mark.parametrize(
    ("transform", "expected"),
    [
        (
            'body["metadata"]["timestamp"] = str(body["metadata"]["timestamp"])',
            "message $.metadata.timestamp: expected 1795831712266 (integer), "
            'got "1795831712266" (string)',
        ),
        (
            'body["metadata"]["timestamp"] = float(body["metadata"]["timestamp"])',
            "the taskhawk consumer refuses it: $.metadata.timestamp: must be an integer",
        ),
        ('reply["attributes"].pop("taskhawk_task")', "attributes: taskhawk_task is missing"),
        ('body["eta"] = 60', "message $.eta: unexpected key (value 60)"),
        ('body["args"] = body["args"][:1]', "message $.args: expected 2 items, got 1"),
        (
            'reply["attributes"]["request_id"]["DataType"] = "Number"',
            "attribute 'request_id': DataType 'Number', must be \"String\"",
        ),
        (
            'reply["attributes"]["request_id"]["StringValue"] = "other"',
            "attribute 'request_id' is 'other', the body says 'req-1234'",
        ),
    ],
    ids=[
        "string-timestamp",
        "float-timestamp",
        "no-taskhawk-task",
        "extra-key",
        "args",
        "type",
        "mirror",
    ],
)
def test_a_broken_publisher_fails_naming_case_and_problem(
    tmp_path: Path, transform: str, expected: str
) -> None:
    result = run(broken_testee(tmp_path, transform))
    assert not result.ok
    assert any(line.startswith(f"{FIRST}: {expected}") for line in failure_lines(result)), (
        failure_lines(result)[:8]
    )


def test_cli_exit_status_summary_and_junit(tmp_path: Path) -> None:
    testee = broken_testee(tmp_path, 'reply["attributes"].pop("taskhawk_task")')
    junit = tmp_path / "report.xml"
    completed = subprocess.run(
        [sys.executable, "-m", "tools.conformance", "publisher", "--junit", str(junit),
         "--case", "publish-000[1-3]-*", "--", *testee],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert completed.returncode == 1, completed.stderr
    lines = completed.stdout.splitlines()
    assert f"FAIL {FIRST}: attributes: taskhawk_task is missing" in lines[0]
    assert lines[-2:] == [
        "NOTE publisher: the testee speaks protocol 3",
        "publisher: 1 passed, 3 failed, 0 skipped",  # the unknown-version probe passes
    ]
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None and suite.get("tests") == "4" and suite.get("failures") == "3"


def test_refusing_a_valid_input_and_publishing_a_refused_one_fail(tmp_path: Path) -> None:
    script = tmp_path / "inverted.py"
    script.write_text(
        "import json, sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from tools.conformance.library_testee import respond\n"
        "for line in sys.stdin:\n"
        "    request = json.loads(line)\n"
        "    reply = respond(request)\n"
        "    if not request['id'].startswith('publish-'):\n"
        "        pass  # protocol probes are answered truthfully\n"
        "    elif 'error' in reply:\n"
        "        reply = respond({**request, 'id': request['id'], 'input': {**request['input'],"
        " 'args': [], 'kwargs': {}, 'headers': {}, 'task': 't', 'priority': 'default',"
        " 'id': '0d3d8132-07cb-41ee-bcc3-840b8d5e77d6'}})\n"
        "    else:\n"
        "        reply = {'id': request['id'], 'error': 'ValueError: no'}\n"
        "    print(json.dumps(reply), flush=True)\n"
    )
    lines = failure_lines(run([sys.executable, str(script)]))
    assert f"{FIRST}: refused the input: ValueError: no" in lines
    assert any("publish-0021-nan-argument: published a message; the input must be refused" in line
               for line in lines)  # fmt: skip


def test_a_hanging_testee_times_out_and_is_restarted(tmp_path: Path) -> None:
    script = tmp_path / "hang_once.py"
    marker = tmp_path / "hung"
    script.write_text(
        "import json, pathlib, sys, time\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from tools.conformance.library_testee import respond\n"
        f"marker = pathlib.Path({str(marker)!r})\n"
        "for line in sys.stdin:\n"
        "    if json.loads(line)['id'].startswith('publish-') and not marker.exists():\n"
        "        marker.touch(); print('about to hang', file=sys.stderr, flush=True)\n"
        "        time.sleep(30)\n"
        "    print(json.dumps(respond(json.loads(line))), flush=True)\n"
    )
    # 6 s: long enough for the testee's start on a loaded machine, short beside its 30 s hang.
    result = run([sys.executable, str(script)], timeout=6.0, select=["publish-000[1-3]-*"])
    cases = [o for o in result.cases if o.case_id.startswith("publish-")]
    assert [o.status for o in cases] == [Status.FAILED, Status.PASSED, Status.PASSED]
    assert cases[0].problems == ["no reply within 6 s"]
    assert "about to hang" in result.stderr


def test_crash_garbage_and_exit_status_are_reported(tmp_path: Path) -> None:
    script = tmp_path / "crashy.py"
    script.write_text(
        "import json, sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from tools.conformance.library_testee import respond\n"
        "number = -1\n"
        "for line in sys.stdin:\n"
        "    request = json.loads(line)\n"
        "    if not request['id'].startswith('publish-'):\n"
        "        print(json.dumps(respond(request)), flush=True); continue\n"
        "    number += 1\n"
        "    if number == 0: print('not json', flush=True)\n"
        "    elif number == 1: print(json.dumps({'id': 'other', 'skipped': 'x'}), flush=True)\n"
        "    elif number == 2: print(json.dumps({'id': request['id'], 'skipped': 'no NaN here'}),"
        " flush=True)\n"
        "    else: sys.exit('crashed on purpose')\n"
        "sys.exit(3)\n"
    )
    result = run([sys.executable, str(script)], select=["publish-000[1-5]-*"], restarts=1)
    problems = {o.case_id: o.problems for o in result.cases}
    assert problems["publish-0001-send-email"][0].startswith("reply is not one line of strict JSON")
    assert problems["publish-0002-high-priority"] == ["reply id 'other' does not match the request"]
    assert "skipped by the testee (no NaN here)" in problems["publish-0003-low-priority"][0]
    assert problems["publish-0004-bulk-priority"] == ["testee exited (status 1) without replying"]
    assert "crashed on purpose" in result.stderr
    assert result.run_problems == ["testee exited with status 3 after its stdin was closed"]


def test_a_missing_command_fails_every_case() -> None:
    result = run(["/nonexistent/publisher"], select=["publish-000[1-2]-*"])
    assert not result.ok
    assert result.run_problems[0].startswith("cannot start testee /nonexistent/publisher")
    assert "the testee answered no protocol version with anything but an error" in (
        result.run_problems
    )
    assert [o.status for o in result.cases[1:]] == [Status.NOT_RUN, Status.NOT_RUN]


def test_failure_list_entries_must_stay_true(tmp_path: Path) -> None:
    listing = tmp_path / "list.txt"
    listing.write_text(
        f"{FIRST}  # listed but passes\n"
        "publish-9999-no-such-case\n"
        "# a comment line\n\n"
        "publish-0002-high-priority # genuinely fails\n"
    )
    failures = read_failure_list(listing)
    # Breaks only the high-priority case, so the listed entry is a true failure.
    testee = broken_testee(tmp_path, 'if body["metadata"]["priority"] == "high": body["x"] = 1')
    result = run(testee, failures, select=["publish-000[12]*"])
    statuses = {o.case_id: o.status for o in result.cases}
    assert statuses[FIRST] is Status.FAILED
    assert statuses["publish-0002-high-priority"] is Status.EXPECTED
    first = next(o for o in result.cases if o.case_id == FIRST)
    assert first.problems == [f"stale entry: passes now, remove it from {listing}"]
    assert result.run_problems == [f"{listing}: unknown case id publish-9999-no-such-case"]
    junit = tmp_path / "junit.xml"
    write_junit(result, junit)
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None and suite.get("skipped") == "1" and suite.get("failures") == "2"


def test_a_malformed_failure_list_is_refused(tmp_path: Path) -> None:
    listing = tmp_path / "list.txt"
    listing.write_text(f"{FIRST}\n{FIRST}\n")
    with pytest.raises(ValueError, match="once per id"):
        read_failure_list(listing)
