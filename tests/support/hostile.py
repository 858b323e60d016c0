"""Hostile message bodies: a fixed corpus and a hypothesis strategy, shared by the codec, worker
and Lambda tests. Every body here must be refused (ValidationError) or name an unregistered
task; none may crash a consumer or be lost."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

__all__ = ["GOOD", "corpus", "hostile_bodies", "mutations"]

GOOD: dict[str, Any] = {
    "id": "b1328174-a21c-43d3-b303-964dfcc76efc",
    "metadata": {"priority": "default", "timestamp": 1460868253255, "version": "1.0"},
    "headers": {"request_id": "r-1"},
    "task": "tasks.record",
    "args": [1],
    "kwargs": {},
}

_WRONG_VALUES: list[Any] = [None, True, 0, -1, 1.5, "", "x", [], {}, [None], {"a": None}]
_PATHS = [
    ("id",), ("metadata",), ("metadata", "priority"), ("metadata", "timestamp"),
    ("metadata", "version"), ("headers",), ("task",), ("args",), ("kwargs",),
]  # fmt: skip


def _replace(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    data = json.loads(json.dumps(GOOD))
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


def _valid_at(path: tuple[str, ...], value: Any) -> bool:
    """The replacements that still make a valid message (so they are not hostile)."""
    if path == ("args",):
        return isinstance(value, list)
    if path == ("kwargs",):
        return isinstance(value, dict)
    if path == ("metadata", "timestamp"):
        return value == 0
    if path == ("task",):
        return isinstance(value, str) and value != ""
    return path == ("headers",) and value == {}


def mutations() -> list[tuple[str, str]]:
    """Wrong types at every path of the envelope, as (case id, body)."""
    cases = []
    for path in _PATHS:
        for index, value in enumerate(_WRONG_VALUES):
            if not _valid_at(path, value):
                cases.append((f"wrong-{'.'.join(path)}-{index}", json.dumps(_replace(path, value))))
    return cases


def corpus() -> list[tuple[str, str | bytes]]:
    """Named hostile bodies, each refused or naming a task nobody registered."""
    deep = "[" * 5000 + "]" * 5000
    named: list[tuple[str, str | bytes]] = [
        ("empty", ""),
        ("random-bytes", bytes(range(256))),
        ("invalid-utf8", b'{"id": "\xff\xfe"}'),
        ("not-json", "this is not json"),
        ("json-array", "[1, 2, 3]"),
        ("json-string", '"hello"'),
        ("json-number", "12345"),
        ("json-null", "null"),
        ("deeply-nested-array", deep),
        ("deep-args", json.dumps({**GOOD, "args": json.loads("[" * 60 + "]" * 60)})),
        ("number-beyond-2^53", json.dumps({**GOOD, "args": [2**64]})),
        ("timestamp-beyond-2^53", json.dumps(_replace(("metadata", "timestamp"), 2**53))),
        ("huge-integer-text", '{"args": [' + "9" * 5000 + "]}"),
        ("nan", json.dumps({**GOOD, "args": [float("nan")]})),
        ("body-256k", json.dumps({**GOOD, "kwargs": {"pad": "x" * 262_144}, "extra": 1})),
        ("body-over-1mib", json.dumps({**GOOD, "kwargs": {"pad": "x" * 1_048_576}})),
        ("unknown-task", json.dumps({**GOOD, "task": "tasks.never_registered"})),
        ("import-path-task", json.dumps({**GOOD, "task": "os.system", "args": ["echo pwned"]})),
        ("dunder-task", json.dumps({**GOOD, "task": "__import__"})),
        ("reserved-header", json.dumps({**GOOD, "headers": {"taskhawk_task": "x"}})),
        ("aws-header", json.dumps({**GOOD, "headers": {"AWS.trace": "x"}})),
        ("duplicate-keys", json.dumps(GOOD)[:-1] + ', "task": "os.system"}'),
        ("version-2", json.dumps(_replace(("metadata", "version"), "2.0"))),
        ("sns-envelope", json.dumps({"Type": "Notification", "Message": json.dumps(GOOD)})),
    ]
    return named + [(name, body) for name, body in mutations()]


def hostile_bodies() -> st.SearchStrategy[str | bytes]:
    """Random bytes, random JSON, and the good message with a random value spliced in."""
    json_values = st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.text(max_size=8), children, max_size=4)
        ),
        max_leaves=20,
    )
    spliced = st.tuples(st.sampled_from(_PATHS), json_values).map(
        lambda pv: json.dumps(_replace(pv[0], pv[1]))
    )
    return st.one_of(
        st.binary(max_size=300),
        st.text(max_size=300),
        json_values.map(json.dumps),
        spliced,
    )
