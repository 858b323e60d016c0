"""Version replay: a minor version may only add, so every message valid under 1.x must stay
valid under every later 1.y (schema/README.md, "Versioning").

Over a schema directory: each case must keep its recorded schema verdict under its own version,
and then under every newer minor of its major, with `metadata.version` relabelled to that
version. A valid case that a newer minor refuses fails the replay. A refused case that a newer
minor accepts is what that minor added (a 1.0 message carrying `eta` is refused by 1.0, and is
what 1.1 allows): reported, not failed, and never a verdict a consumer gives, since a consumer
validates each message by the version it says.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from codegen.schemas import load_schemas
from tools.conformance.case_values import expand_repeats, with_stand_ins
from tools.conformance.corpus import Case, Corpus, payload
from tools.conformance.oracle import oracle_for

__all__ = ["ReplayResult", "replay"]


@dataclass(frozen=True)
class ReplayResult:
    newest: dict[int, str]  # major -> newest MAJOR.MINOR in the schema directory
    checked: int
    problems: list[str]
    kept: dict[tuple[str, str], int] = field(default_factory=dict)  # (older, newer) -> cases
    widened: list[str] = field(default_factory=list)  # refused cases a newer minor accepts


def _key(version: str) -> tuple[int, int]:
    major, minor = version.split(".")
    return int(major), int(minor)


def replay(schema_dir: Path, corpus: Corpus) -> ReplayResult:
    files, schema_problems = load_schemas(schema_dir)
    result = ReplayResult({}, 0, [f"schema: {problem}" for problem in schema_problems])
    versions = sorted({file.version for file in files}, key=_key)
    for version in versions:
        result.newest[_key(version)[0]] = version
    checked = 0
    for case in corpus.cases():
        instance = _schema_instance(case)
        if instance is None:
            continue
        kind = "publish" if case.group == "publish" else "consume"
        own = schema_dir / "message" / case.format_version / f"{kind}.json"
        if not own.is_file():
            result.problems.append(
                f"{case.id}: {own} is missing (released versions are never removed)"
            )
            continue
        checked += 1
        data, recorded = instance
        if oracle_for(own).is_valid(data) != recorded:
            result.problems.append(
                f"{case.id}: {case.format_version} {kind}.json no longer gives valid={recorded}"
            )
        for newer in _newer_minors(case.format_version, versions):
            _replay_one(
                case, data, recorded, schema_dir / "message" / newer / f"{kind}.json", result
            )
    return replace(result, checked=checked)


def _newer_minors(version: str, versions: list[str]) -> list[str]:
    major, minor = _key(version)
    return [v for v in versions if _key(v)[0] == major and _key(v)[1] > minor]


def _schema_instance(case: Case) -> tuple[Any, bool] | None:
    """The parsed instance and its recorded plain-schema verdict (None: nothing to validate)."""
    if case.group == "publish":
        message = case.data["expected"].get("message")
        return None if message is None else (with_stand_ins(expand_repeats(message)), True)
    if "payload_base64" in case.data:
        return None  # not text: no schema ever sees it
    try:
        data = json.loads(payload(case))
    except (ValueError, RecursionError):
        return None
    return data, bool(case.data.get("schema_valid", case.data["valid"]))


def _replay_one(case: Case, data: Any, recorded: bool, schema: Path, result: ReplayResult) -> None:
    """One case under one newer minor, relabelled: a kept verdict, a problem or a widening."""
    newer = schema.parent.name
    relabelled = copy.deepcopy(data)
    metadata = relabelled.get("metadata") if isinstance(relabelled, dict) else None
    if isinstance(metadata, dict) and metadata.get("version") == case.format_version:
        metadata["version"] = newer
    if not schema.is_file():
        result.problems.append(f"{case.id}: {schema} is missing")
        return
    errors = sorted(oracle_for(schema).iter_errors(relabelled), key=lambda e: e.json_path)
    if recorded and errors:
        result.problems.extend(
            f"{case.id}: valid under {case.format_version} but not under {newer} {schema.name}"
            f" ({error.json_path}: {error.message})"
            for error in errors[:3]
        )
    elif not recorded and not errors:
        result.widened.append(
            f"{case.id}: refused as {case.format_version} (and by every consumer, which reads it "
            f"as {case.format_version}), valid as {newer}: what {newer} adds"
        )
    else:
        pair = (case.format_version, newer)
        result.kept[pair] = result.kept.get(pair, 0) + 1
