"""Version replay: a minor version may only add, so every message valid under 1.x must stay
valid under the newest 1.y (schema/README.md, "Versioning").

Over a schema directory: each case must keep its recorded schema verdict under its own version,
and each schema-valid one (consumer vectors and publisher expected messages) must be valid under
the newest schema of the same major and kind, with `metadata.version` relabelled to that version.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
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


def _key(version: str) -> tuple[int, int]:
    major, minor = version.split(".")
    return int(major), int(minor)


def replay(schema_dir: Path, corpus: Corpus) -> ReplayResult:
    files, schema_problems = load_schemas(schema_dir)
    problems = [f"schema: {problem}" for problem in schema_problems]
    newest: dict[int, str] = {}
    for version in sorted({file.version for file in files}, key=_key):
        newest[_key(version)[0]] = version
    checked = 0
    for case in corpus.cases():
        instance = _schema_instance(case)
        if instance is None:
            continue
        data, recorded = instance
        kind = "publish" if case.group == "publish" else "consume"
        own = schema_dir / "message" / case.format_version / f"{kind}.json"
        if not own.is_file():
            problems.append(f"{case.id}: {own} is missing (released versions are never removed)")
            continue
        checked += 1
        if oracle_for(own).is_valid(data) != recorded:
            problems.append(
                f"{case.id}: {case.format_version} {kind}.json no longer gives valid={recorded}"
            )
        target = newest.get(_key(case.format_version)[0], case.format_version)
        if recorded and target != case.format_version:
            problems.extend(
                _replay_one(case, data, schema_dir / "message" / target / f"{kind}.json", target)
            )
    return ReplayResult(newest, checked, problems)


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


def _replay_one(case: Case, data: Any, schema: Path, target: str) -> list[str]:
    relabelled = copy.deepcopy(data)
    metadata = relabelled.get("metadata") if isinstance(relabelled, dict) else None
    if isinstance(metadata, dict) and metadata.get("version") == case.format_version:
        metadata["version"] = target
    errors = sorted(oracle_for(schema).iter_errors(relabelled), key=lambda e: e.json_path)
    return [
        f"{case.id}: valid under {case.format_version} but not under {target} {schema.name}"
        f" ({error.json_path}: {error.message})"
        for error in errors[:3]
    ]
