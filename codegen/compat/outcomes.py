"""What a check found: each change with the file its pointer is into and, for a breaking one,
the counterexample that proves it; grouped in sections, one per comparison."""

from __future__ import annotations

from dataclasses import dataclass, field

from codegen.compat.changes import Change
from codegen.compat.counterexample import Counterexample

__all__ = ["Outcome", "Section"]


@dataclass(frozen=True)
class Outcome:
    change: Change
    file: str  # the schema file the change's pointer is into
    counterexample: Counterexample | None = None
    accepting: str = ""  # who accepts the counterexample, in words ("1.1 consume.json")
    refusing: str = ""  # who refuses it, in words


@dataclass
class Section:
    heading: str
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def breaking(self) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if outcome.change.breaking]
