"""The fast route for large bodies gives the strict parser's verdicts, word for word."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taskhawk import strict_json
from taskhawk.exceptions import ValidationError
from taskhawk.json_values import MAX_DEPTH

PAD = '"pad": "' + "p" * strict_json._PLAIN_PARSE_MIN_CHARS + '"'


def padded(members: str) -> str:
    """An object with `members` and a long string, so the fast route is taken."""
    return "{" + (f"{members}, " if members else "") + PAD + "}"


def nested(levels: int) -> str:
    """`levels` nested objects and arrays in all, counting the padded outer object."""
    return padded('"n": ' + "[" * (levels - 1) + "]" * (levels - 1))


def verdict(text: str, strict_only: bool, monkeypatch: pytest.MonkeyPatch) -> Any:
    with monkeypatch.context() as patch:
        if strict_only:
            patch.setattr(strict_json, "_PLAIN_PARSE_MIN_CHARS", 10**9)
        try:
            return ("value", strict_json.parse_strict(text))
        except ValidationError as error:
            return ("error", error.path, error.reason)


CASES = {
    "valid": padded('"a": {"b": [1, 2.5, true, null, "x"]}'),
    "colons-in-strings": padded('"url": "https://example.com:443/a:b", "at": "12:30"'),
    "duplicate-at-root": padded('"a": 1, "a": 2'),
    "duplicate-deep": padded('"a": [{"b": 1, "b": 1}]'),
    "duplicate-hidden-by-colon-in-string": padded('"a": "x:y", "a": 1'),
    "unsafe-integer": padded(f'"n": {2**53}'),
    "unsafe-negative-integer": padded(f'"n": {-(2**53)}'),
    "safe-integer-limit": padded(f'"n": {2**53 - 1}, "m": {-(2**53 - 1)}'),
    "integer-too-long": padded('"n": ' + "9" * 5000),
    "float-overflow": padded('"n": 1e400'),
    "negative-float-overflow": padded('"n": -1e400'),
    "nan": padded('"n": NaN'),
    "infinity": padded('"n": -Infinity'),
    "deepest-allowed": nested(MAX_DEPTH),
    "too-deep": nested(MAX_DEPTH + 1),
    "very-deep": "[" * 100_000 + "]" * 100_000,
    "truncated": padded('"a": [1, 2'),
    "array": "[" + ", ".join(['"' + "x" * 50 + '"'] * 40) + "]",
    "string": '"' + "s" * 2000 + '"',
}


@pytest.mark.parametrize("text", CASES.values(), ids=CASES.keys())
def test_large_bodies_get_the_strict_verdict(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert len(text) >= strict_json._PLAIN_PARSE_MIN_CHARS
    assert verdict(text, False, monkeypatch) == verdict(text, True, monkeypatch)


def test_the_cases_cover_both_verdicts(monkeypatch: pytest.MonkeyPatch) -> None:
    kinds = {name: verdict(text, True, monkeypatch)[0] for name, text in CASES.items()}
    assert kinds["valid"] == kinds["deepest-allowed"] == kinds["colons-in-strings"] == "value"
    assert kinds["duplicate-deep"] == kinds["too-deep"] == kinds["unsafe-integer"] == "error"


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**60), max_value=2**60)
    | st.floats(allow_nan=False)
    | st.text(alphabet=st.characters(codec="utf-8"), max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(alphabet="ab:", max_size=3), children, max_size=4)
    ),
    max_leaves=30,
)


@settings(max_examples=200, deadline=None)
@given(JSON_VALUES)
def test_any_large_value_gets_the_strict_verdict(value: Any) -> None:
    text = padded('"v": ' + json.dumps(value))
    fast = strict_json._parse_plain(text)
    try:
        strict = strict_json._DECODER.decode(text)
    except ValueError:  # refused by the strict parse: the fast route must have doubted it
        assert fast is strict_json._DOUBT
        return
    assert fast is strict_json._DOUBT or fast == strict
