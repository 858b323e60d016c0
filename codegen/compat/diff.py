"""Structural comparison of two schema documents: both are walked together, down the instance
(properties, additional members, member names, items, through `$ref` and `not`), and every
keyword that differs becomes a `Change` with its pointer, instance path and verdict. This finds
the candidates; `codegen.compat.counterexample` proves the breaking ones with a message."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from codegen.compat.changes import Change, Focus, Kind, Step
from codegen.compat.constraints import CATEGORY_OF, Finding, admits, leaf_findings
from codegen.compat.objects import object_changes
from codegen.compat.sites import Site, escape
from codegen.subset import ANNOTATIONS

__all__ = ["diff_documents"]

_REF = re.compile(r"#/\$defs/([^/~]+)")


def diff_documents(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Every difference between two schema documents, judged as `new` succeeding `old`."""
    return _Walker(old, new).walk(Site(old, new, "", ""))


class _Walker:
    def __init__(self, old_document: dict[str, Any], new_document: dict[str, Any]) -> None:
        self.documents = (old_document, new_document)
        self.seen: set[tuple[str, str, bool]] = set()

    def walk(self, site: Site) -> list[Change]:
        old, old_pointer = _resolve(self.documents[0], site.old, site.old_pointer)
        new, new_pointer = _resolve(self.documents[1], site.new, site.new_pointer)
        if (old_pointer, new_pointer, site.negated) in self.seen:
            return []  # a recursive $ref compared once is compared everywhere
        self.seen.add((old_pointer, new_pointer, site.negated))
        site = replace(site, old=old, new=new, old_pointer=old_pointer, new_pointer=new_pointer)
        if old is None or new is None:
            detail = "a $ref beside other keywords, or not to #/$defs/<name>"
            return [self.change(replace(site, old={}, new={}), Kind.UNCOMPARABLE, "$ref", detail)]
        changes = [self.finding(site, finding) for finding in leaf_findings(old, new)]
        return changes + object_changes(self, site) + self.items(site) + self.negation(site)

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
    ) -> Change:
        pointer, in_older = _pointer(site, keyword)
        change = Change.of(kind, pointer, site.steps, detail, None, breaking, in_older)
        if site.moot and change.breaking:
            change = replace(change, breaking=False, detail=f"{detail} ({site.moot})")
        if site.negated:
            change = change.inverted()
        if change.breaking:
            change = replace(change, focus=self.focus(site, hint, drop))
        return change

    def focus(self, site: Site, hint: dict[str, Any] | None, drop: str) -> Focus:
        accept, reject = self.document(0, site.old), self.document(1, site.new)
        if site.negated:  # the outer schemas differ the other way round
            return Focus(site.steps, reject, accept, reject)
        narrowed = None if hint is None else self.document(0, {**site.old, **hint})
        return Focus(site.steps, accept, reject, narrowed, drop)

    def document(self, side: int, node: Any) -> Any:
        """`node` made a schema document of its own, with its file's `$defs`."""
        if node is False:
            return False
        own = node if isinstance(node, dict) else {}
        return {**own, "$defs": self.documents[side].get("$defs", {})}

    def finding(self, site: Site, finding: Finding) -> Change:
        category = CATEGORY_OF.get(finding.keyword)
        if category and not admits(site.old, category):
            site = site.mooted(category)
        return self.change(site, finding.kind, finding.keyword, finding.detail, hint=finding.hint)

    def items(self, site: Site) -> list[Change]:
        before, after = site.old.get("items", True), site.new.get("items", True)
        if before == after:
            return []
        if not admits(site.old, "array"):
            site = site.mooted("array")
        return self.walk(site.down(before, after, "items", Step("item")))

    def negation(self, site: Site) -> list[Change]:
        before, after = site.old.get("not"), site.new.get("not")
        if before == after:
            return []
        if before is None:
            hint = after if isinstance(after, dict) else {}
            return [self.change(site, Kind.NOT_ADDED, "not", "`not` added", hint=hint)]
        if after is None:
            return [self.change(site, Kind.NOT_REMOVED, "not", "`not` removed")]
        inner = site.down(before, after, "not", None)
        return self.walk(replace(inner, negated=not site.negated))


def _pointer(site: Site, keyword: str) -> tuple[str, bool]:
    """Where a change is: its keyword in the newer file (the older one's, if it is gone), or
    the subschema itself when that was added or removed; and whether that is the older file."""
    if not keyword:
        gone = site.new is None or site.new is False
        return (site.old_pointer if gone else site.new_pointer), gone
    gone = isinstance(site.old, dict) and keyword in site.old
    gone = gone and not (isinstance(site.new, dict) and keyword in site.new)
    return f"{site.old_pointer if gone else site.new_pointer}/{escape(keyword)}", gone


def _resolve(document: dict[str, Any], node: Any, pointer: str) -> tuple[Any, str]:
    """A subschema with `$ref` followed (None when it cannot be), booleans as objects."""
    if node is True:
        return {}, pointer
    if node is False:
        return {"not": {}}, pointer
    if not isinstance(node, dict) or "$ref" not in node:
        return node, pointer
    match = _REF.fullmatch(str(node["$ref"]))
    target = document.get("$defs", {}).get(match.group(1)) if match else None
    if match is None or target is None or set(node) - ANNOTATIONS - {"$ref", "$defs"}:
        return None, pointer
    return _resolve(document, target, f"/$defs/{escape(match.group(1))}")
