"""The fast decode: one typed pass through the generated Structs, then the format's own rules
that such a decoder does not enforce. Pure functions, no I/O.

`fast_decode` accepts only what the strict path (taskhawk.wire.codec) accepts, with the same
value, and answers None on any doubt: a refusal, a legacy shape, anything it cannot vouch for.
The caller then runs the strict path, so every refusal keeps its verdict, its decision name
and its JSON path. tests/test_fast_decode.py holds the two paths against each other.

The rules beyond JSON Schema (schema/README.md) and how they are checked here:
- duplicate-keys: every member has one colon outside strings, so with no `\\u003a` escape
  (the only other spelling of a colon) the members decoded plus the colons inside strings
  must equal the colons in the text; a member lost to a duplicate key shows as one colon
  too many;
- safe-integers, non-finite-numbers, bounded-input: one walk of the free values (args, kwargs
  and the headers) by `checked_member_count`, which also counts their members;
- unicode-text: a body that is ASCII without a `\\u` escape cannot hold a lone surrogate;
  any other is walked.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import msgspec

from taskhawk._generated import FORMAT_VERSIONS, FormatVersion, Message
from taskhawk._generated.structs import DECODER, METADATA_MODELS
from taskhawk._generated.structs import Message as TypedMessage
from taskhawk.wire.json_values import MAX_SAFE_INTEGER, checked_member_count
from taskhawk.wire.models import MODEL_SETTERS, assemble
from taskhawk.wire.strict_json import colons_in_strings, has_lone_surrogate

__all__ = ["fast_decode"]


def fast_decode(text: str) -> Message | None:
    """The message `text` holds when the typed pass vouches for it; None otherwise."""
    try:
        typed = DECODER.decode(text)
    except (msgspec.MsgspecError, RecursionError, UnicodeError):  # a str with a lone surrogate
        return None
    if not typed.passes_post_check(text.isascii() and "\\" not in text):
        return None
    containers = typed.containers()
    inner = _flat_member_count(containers)
    if inner < 0:
        return None
    members = typed.members() + inner
    colons = text.count(":")
    if members != colons and (
        _ESCAPED_COLON.search(text) is not None
        or members + colons_in_strings([typed.texts(), containers]) != colons
    ):
        return None
    if not (text.isascii() and "\\u" not in text) and has_lone_surrogate(
        [typed.texts(), containers]
    ):
        return None
    return _to_model(typed)


def _flat_member_count(containers: list[Any]) -> int:
    """`checked_member_count(containers)`, answered without its walk when every value in them
    is a string, a boolean, null or a safe integer (most tasks' arguments); anything else, a
    nested value or a float, takes the walk."""
    members = 0
    for container in containers:
        values = container
        if type(container) is dict:
            members += len(container)
            values = container.values()
        for value in values:
            kind = type(value)
            if kind is str or kind is bool or value is None:
                continue
            if kind is not int or not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
                return checked_member_count(containers)
    return members


_ESCAPED_COLON = re.compile(r"\\u003[aA]")


def _to_model(typed: TypedMessage) -> Message:
    """The frozen dataclasses, filled field by field as `taskhawk.wire.models.fill` does, but
    straight from the Structs: no mapping is built in between."""
    struct = typed.metadata
    format_version, set_version, named = _FORMAT_OF[type(struct)]
    metadata = _new(format_version.metadata_model)
    set_version(metadata, format_version.version)
    for name, setter in named:
        value = getattr(struct, name)
        setter(metadata, None if value is msgspec.UNSET else value)
    return assemble(
        format_version, metadata, typed.id, typed.headers, typed.task, typed.args, typed.kwargs
    )


_Setter = Callable[[Any, Any], None]


def _format_of() -> dict[type, tuple[FormatVersion, _Setter, tuple[tuple[str, _Setter], ...]]]:
    """Each metadata Struct's format version, the setter of its dataclass's `version` and of
    each Struct field; both are generated from schema/, and the dataclass must have exactly the
    Struct's fields and `version` (its tag)."""
    found = {}
    for version, format_version in FORMAT_VERSIONS.items():
        struct = METADATA_MODELS.get(version)
        names = tuple(struct.__struct_fields__) if struct else ()
        if struct is None or {*names, "version"} != set(format_version.metadata_fields):
            raise RuntimeError("taskhawk._generated is out of date: run `make generate`")
        setters = dict(MODEL_SETTERS[version].metadata)
        named = tuple((name, setters[name]) for name in names)
        found[struct] = (format_version, setters["version"], named)
    return found


_new = object.__new__
_FORMAT_OF = _format_of()
