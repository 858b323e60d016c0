"""The readable summary (one line per problem, each naming its case) and a JUnit XML report."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TextIO

from tools.conformance.case_results import RunResult, Status

__all__ = ["print_summary", "write_junit"]


def print_summary(result: RunResult, out: TextIO = sys.stdout, verbose: bool = False) -> None:
    for outcome in result.cases:
        if outcome.status is Status.FAILED:
            for problem in outcome.problems:
                print(f"FAIL {outcome.case_id}: {problem}", file=out)
        elif outcome.status is Status.EXPECTED:
            print(f"XFAIL {outcome.case_id}: {'; '.join(outcome.notes)}", file=out)
            if verbose:
                for problem in outcome.problems:
                    print(f"    {problem}", file=out)
        elif outcome.status is Status.NOT_RUN and verbose:
            print(f"NOTRUN {outcome.case_id}: {'; '.join(outcome.notes)}", file=out)
        elif verbose and outcome.status is Status.PASSED:
            print(f"ok {outcome.case_id}", file=out)
    for note in result.notes:
        print(f"NOTE {result.label}: {note}", file=out)
    for problem in result.run_problems:
        print(f"ERROR {result.label}: {problem}", file=out)
    if result.stderr.strip() and not result.ok:
        print(f"--- {result.label}: testee stderr (last lines) ---", file=out)
        for line in result.stderr.strip().splitlines()[-20:]:
            print(f"    {line}", file=out)
    # The closing line has the plain `N passed, N failed, N skipped` shape CI systems read.
    passed, failed = result.count(Status.PASSED), result.count(Status.FAILED)
    failed += len(result.run_problems)
    skipped = result.count(Status.EXPECTED) + result.count(Status.NOT_RUN)
    print(f"{result.label}: {passed} passed, {failed} failed, {skipped} skipped", file=out)


def write_junit(result: RunResult, path: Path) -> None:
    suites = ET.Element("testsuites")
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=result.label,
        tests=str(len(result.cases) + len(result.run_problems)),
        failures=str(result.count(Status.FAILED) + len(result.run_problems)),
        skipped=str(result.count(Status.EXPECTED) + result.count(Status.NOT_RUN)),
        errors="0",
        time=f"{sum(o.seconds for o in result.cases):.3f}",
    )
    for outcome in result.cases:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"{result.label}.{outcome.group}",
            name=outcome.case_id,
            time=f"{outcome.seconds:.3f}",
        )
        if outcome.status is Status.FAILED:
            failure = ET.SubElement(case, "failure", message=_xml_safe(outcome.problems[0][:500]))
            failure.text = _xml_safe("\n".join(outcome.problems))
        elif outcome.status in (Status.EXPECTED, Status.NOT_RUN):
            note = _xml_safe("; ".join(outcome.notes)[:500])
            skipped = ET.SubElement(case, "skipped", message=note)
            skipped.text = _xml_safe("\n".join(outcome.problems))
    for index, problem in enumerate(result.run_problems, start=1):
        case = ET.SubElement(suite, "testcase", classname=result.label, name=f"run-{index}")
        ET.SubElement(case, "failure", message=_xml_safe(problem[:500])).text = _xml_safe(problem)
    if result.stderr:
        ET.SubElement(suite, "system-err").text = _xml_safe(result.stderr)
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(suites).write(path, encoding="utf-8", xml_declaration=True)


def _xml_safe(text: str) -> str:
    """XML 1.0 cannot hold most control characters, even escaped; a testee may print them."""
    return "".join(c if c in "\t\n\r" or " " <= c <= "\ud7ff" or "\ue000" <= c <= "\ufffd"
                   or c >= "\U00010000" else "?" for c in text)  # fmt: skip
