"""Case results and failure lists: an unlisted failure fails the run, and so does a listed case
that passes (a stale entry), so a list never outlives the bug it records.

A failure list is a text file, one case id per line, optionally followed by `# reason`; blank
lines and lines starting with `#` are ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

__all__ = ["CaseResult", "FailureList", "RunResult", "Status", "read_failure_list", "reconcile"]

_ENTRY = re.compile(r"^(?P<id>[a-z0-9-]+)\s*(#\s*(?P<reason>.*))?$")


class Status(Enum):
    PASSED = "passed"
    FAILED = "failed"  # fails the run
    EXPECTED = "expected"  # listed, and failed or was skipped as the list says: reported as skipped
    NOT_RUN = "not run"  # needs a newer testee protocol than the testee speaks: reported as skipped


@dataclass
class CaseResult:
    """What one case did, before the failure list is consulted."""

    case_id: str
    group: str
    problems: list[str] = field(default_factory=list)
    skipped: str | None = None
    seconds: float = 0.0
    status: Status = Status.PASSED
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class FailureList:
    path: Path | None
    entries: dict[str, str]

    @property
    def name(self) -> str:
        return str(self.path) if self.path else "the failure list"


def read_failure_list(path: Path | None) -> FailureList:
    """Read a failure list (None or a missing optional file: empty). Malformed lines raise."""
    if path is None:
        return FailureList(None, {})
    entries: dict[str, str] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _ENTRY.match(line)
        if match is None or match["id"] in entries:
            raise ValueError(f"{path}:{number}: expected `case-id  # reason`, once per id")
        entries[match["id"]] = (match["reason"] or "").strip()
    return FailureList(path, entries)


@dataclass
class RunResult:
    label: str
    cases: list[CaseResult]
    run_problems: list[str]
    stderr: str = ""
    notes: list[str] = field(default_factory=list)  # printed before the closing line

    def count(self, status: Status) -> int:
        return sum(1 for outcome in self.cases if outcome.status is status)

    @property
    def ok(self) -> bool:
        return not self.run_problems and self.count(Status.FAILED) == 0


def reconcile(outcomes: list[CaseResult], failures: FailureList, known_ids: set[str]) -> list[str]:
    """Set each outcome's status from the failure list; return run-level problems."""
    for outcome in outcomes:
        if outcome.status is Status.NOT_RUN:
            continue  # not judged, like a case that was not selected
        reason = failures.entries.get(outcome.case_id)
        listed = outcome.case_id in failures.entries
        if outcome.problems or outcome.skipped is not None:
            outcome.status = Status.EXPECTED if listed else Status.FAILED
            if listed:
                outcome.notes.append(f"expected failure ({reason or 'no reason given'})")
            elif outcome.skipped is not None:
                outcome.problems.append(
                    f"skipped by the testee ({outcome.skipped}) but not in {failures.name}"
                )
        elif listed:
            outcome.status = Status.FAILED
            outcome.problems.append(f"stale entry: passes now, remove it from {failures.name}")
    return [
        f"{failures.name}: unknown case id {case_id}"
        for case_id in sorted(failures.entries.keys() - known_ids)
    ]
