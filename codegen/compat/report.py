"""The checker's report: per comparison, one line per change (verdict, kind, file#pointer,
instance path, what changed) and, under a breaking one, its counterexample and what each
file's validators said about it."""

from __future__ import annotations

import json

from codegen.compat.changes import instance_path
from codegen.compat.judges import Verdict
from codegen.compat.outcomes import Outcome, Section

__all__ = ["render"]


def render(sections: list[Section]) -> list[str]:
    lines: list[str] = []
    for section in sections:
        count = len(section.outcomes)
        breaking = len(section.breaking)
        summary = "no changes" if not count else f"{count} changes, {breaking} breaking"
        lines.append(f"compat: {section.heading}: {summary}")
        for outcome in section.outcomes:
            lines += _outcome_lines(outcome)
    total = sum(len(s.outcomes) for s in sections)
    breaking = sum(len(s.breaking) for s in sections)
    verdict = "FAILED" if breaking else "ok"
    lines.append(f"compat: {verdict}: {total} changes, {breaking} breaking")
    return lines


def _outcome_lines(outcome: Outcome) -> list[str]:
    change = outcome.change
    verdict = "BREAKING" if change.breaking else "compatible"
    where = f"{outcome.file}#{change.pointer}"
    path = f" {instance_path(change.steps)}:" if change.steps else ":"
    lines = [f"  {verdict:<10} {change.kind.name} {where}{path} {change.detail}"]
    if not change.breaking:
        return lines
    proof = outcome.counterexample
    if proof is None:
        lines.append("    no counterexample found; the rule forbids this change all the same")
        return lines
    message = json.dumps(proof.message, ensure_ascii=False, separators=(",", ":"))
    lines.append(f"    counterexample: {message}")
    lines.append(
        f"    {outcome.accepting} accepts it, {outcome.refusing} refuses it"
        f" ({_reasons(proof.refused)})"
    )
    return lines


def _reasons(refused: Verdict) -> str:
    """Both validators' word: jsonschema's path (its message repeats the value) and the
    generated validator's reason."""
    if not refused.reference_path:  # nothing validated: there is no file to validate with
        return refused.reference_reason
    return f"jsonschema at {refused.reference_path}; generated: {refused.generated_reason}"
