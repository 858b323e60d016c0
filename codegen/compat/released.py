"""Checking released versions: every schema file at the ref (by default, the last commit on main
that touched schema/) must still be in the tree, unchanged but for `title` and `description`.
A released file is what running publishers and consumers were built from; edited in place, it
means two things at once."""

from __future__ import annotations

import json
from pathlib import Path

from codegen.compat.changes import Change, Kind
from codegen.compat.counterexample import Counterexample, Search
from codegen.compat.diff import diff_documents
from codegen.compat.edits import Edit, json_edits
from codegen.compat.git import GitTree
from codegen.compat.judges import Judge, Verdict
from codegen.compat.outcomes import Outcome, Section
from codegen.compat.witness import MISSING, Witnesses
from codegen.schemas import SchemaFile

__all__ = ["check_released"]


def check_released(
    schema_dir: Path, ref: str, current: list[SchemaFile], label: str = ""
) -> Section:
    """`label` says where `ref` came from, for the report (default: the ref itself)."""
    tree = GitTree(schema_dir, ref)
    section = Section(f"released files at {label or ref} ({tree.commit[:12]})")
    now = {schema.relative_path: schema for schema in current}
    versions_now = {schema.version for schema in current}
    for relative in tree.files():
        released = _released_file(schema_dir.name, relative, tree.read(relative))
        if released is None:
            continue
        if released.relative_path not in now:
            section.outcomes.append(_removed(released, released.version in versions_now))
        elif now[released.relative_path].text != released.text:
            section.outcomes += _edited(released, now[released.relative_path])
    return section


def _released_file(folder: str, relative: str, text: str) -> SchemaFile | None:
    parts = relative.split("/")  # message/<version>/<kind>.json
    if len(parts) != 3 or not parts[2].endswith(".json"):
        return None
    return SchemaFile(parts[1], parts[2][:-5], f"{folder}/{relative}", text, json.loads(text))


def _removed(released: SchemaFile, version_kept: bool) -> Outcome:
    kind = Kind.RELEASED_FILE_REMOVED if version_kept else Kind.RELEASED_VERSION_REMOVED
    what = "file" if version_kept else f"version {released.version}"
    change = Change.of(kind, "", (), f"{what} removed: messages it allowed may still be queued")
    judge = Judge(released)
    message = Witnesses(released.document).first(released.document)
    proof = None
    if message is not MISSING and judge.verdict(message).valid:
        gone = f"the tree has no {released.version} {released.kind}.json"
        proof = Counterexample(message, judge.verdict(message), Verdict(False, False, gone, gone))
    accepting = f"{released.version} {released.kind}.json as released"
    return Outcome(change, released.relative_path, proof, accepting, "the tree")


def _edited(released: SchemaFile, edited: SchemaFile) -> list[Outcome]:
    edits = json_edits(released.document, edited.document)
    if not edits:
        detail = "whitespace or key order changed, not the JSON (digests that pin it change)"
        change = Change.of(Kind.FORMATTING_CHANGED, "", (), detail)
        return [Outcome(change, edited.relative_path)]
    forward = diff_documents(released.document, edited.document)
    outcomes = [_outcome(edit, forward, edited) for edit in edits]
    first = next((i for i, o in enumerate(outcomes) if o.change.breaking), None)
    if first is not None:
        proof, accepting, refusing = _evidence(released, edited, forward)
        outcomes[first] = Outcome(
            outcomes[first].change, outcomes[first].file, proof, accepting, refusing
        )
    return outcomes


def _outcome(edit: Edit, forward: list[Change], edited: SchemaFile) -> Outcome:
    if edit.annotation:
        change = Change.of(Kind.ANNOTATION_CHANGED, edit.pointer, (), _shown(edit))
        return Outcome(change, edited.relative_path)
    related = [c for c in forward if _related(c.pointer, edit.pointer)]
    shown = [f"{c.detail} ({c.kind.name})" for c in related if c.pointer == edit.pointer]
    detail = "; ".join(shown) or _shown(edit)
    steps = related[0].steps if related else ()
    change = Change.of(Kind.RELEASED_FILE_EDITED, edit.pointer, steps, detail)
    return Outcome(change, edited.relative_path)


def _related(change_pointer: str, edit_pointer: str) -> bool:
    return (
        change_pointer == edit_pointer
        or change_pointer.startswith(f"{edit_pointer}/")
        or edit_pointer.startswith(f"{change_pointer}/")
    )


def _shown(edit: Edit) -> str:
    def text(value: object) -> str:
        shown = json.dumps(value, ensure_ascii=False)
        return shown if len(shown) <= 60 else f"{shown[:57]}..."

    if edit.before is None:
        return f"added {text(edit.after)}"
    if edit.after is None:
        return f"removed {text(edit.before)}"
    return f"{text(edit.before)} -> {text(edit.after)}"


def _evidence(
    released: SchemaFile, edited: SchemaFile, forward: list[Change]
) -> tuple[Counterexample | None, str, str]:
    """A message the two files judge differently: one the release accepts and the edit refuses
    (running consumers would read it, upgraded ones would not) or, failing that, the reverse."""
    as_released = f"{released.version} {released.kind}.json as released"
    as_edited = f"{edited.version} {edited.kind}.json as edited"
    directions = (
        (released, edited, forward, as_released, as_edited),
        (
            edited,
            released,
            diff_documents(edited.document, released.document),
            as_edited,
            as_released,
        ),
    )
    for accepting, refusing, changes, accepted_by, refused_by in directions:
        search = Search(Judge(accepting), Judge(refusing), lambda message: message)
        for change in (c for c in changes if c.breaking):
            proof = search.find(change.focus)
            if proof is not None:
                return proof, accepted_by, refused_by
    return None, as_released, as_edited
