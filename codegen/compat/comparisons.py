"""Which files are compared in the tree: each minor version with the one before it in its major
(kind by kind), and within each version, consume.json with publish.json (a consumer must read
everything a publisher may write)."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from codegen.schemas import SchemaFile

__all__ = ["Comparison", "tree_comparisons", "version_key"]


def version_key(version: str) -> tuple[int, int]:
    major, _, minor = version.partition(".")
    return int(major), int(minor)


@dataclass(frozen=True)
class Comparison:
    """Every message `older` accepts, `newer` must accept, once it says `newer`'s version."""

    heading: str
    older: SchemaFile
    newer: SchemaFile

    @property
    def relabelled(self) -> bool:
        return self.older.version != self.newer.version

    def older_document(self) -> dict[str, Any]:
        """The older document as the newer file would say it: the same content, without the
        `$id`, `x-format-version` and version enum that name each file."""
        document = copy.deepcopy(self.older.document)
        for keyword in ("$id", "x-format-version"):
            document[keyword] = self.newer.document.get(keyword)
        if self.relabelled:
            version = document["$defs"]["Metadata"]["properties"]["version"]
            version["enum"] = [self.newer.version]
        return document

    def relabel(self) -> Callable[[Any], Any]:
        return _relabeller(self.newer.version if self.relabelled else None)


def _relabeller(version: str | None) -> Callable[[Any], Any]:
    def relabel(message: Any) -> Any:
        metadata = message.get("metadata") if isinstance(message, dict) else None
        if version is not None and isinstance(metadata, dict) and "version" in metadata:
            metadata["version"] = version
        return message

    return relabel


def tree_comparisons(files: list[SchemaFile]) -> list[Comparison]:
    by_kind: dict[str, list[SchemaFile]] = {}
    for schema in sorted(files, key=lambda f: version_key(f.version)):
        by_kind.setdefault(schema.kind, []).append(schema)
    found = []
    for kind, ordered in sorted(by_kind.items()):
        for older, newer in itertools.pairwise(ordered):
            if version_key(older.version)[0] == version_key(newer.version)[0]:
                heading = f"{newer.version} {kind}.json succeeds {older.version}"
                found.append(Comparison(heading, older, newer))
    publish = {f.version: f for f in by_kind.get("publish", [])}
    for consume in by_kind.get("consume", []):
        if consume.version in publish:
            heading = f"{consume.version} consume.json reads what publish.json allows"
            found.append(Comparison(heading, publish[consume.version], consume))
    return found
