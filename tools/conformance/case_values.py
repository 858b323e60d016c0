"""The two stand-ins the corpus uses inside JSON values, turned into what they stand for.

`{"$number": "NaN"}` is a number JSON text cannot carry exactly (NaN, the infinities, integers
beyond +-(2^53-1)); `{"$repeat": {"text": "x", "count": 1000000}}` is a long string, so that the
size cases stay small on disk. contract-tests/README.md defines both.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "STAND_IN_ID",
    "STAND_IN_TIMESTAMP",
    "expand_repeats",
    "from_input",
    "repeated_text",
    "with_stand_ins",
]

# What an expected message is checked with where the publisher makes the value itself.
STAND_IN_ID = "00000000-0000-4000-8000-000000000000"
STAND_IN_TIMESTAMP = 0


def repeated_text(value: Any) -> str | None:
    """The string a `$repeat` object spells, or None when `value` is not one."""
    if isinstance(value, dict) and set(value) == {"$repeat"}:
        spec = value["$repeat"]
        return str(spec["text"]) * int(spec["count"])
    return None


def expand_repeats(value: Any) -> Any:
    """`value` with every `$repeat` object replaced by its string."""
    text = repeated_text(value)
    if text is not None:
        return text
    if isinstance(value, dict):
        return {key: expand_repeats(item) for key, item in value.items()}
    if isinstance(value, list):
        return [expand_repeats(item) for item in value]
    return value


def from_input(value: Any) -> Any:
    """A publisher input's value as Python holds it: `$number` and `$repeat` objects replaced."""
    if isinstance(value, dict) and set(value) == {"$number"}:
        text = value["$number"]
        return int(text) if text.lstrip("-").isdigit() else float(text)
    text = repeated_text(value)
    if text is not None:
        return text
    if isinstance(value, dict):
        return {key: from_input(item) for key, item in value.items()}
    if isinstance(value, list):
        return [from_input(item) for item in value]
    return value


def with_stand_ins(message: dict[str, Any]) -> dict[str, Any]:
    """An expected message with stand-ins for the id and timestamp a publisher makes itself."""
    metadata = {**message["metadata"]}
    metadata.setdefault("timestamp", STAND_IN_TIMESTAMP)
    return {"id": STAND_IN_ID, **message, "metadata": metadata}
