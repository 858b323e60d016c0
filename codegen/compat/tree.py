"""Checking the schema directory against itself: each minor version against the one before it,
and each version's consume.json against its publish.json."""

from __future__ import annotations

from codegen.compat.changes import Change, Kind
from codegen.compat.comparisons import Comparison, tree_comparisons
from codegen.compat.counterexample import Search
from codegen.compat.diff import diff_documents
from codegen.compat.judges import Judge
from codegen.compat.outcomes import Outcome, Section
from codegen.schemas import SchemaFile

__all__ = ["check_tree", "minor_changes"]


def check_tree(files: list[SchemaFile]) -> list[Section]:
    return [_check(comparison) for comparison in tree_comparisons(files)]


def _check(comparison: Comparison) -> Section:
    older, newer = comparison.older, comparison.newer
    section = Section(comparison.heading)
    search: Search | None = None
    accepting = f"{older.version} {older.kind}.json"
    refusing = f"{newer.version} {newer.kind}.json"
    if comparison.relabelled:
        refusing += f" (metadata.version set to {newer.version})"
    for change in diff_documents(comparison.older_document(), newer.document):
        file = older.relative_path if change.in_older else newer.relative_path
        if not change.breaking:
            section.outcomes.append(Outcome(change, file))
            continue
        if search is None:
            search = Search(Judge(older), Judge(newer), comparison.relabel())
        proof = search.find(change.focus)
        section.outcomes.append(Outcome(change, file, proof, accepting, refusing))
    return section


def minor_changes(files: list[SchemaFile]) -> dict[str, tuple[str, list[Change]]]:
    """Minor version -> (the version before it, what its publish.json changes, annotations
    left out), for documentation."""
    found: dict[str, tuple[str, list[Change]]] = {}
    for comparison in tree_comparisons(files):
        older, newer = comparison.older, comparison.newer
        if newer.kind == "publish" and comparison.relabelled:
            changes = diff_documents(comparison.older_document(), newer.document)
            kept = [c for c in changes if c.kind is not Kind.ANNOTATION_CHANGED]
            found[newer.version] = (older.version, kept)
    return found
