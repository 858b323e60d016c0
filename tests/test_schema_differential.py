"""The generated validators against the reference oracle, on instances hypothesis derives from
the schemas and on mutations of them.

The oracle is `jsonschema.Draft202012Validator` with one keyword swapped: `pattern` is run by
regress, an ECMA-262 engine, because JSON Schema patterns are ECMA-262 and Python's `re` reads
`$` differently (it also matches before a final newline). Where plain `jsonschema` disagrees
with the oracle, the instance must hold such a string; every other verdict is compared as is.
"""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import regress
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from taskhawk import wire
from taskhawk._generated import FORMAT_VERSIONS

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("publish", "consume")
VERSION = FORMAT_VERSIONS["1.0"]
GENERATED = {
    "publish": (VERSION.validate_publish, VERSION.iter_errors_publish),
    "consume": (VERSION.validate_consume, VERSION.iter_errors_consume),
}
EXAMPLES = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def load_schema(kind: str) -> dict[str, Any]:
    return json.loads((ROOT / "schema" / "message" / "1.0" / f"{kind}.json").read_text())


def ecma_search(pattern: str, text: str) -> bool:
    try:
        return _ecma(pattern).find(text) is not None
    except UnicodeEncodeError:
        # regress takes UTF-8 only; a lone surrogate cannot be passed. Python's `re` agrees with
        # ECMA-262 (Unicode mode) on such strings except for `$`, made strict here.
        return re.search(re.sub(r"(?<!\\)\$", r"\\Z", pattern), text) is not None


@cache
def _ecma(pattern: str) -> regress.Regex:
    return regress.Regex(pattern)


def _ecma_pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Any:
    if validator.is_type(instance, "string") and not ecma_search(pattern, instance):
        yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")


EcmaValidator = jsonschema.validators.extend(
    jsonschema.Draft202012Validator, validators={"pattern": _ecma_pattern}
)


@cache
def oracle(kind: str) -> Any:
    checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
    return EcmaValidator(load_schema(kind), format_checker=checker)


@cache
def instances(kind: str) -> st.SearchStrategy[Any]:
    """Built once: resolving a schema into a strategy costs far more than drawing from it."""
    return from_schema(load_schema(kind), codec=None)


@cache
def plain_jsonschema(kind: str) -> Any:
    return jsonschema.Draft202012Validator(load_schema(kind))


def has_string_ending_in_newline(value: Any) -> bool:
    if isinstance(value, str):
        return value.endswith("\n")
    if isinstance(value, dict):
        return any(has_string_ending_in_newline(k) or has_string_ending_in_newline(v)
                   for k, v in value.items())  # fmt: skip
    if isinstance(value, list):
        return any(map(has_string_ending_in_newline, value))
    return False


def generated_verdict(kind: str, instance: Any) -> bool:
    """The generated module's verdict; `validate` and `iter_errors` must tell the same story."""
    validate, iter_errors = GENERATED[kind]
    errors = list(iter_errors(instance))
    try:
        validate(instance)
    except ValueError as error:
        assert errors, f"validate raised {error!r} but iter_errors found nothing"
        assert str(error) == str(errors[0])
        return False
    assert not errors, f"validate accepted, iter_errors found {errors}"
    return True


def assert_same_verdict(kind: str, instance: Any) -> None:
    expected = oracle(kind).is_valid(instance)
    assert generated_verdict(kind, instance) == expected, (kind, instance)
    if plain_jsonschema(kind).is_valid(instance) != expected:
        assert has_string_ending_in_newline(instance), instance


@pytest.mark.parametrize("kind", KINDS)
@EXAMPLES
@given(data=st.data())
def test_instances_of_the_schema_are_accepted(kind: str, data: st.DataObject) -> None:
    instance = data.draw(instances(kind))
    if not oracle(kind).is_valid(instance):
        # hypothesis reads `$` as Python does and may end a string with "\n"; ECMA does not.
        assert has_string_ending_in_newline(instance)
        assert not generated_verdict(kind, instance)
        return
    assert generated_verdict(kind, instance)


NAMES = ["AWS.x", "aws.x", "Amazon.y", "AMAZON.y", "taskhawk_task", "TaskHawk_x", "a\n",
         ".a", "a.", "a..b", "a b", "", "x" * 257, "ok.name", "é", "a-b_c.d", "amazon",
         "awsx"]  # fmt: skip
