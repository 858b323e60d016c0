"""The typed pass (taskhawk.wire.fast_decode) against the strict path, which alone gives verdicts.

The fast path may decline anything (the strict path then runs), but what it accepts the strict
path must accept with the same value: same types, same order, same floats (compared by repr,
so 1 and 1.0, 0.0 and -0.0, true and 1 differ). `decode` must then agree with `decode_strict`
in verdict, path and reason on every body. Bodies: the contract vectors, the hostile corpus,
hypothesis' hostile bodies, instances of the publish schemas and messages with random values
and textual mutations aimed at what the typed decoder cannot see (duplicate keys, escapes,
unsafe numbers, depth, lone surrogates).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from taskhawk import wire
from taskhawk.exceptions import ValidationError
from taskhawk.wire.codec import body_text, decode_strict
from taskhawk.wire.fast_decode import fast_decode
from taskhawk.wire.json_values import MAX_DEPTH
from tests.support.hostile import GOOD, corpus, hostile_bodies
from tools.conformance.corpus import load_corpus, payload

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
VECTORS = load_corpus().cases("required", "decisions")


def outcome(decoder: Any, body: str | bytes) -> tuple[str, ...]:
    try:
        return ("accepted", repr(decoder(body)))
    except ValidationError as error:
        return ("refused", error.path, error.reason)


def check(body: str | bytes) -> bool:
    """Assert the two paths agree on `body`; return whether the fast path took it."""
    strict = outcome(decode_strict, body)
    assert outcome(wire.decode, body) == strict
    try:
        text = body_text(body)  # what `decode` does before either path
    except ValidationError:
        return False
    fast = fast_decode(text)
    if fast is None:
        return False
    assert strict == ("accepted", repr(fast)), text[:500]
    return True


@pytest.mark.parametrize("case", VECTORS, ids=lambda case: case.id)
def test_contract_vectors(case: Any) -> None:
    check(payload(case))


def test_fast_path_takes_the_canonical_vectors() -> None:
    """Not vacuous: accepted canonical bodies (args present, integer timestamp, string headers)
    do go through the typed pass."""
    taken = [check(payload(case)) for case in VECTORS if case.data["valid"]]
    assert sum(taken) >= 20


@pytest.mark.parametrize(("name", "body"), corpus(), ids=[name for name, _ in corpus()])
def test_hostile_corpus(name: str, body: str | bytes) -> None:
    check(body)


@EXAMPLES
@given(hostile_bodies())
def test_hostile_bodies(body: str | bytes) -> None:
    check(body)


@cache
def publish_instances(version: str) -> st.SearchStrategy[Any]:
    path = ROOT / "schema" / "message" / version / "publish.json"
    return from_schema(json.loads(path.read_text()), codec=None)


@pytest.mark.parametrize("version", ["1.0", "1.1"])
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data(), ascii_only=st.booleans())
def test_publish_instances(version: str, data: st.DataObject, ascii_only: bool) -> None:
    instance = data.draw(publish_instances(version))
    body = json.dumps(instance, ensure_ascii=ascii_only)
    if check(body) is False:
        with pytest.raises(ValidationError):  # declined only what the strict path refuses
            decode_strict(body)


_KEYS = st.text(alphabet='aZ_.-:é\\"\U0001f600', max_size=6)
_SAFE = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=st.characters(codec="utf-8"), max_size=6)
)
_ODD = st.sampled_from([2**53, -(2**53), 2**63, float("inf"), float("nan"), "\ud800", 1e308])


def _json_values(scalars: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=3),
        max_leaves=12,
    )


_TIMES = st.integers(min_value=0, max_value=2**53 - 1)
_ODD_TIMES = st.sampled_from([-1, 2**53, 1.0, 5e12])
_HEADER_NAMES = st.from_regex(r"[A-Za-z0-9_-]{1,4}(\.[a-z]{1,3})?", fullmatch=True)


def rarely(draw: st.DrawFn, usual: st.SearchStrategy[Any], odd: st.SearchStrategy[Any]) -> Any:
    """Mostly a value that keeps the message valid, so mutations meet the typed pass."""
    return draw(odd if draw(st.integers(0, 7)) == 0 else usual)


@st.composite
def messages(draw: st.DrawFn) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(json.dumps(GOOD))
    metadata = message["metadata"]
    metadata["version"] = rarely(draw, st.sampled_from(["1.0", "1.1"]), st.just("1.2"))
    priorities = st.sampled_from(["default", "high", "bulk"])
    metadata["priority"] = rarely(draw, priorities, st.just("Low"))
    metadata["timestamp"] = rarely(draw, _TIMES, _ODD_TIMES)
    if metadata["version"] != "1.0":
        for name in draw(st.sets(st.sampled_from(["eta", "expires"]))):
            metadata[name] = rarely(draw, _TIMES, _ODD_TIMES)
    names = rarely(draw, _HEADER_NAMES, _KEYS | st.sampled_from(["AWS.x", "taskhawk_x", "a.", ""]))
    message["headers"] = draw(st.dictionaries(st.just(names), st.text(min_size=1, max_size=4)))
    message["task"] = draw(st.text(max_size=4).map(lambda text: "t" + text))
    values = _json_values(rarely(draw, st.just(_SAFE), st.just(_SAFE | _ODD)))
    message["args"] = draw(st.lists(values, max_size=3))
    message["kwargs"] = draw(st.dictionaries(_KEYS, values, max_size=3))
    return message


def _prepend(text: str, opening: str, members: str) -> str:
    """`members` first in the object that `opening` starts."""
    start = text.index(opening) + len(opening)
    comma = "" if text[start] == "}" else ","
    return text[:start] + members + comma + text[start:]


def _deepen(text: str, depth: int) -> str:
    return text.replace('"args":[', '"args":[' + "[" * depth, 1).replace(
        ',"kwargs"', "]" * depth + ',"kwargs"', 1
    )


MUTATIONS = [
    lambda text: text,
    lambda text: text.replace('"task":', '"task":"x","task":', 1),
    lambda text: _prepend(text, '"kwargs":{', '"a":1,"a":1'),
    lambda text: _prepend(text, '"headers":{', '"h":"1","h":"2"'),
    lambda text: text.replace('"priority":', '"priority":"high","priority":', 1),
    lambda text: text.replace('"args":[', '"args":["\\u003a",', 1),
    lambda text: text.replace('"args":[', '"args":["a:b",', 1),
    lambda text: _prepend(text, '"kwargs":{', '"\\u003a":1,"\\u003a":2'),
    lambda text: _prepend(text, '"kwargs":{', '"\\u003A":1,"\\u003A":2'),
    lambda text: text.replace('"args":[', '"args":["\\ud83d\\ude00","\\udead",', 1),
    lambda text: text.replace('"args":[', '"args":[1e400,', 1),
    lambda text: text.replace('"args":[', '"args":[-0,1.0,1E2,', 1),
    lambda text: text.replace('"args":[', '"args":[' + "9" * 30 + ",", 1),
    lambda text: text.replace('"id":', '"id":"0d3d8132-07cb-41ee-bcc3-840b8d5e77d6","id":', 1),
    lambda text: text.replace('"version":', '"version":"1.0","version":', 1),
    lambda text: _deepen(text, MAX_DEPTH - 2),
    lambda text: _deepen(text, MAX_DEPTH - 1),
    lambda text: text + " \n",
    lambda text: text + "x",
    lambda text: text.replace(",", ", ").replace(":", " : "),
    lambda text: text.replace('"args":[1]', '"args":[1],"args":[1]', 1),
]


@settings(EXAMPLES, max_examples=500)
@given(messages(), st.sampled_from(range(len(MUTATIONS))), st.booleans())
def test_mutated_messages(message: dict[str, Any], mutation: int, ascii_only: bool) -> None:
    text = json.dumps(message, ensure_ascii=ascii_only, separators=(",", ":"))
    check(MUTATIONS[mutation](text))


def test_the_typed_pass_declines_what_it_cannot_see() -> None:
    """Each of these is refused by the strict path; the typed decoder alone would take it."""
    good = json.dumps(GOOD, separators=(",", ":"))
    assert fast_decode(good) is not None
    for mutation in (1, 2, 3, 7, 8, 10, 12, 16):
        body = MUTATIONS[mutation](good)
        assert fast_decode(body) is None, body
        assert outcome(decode_strict, body)[0] == "refused", body
    surrogate = good.replace('"args":[', '"args":["\ud800",')  # the character, not an escape
    assert fast_decode(surrogate) is None and outcome(decode_strict, surrogate)[0] == "refused"
    headers = good.replace('"request_id"', '"AWS.trace"')
    assert fast_decode(headers) is None and outcome(decode_strict, headers)[0] == "refused"
