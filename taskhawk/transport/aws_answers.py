"""Reading what an endpoint answered: the fields the API promises, or one line saying which is
missing.

botocore parses a cut or garbled 200 answer into whatever it could read (a JSON body cut in half
becomes `{"message": "<the text>"}`), so indexing the answer would raise KeyError far from its
cause, as a traceback. Every field taskhawk needs from an answer is read here instead, and an
answer without it is a TransportError: a command exits 1 with one line, a running worker logs the
line and tries again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from taskhawk.exceptions import TransportError

__all__ = ["UnexpectedAnswer", "entries", "promised"]


class UnexpectedAnswer(TransportError):
    """The endpoint answered, but not with what the API promises (a cut or garbled body)."""


def promised(answer: Any, name: str, doing: str) -> str:
    """The text field `name` of an answer; UnexpectedAnswer when it is missing or not text."""
    value = answer.get(name) if isinstance(answer, Mapping) else None
    if not isinstance(value, str) or not value:
        raise UnexpectedAnswer(f"{doing}: the endpoint's answer has no {name} ({_shown(answer)})")
    return value


def entries(answer: Any, name: str, doing: str) -> Sequence[Mapping[str, Any]]:
    """The list field `name` of an answer (absent is empty, as the API allows); UnexpectedAnswer
    when it is there but not a list of objects."""
    if not isinstance(answer, Mapping):
        raise UnexpectedAnswer(f"{doing}: the endpoint's answer is not an object")
    value = answer.get(name)
    if value is None:
        return []
    if not isinstance(value, list) or not all(
        type(item) is dict or isinstance(item, Mapping)
        for item in value  # a dict: no ABC check
    ):
        raise UnexpectedAnswer(f"{doing}: the endpoint's answer has a malformed {name}")
    return value


def _shown(answer: Any) -> str:
    """What came instead, briefly: the keys it had, never their values (they may be long)."""
    if not isinstance(answer, Mapping):
        return f"got {type(answer).__name__}"
    keys = sorted(str(key) for key in answer if key != "ResponseMetadata")
    return f"got {', '.join(keys)}" if keys else "got an empty answer"
