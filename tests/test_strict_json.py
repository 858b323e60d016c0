"""The fast route for large bodies gives the strict parser's verdicts, word for word."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taskhawk.exceptions import ValidationError
from taskhawk.wire import strict_json
from taskhawk.wire.json_values import MAX_DEPTH

PAD = '"pad": "' + "p" * strict_json._PLAIN_PARSE_MIN_CHARS + '"'


def padded(members: str) -> str:
    """An object with `members` and a long string, so the fast route is taken."""
    return "{" + (f"{members}, " if members else "") + PAD + "}"


def nested(levels: int) -> str:
    """`levels` nested objects and arrays in all, counting the padded outer object."""
    return padded('"n": ' + "[" * (levels - 1) + "]" * (levels - 1))


def verdict(text: str, strict_only: bool = False) -> Any:
    """What parse_strict says: ("value", data) or ("error", path, reason)."""
    saved = strict_json._PLAIN_PARSE_MIN_CHARS
    if strict_only:
        strict_json._PLAIN_PARSE_MIN_CHARS = 10**9
    try:
        return ("value", strict_json.parse_strict(text))
    except ValidationError as error:
        return ("error", error.path, error.reason)
    finally:
        strict_json._PLAIN_PARSE_MIN_CHARS = saved


def fast_route_taken(text: str) -> bool:
    return strict_json._parse_plain(text) is not strict_json._DOUBT


CASES = {
    "valid": padded('"a": {"b": [1, 2.5, true, null, "x"]}'),
    "colons-in-strings": padded('"url": "https://example.com:443/a:b", "at": "12:30"'),
    "duplicate-at-root": padded('"a": 1, "a": 2'),
    "duplicate-deep": padded('"a": [{"b": 1, "b": 1}]'),
    "duplicate-hidden-by-colon-in-string": padded('"a": "x:y", "a": 1'),
    "duplicate-key-with-colon": padded('"a:b": 1, "a:b": 2'),
    "duplicate-hidden-by-escaped-colon": padded('"a": "\\u003a", "a": 1'),
    "escaped-colon": padded('"a": "\\u003a"'),
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
    "bare-unsafe-integer": " " * 2000 + str(2**60),
    "bare-float-overflow": " " * 2000 + "1e400",
    "bare-number": " " * 2000 + "12",
}
ACCEPTED_FAST = ["valid", "colons-in-strings", "safe-integer-limit", "deepest-allowed", "array"]


@pytest.mark.parametrize("text", CASES.values(), ids=CASES.keys())
def test_large_bodies_get_the_strict_verdict(text: str) -> None:
    assert len(text) >= strict_json._PLAIN_PARSE_MIN_CHARS
    assert verdict(text) == verdict(text, strict_only=True)


def test_the_cases_cover_both_verdicts_and_the_fast_route() -> None:
    kinds = {name: verdict(text, strict_only=True)[0] for name, text in CASES.items()}
    assert {name for name, kind in kinds.items() if kind == "value"} == {
        *ACCEPTED_FAST,
        "escaped-colon",
        "string",
        "bare-number",
    }
    assert all(fast_route_taken(CASES[name]) for name in ACCEPTED_FAST)
    refused = [name for name, kind in kinds.items() if kind == "error"]
    assert not any(fast_route_taken(CASES[name]) for name in refused)


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**60), max_value=2**60)
    | st.floats(allow_nan=False)
    | st.text(alphabet='ab:\\u"é', max_size=6),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(alphabet="ab:", max_size=3), children, max_size=4)
    ),
    max_leaves=30,
)
KEYS = st.sampled_from(["a", "b", "a:b", ":", "\\u0061", "\\u003a"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(KEYS, JSON_VALUES), max_size=6), st.booleans())
def test_any_large_object_gets_the_strict_verdict(
    members: list[tuple[str, Any]], nest: bool
) -> None:
    """Objects written member by member, so keys repeat (written raw, so escapes stay)."""
    body = ", ".join(f'"{key}": {json.dumps(value)}' for key, value in members)
    text = padded(f'"inner": {{{body}}}' if nest else body)
    strict = verdict(text, strict_only=True)
    assert verdict(text) == strict
    if strict[0] == "value" and "\\u" not in text:
        assert fast_route_taken(text)
    if strict[0] == "error":
        assert not fast_route_taken(text)


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        ('{"a": "\\ud800"}', True),  # a lone escape, lower case
        ('{"a": "\\uDBFF x"}', True),  # upper case
        ('{"\\udc00": 1}', True),  # in a key
        ('{"a": "\\ud83d\\ude00"}', False),  # a pair is one character
        ('{"a": "\\u00e9 \\\\u"}', False),  # escapes, none of a surrogate
        ('{"a": "caf\u00e9"}', False),  # not ASCII, no surrogate
        ('{"a": "\\\\ud800"}', False),  # an escaped backslash, then letters
    ],
)
def test_unpaired_surrogates_are_found_whatever_the_text_looks_like(
    text: str, refused: bool
) -> None:
    data = json.loads(text)
    if refused:
        with pytest.raises(ValidationError, match="unpaired UTF-16 surrogate"):
            strict_json.check_unicode_text(text, data)
    else:
        strict_json.check_unicode_text(text, data)


def test_a_surrogate_in_a_python_str_is_found() -> None:
    text = '{"a": "\ud800"}'
    with pytest.raises(ValidationError, match="unpaired UTF-16 surrogate"):
        strict_json.check_unicode_text(text, {"a": "\ud800"})
