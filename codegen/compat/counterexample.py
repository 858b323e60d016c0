"""Proving a breaking change with a message: one the older file accepts and the newer refuses,
as both validators (`codegen.compat.judges`) say.

The message is the plainest one the older file allows, changed only where the change is: at the
end of its focus path, a value from the gap between the two subschemas (candidates built from
the keywords first, then hypothesis-jsonschema's generation), or a member left out. Only when
that proves nothing is the whole older schema generated from. Generation is derandomized, so
the same schemas always give the same counterexample.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from codegen.compat.changes import Focus, Step
from codegen.compat.generation import generated
from codegen.compat.judges import Judge, Verdict
from codegen.compat.witness import MISSING, Witnesses
from codegen.reference_validator import reference_validator

__all__ = ["Counterexample", "Search"]

Relabel = Callable[[Any], Any]


@dataclass(frozen=True)
class Counterexample:
    message: Any  # as the accepting file's version writes it
    accepted: Verdict  # the accepting file's validators
    refused: Verdict  # the refusing file's validators, on the relabelled message


class Search:
    """Counterexamples between two files: `accepting` must take them, `refusing` refuse them
    once `relabel` has made them claim the refusing file's version."""

    def __init__(self, accepting: Judge, refusing: Judge, relabel: Relabel) -> None:
        self.accepting, self.refusing, self.relabel = accepting, refusing, relabel
        self.witnesses = Witnesses(accepting.schema.document)
        self.base = self.witnesses.first(accepting.schema.document)

    def find(self, focus: Focus | None) -> Counterexample | None:
        if focus is not None and self.base is not MISSING:
            for message in self._spliced(focus):
                found = self.confirm(message)
                if found is not None:
                    return found
        for message in generated(self.accepting.schema.document, 60):
            found = self.confirm(message)
            if found is not None:
                return found
        return None

    def confirm(self, message: Any) -> Counterexample | None:
        """The message as evidence, when both validators of each file agree it is."""
        if not self.accepting.accepts(message):
            return None
        accepted = self.accepting.verdict(message)
        refused = self.refusing.verdict(self.relabel(copy.deepcopy(message)))
        if accepted.valid and not refused.reference and not refused.generated:
            return Counterexample(message, accepted, refused)
        return None

    def _spliced(self, focus: Focus) -> list[Any]:
        if focus.drop:
            message = copy.deepcopy(self.base)
            holder, _ = self._open(message, focus.steps)
            if isinstance(holder, dict):
                holder.pop(focus.drop, None)
            return [message]
        return [self._filled(focus.steps, value) for value in self._gap_values(focus)]

    def _gap_values(self, focus: Focus) -> list[Any]:
        """Values the focus's accepting subschema takes and its refusing one does not."""
        refuse = reference_validator(focus.reject)
        picks = [focus.hint] if focus.hint is not None else []
        for source in [*picks, focus.accept]:
            values = [v for v in self.witnesses.accepted(source, 48) if not refuse.is_valid(v)]
            if not values:  # generation is slower; only when the keywords gave nothing
                values = [v for v in generated(source, 40) if not refuse.is_valid(v)][:3]
            if values:
                return values[:6]
        return []

    def _filled(self, steps: tuple[Step, ...], value: Any) -> Any:
        """The plain message with `value` at the end of `steps`."""
        if not steps:
            return value
        message = copy.deepcopy(self.base)
        holder, node = self._open(message, steps[:-1])
        if steps[-1].kind == "name":  # the value is a member's name
            member = self.witnesses.first(self.witnesses.member_schema(node, str(value)))
            holder[value] = None if member is MISSING else member
        else:
            key, _ = self._descend(holder, node, steps[-1])
            _put(holder, key, value)
        return message

    def _open(self, message: Any, steps: tuple[Step, ...]) -> tuple[Any, Any]:
        """The value at the end of `steps` in `message`, made up where missing, and its
        subschema in the accepting file."""
        holder: Any = message
        node: Any = self.accepting.schema.document
        for step in steps:
            key, node = self._descend(holder, node, step)
            if not (holder if isinstance(holder, list) else key in holder):
                made = self.witnesses.first(node)
                _put(holder, key, {} if made is MISSING else made)
            holder = holder[key]
        return holder, node

    def _descend(self, holder: Any, node: Any, step: Step) -> tuple[Any, Any]:
        node = self.witnesses.resolve(node)
        if step.kind == "item":
            return 0, node.get("items", {})
        if step.kind == "key":
            return step.key, self.witnesses.member_schema(node, step.key)
        names = node.get("propertyNames", {})
        taken = set(node.get("properties", {})) | set(holder)
        for name in self.witnesses.accepted(names):
            if isinstance(name, str) and name not in taken:
                return name, node.get("additionalProperties", {})
        return "extra", node.get("additionalProperties", {})


def _put(holder: Any, key: Any, value: Any) -> None:
    if isinstance(holder, list):
        holder[:1] = [value]
    else:
        holder[key] = value
