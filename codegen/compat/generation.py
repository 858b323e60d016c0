"""Instances hypothesis-jsonschema generates from a schema, for the gaps the keyword-built
candidates miss (a changed pattern, say). Generation only, no shrinking (which costs seconds per
message), derandomized and without an example database, so the checker's output is the same on
every run and machine."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis.errors import HypothesisException
from hypothesis_jsonschema import from_schema

__all__ = ["generated"]

_memo: dict[tuple[str, int], list[Any]] = {}


def generated(schema: Any, count: int) -> list[Any]:
    """Up to `count` instances of `schema` (fewer when hypothesis finds none)."""
    key = (json.dumps(schema, sort_keys=True), count)
    if key not in _memo:
        _memo[key] = _draw(schema, count)
    return _memo[key]


def _draw(schema: Any, count: int) -> list[Any]:
    drawn: list[Any] = []
    try:
        strategy = from_schema(schema, codec=None)
    except (HypothesisException, ValueError, TypeError):
        return drawn  # a schema hypothesis-jsonschema cannot read, or one nothing satisfies

    @settings(
        max_examples=count,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        verbosity=Verbosity.quiet,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(instance: Any) -> None:
        drawn.append(instance)

    try:
        collect()
    except HypothesisException:
        pass  # unsatisfiable or too hard to draw: whatever was drawn is still usable
    return drawn
