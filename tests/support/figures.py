"""Figures that reliability tests measure, shown at the end of the pytest report and merged into
build/reliability/summary.json.

A test may run in a pytest-xdist worker process, whose prints and module state the report never
sees, so a test's figures travel in its report's `user_properties` to the process that prints
the report; the summary file is written there alone, once.
"""

from __future__ import annotations

import json
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

__all__ = [
    "SUMMARY_PATH",
    "pytest_runtest_logreport",
    "pytest_runtest_makereport",
    "pytest_terminal_summary",
    "record_figures",
]

ROOT = Path(__file__).resolve().parents[2]
SUMMARY_PATH = ROOT / "build" / "reliability" / "summary.json"
PROPERTY = "reliability-figures"

_pending: dict[str, dict[str, Any]] = {}  # recorded by the running test, not yet reported
_collected: dict[str, dict[str, Any]] = {}  # every test's, in the process that prints the report


def record_figures(section: str, figures: dict[str, Any]) -> None:
    """Keep a test's figures for its report (and show them at once under -s)."""
    _pending[section] = figures
    print(f"\nreliability {section}: {json.dumps(figures, sort_keys=True)}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if _pending:
        report.user_properties.append((PROPERTY, json.dumps(_pending)))
        _pending.clear()
    return report


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    for name, value in report.user_properties:
        if name == PROPERTY and isinstance(value, str):
            _collected.update(json.loads(value))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _collected or hasattr(terminalreporter.config, "workerinput"):
        return
    _write_summary(_collected)
    terminalreporter.section("reliability figures")
    for section, figures in _collected.items():
        shown = " ".join(f"{key}={value}" for key, value in figures.items())
        terminalreporter.write_line(f"{section}: {shown}")
    terminalreporter.write_line(f"(also in {SUMMARY_PATH.relative_to(ROOT)})")


def _write_summary(figures: dict[str, dict[str, Any]]) -> None:
    """Merge into the file, so a run of one test keeps the other sections' last figures."""
    SUMMARY_PATH.parent.mkdir(parents=True, exist_ok=True)
    try:
        summary = json.loads(SUMMARY_PATH.read_text())
    except (OSError, ValueError):
        summary = {}
    summary.update(figures)
    SUMMARY_PATH.write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