STRINGS = ["", "\n", "x\n", "\x00", "\ud800", "\U0001f600", "\ufffe", "\t", "A" * 300, "1.0",
           "2018-04-27T10:00:00Z", "2018-04-27T10:00:00Z\n",
           "B1328174-A21C-43D3-B303-964DFCC76EFC"]  # fmt: skip
VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    1.0,
    1.5,
    2**53,
    2**53 - 1,
    "s",
    [],
    {},
    [1],
    {"a": 1},
]


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found.extend(_paths(child, (*prefix, key)))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found.extend(_paths(child, (*prefix, index)))
    return found


def _set(instance: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    parent = instance
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return instance


@st.composite
def mutated(draw: st.DrawFn, kind: str) -> Any:
    """One schema instance with one or two changes of the kinds that break messages in practice."""
    instance = copy.deepcopy(draw(instances(kind)))
    for _ in range(draw(st.integers(1, 2))):
        paths = _paths(instance)
        path = draw(st.sampled_from(paths))
        target: Any = instance
        for step in path:
            target = target[step]
        action = draw(st.sampled_from(["value", "string", "drop", "add", "header", "number"]))
        if action == "value":
            instance = _set(instance, path, draw(st.sampled_from(VALUES)))
        elif action == "string":
            text = target if isinstance(target, str) else ""
            changed = draw(
                st.sampled_from([text.upper(), text + "\n", text[1:], text + "x", *STRINGS])
            )
            instance = _set(instance, path, changed)
        elif action in ("drop", "add") and isinstance(target, dict):
            if action == "drop" and target:
                del target[draw(st.sampled_from(sorted(target)))]
            else:
                target[draw(st.sampled_from(["extra", "id", "args", "a b", *NAMES]))] = "x"
        elif action == "header" and isinstance(instance, dict):
            headers = instance.get("headers")
            if isinstance(headers, dict):
                headers[draw(st.sampled_from(NAMES))] = draw(
                    st.sampled_from(["v", 7, True, None, ""])
                )
        elif action == "number":
            instance = _set(instance, path, draw(st.sampled_from([-1, 0, 1.0, 0.5, 2**53, True])))
    return instance


@pytest.mark.parametrize("kind", KINDS)
@EXAMPLES
@given(data=st.data())
def test_mutated_instances_get_the_oracles_verdict(kind: str, data: st.DataObject) -> None:
    assert_same_verdict(kind, data.draw(mutated(kind)))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", NAMES)
def test_every_listed_header_name_gets_the_oracles_verdict(kind: str, name: str) -> None:
    instance = json.loads(SEED)
    instance["headers"] = {name: "v"}
    assert_same_verdict(kind, instance)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("value", [*STRINGS, *VALUES], ids=repr)
def test_every_listed_value_in_every_field_gets_the_oracles_verdict(kind: str, value: Any) -> None:
    for path in _paths(json.loads(SEED)):
        assert_same_verdict(kind, _set(json.loads(SEED), path, value))


@EXAMPLES
@given(instance=instances("publish"))
def test_messages_built_from_publish_instances_round_trip(instance: dict[str, Any]) -> None:
    if (
        not oracle("publish").is_valid(instance)
        or type(instance["metadata"]["timestamp"]) is not int
    ):
        return  # a "\n"-ended string (see above) or a 1.0 timestamp (decision integer-timestamp)
    try:
        message = wire.decode(json.dumps(instance))
    except ValueError as error:
        # Beyond the schema, the codec refuses numbers other languages misread (safe-integers)
        # and strings they read differently: a lone surrogate, in a key too (unicode-text).
        beyond = ("integers must stay within", "nested deeper", "unpaired UTF-16 surrogate")
        assert any(words in str(error) for words in beyond), error
        return
    assert wire.decode(wire.encode(message)) == message


SEED = json.dumps(
    {
        "id": "b1328174-a21c-43d3-b303-964dfcc76efc",
        "metadata": {"priority": "high", "timestamp": 1460868253255, "version": "1.0"},
        "headers": {"request_id": "95df01b4-ee98-5cb9-9903-4c221d41eb5e"},
        "task": "tasks.send_email",
        "args": ["email@example.com", "Hello!"],
        "kwargs": {"from_email": "spam@example.com"},
    }
)
