"""A place in two schema documents at once, and the walker interface the comparisons share."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Protocol

from codegen.compat.changes import Change, Kind, Step

__all__ = ["Site", "Walker", "escape"]


def escape(key: str) -> str:
    """A JSON pointer segment (RFC 6901)."""
    return key.replace("~", "~0").replace("/", "~1")


@dataclass(frozen=True)
class Site:
    """The same place in both documents: each side's subschema and pointer, and the path of the
    instance values it governs. `negated`: under an odd number of `not`s. `moot`: why nothing
    here can break (the older schema lets no value of the kind through)."""

    old: Any
    new: Any
    old_pointer: str
    new_pointer: str
    steps: tuple[Step, ...] = ()
    negated: bool = False
    moot: str = ""

    def down(self, old: Any, new: Any, segments: str, step: Step | None) -> Site:
        """The subschemas under `segments` (already escaped, e.g. `properties/eta`)."""
        return replace(
            self,
            old=old,
            new=new,
            old_pointer=f"{self.old_pointer}/{segments}",
            new_pointer=f"{self.new_pointer}/{segments}",
            steps=self.steps if step is None else (*self.steps, step),
        )

    def mooted(self, category: str) -> Site:
        return replace(
            self, moot=f"applies only to {category}s, which the older schema does not allow here"
        )


class Walker(Protocol):
    """What the object comparisons need from the walker that calls them."""

    def walk(self, site: Site) -> list[Change]: ...

    def change(
        self,
        site: Site,
        kind: Kind,
        keyword: str,
        detail: str,
        *,
        hint: dict[str, Any] | None = None,
        drop: str = "",
        breaking: bool | None = None,
    ) -> Change: ...
