"""The typed decoder's Structs (codegen/structs.py): what the schema states is on the type, ECMA
patterns keep their meaning, and what the generator cannot spell fails generation by name."""

from __future__ import annotations

import copy
import json
import sys
import types
from pathlib import Path
from typing import Any

import msgspec
import pytest

from codegen.errors import GenerationFailed
from codegen.render import GeneratorVersions, Renderer
from codegen.schemas import SchemaFile
from codegen.structs import struct_module

ROOT = Path(__file__).resolve().parent.parent
PUBLISH = json.loads((ROOT / "schema" / "message" / "1.1" / "publish.json").read_text())


def schema_file(document: dict[str, Any], version: str = "1.1") -> SchemaFile:
    path = f"schema/message/{version}/publish.json"
    return SchemaFile(version, "publish", path, json.dumps(document), document)


def rendered(document: dict[str, Any]) -> dict[str, Any]:
    """The module `make generate` would write for `document`, loaded."""
    files = [schema_file(document)]
    renderer = Renderer(GeneratorVersions.installed())
    text = renderer.structs_module(struct_module(files), files)
    # msgspec resolves the (postponed) annotations in the module the class says it is from
    module = types.ModuleType("structs_for_test")
    sys.modules[module.__name__] = module
    exec(compile(text, "<generated>", "exec"), module.__dict__)
    return module.__dict__


def message(**changes: Any) -> bytes:
    body: dict[str, Any] = {
        "id": "0d3d8132-07cb-41ee-bcc3-840b8d5e77d6",
        "metadata": {"priority": "high", "timestamp": 5, "version": "1.1"},
        "headers": {"request_id": "r-1"},
        "task": "tasks.record",
        "args": [],
        "kwargs": {},
    }
    body.update(changes)
    return json.dumps(body).encode()


@pytest.fixture(scope="module")
def module() -> dict[str, Any]:
    return rendered(PUBLISH)


def test_a_canonical_message_decodes(module: dict[str, Any]) -> None:
    typed = module["DECODER"].decode(message())
    assert typed.metadata.priority == "high" and typed.metadata.eta is msgspec.UNSET
    assert typed.members() == 6 + 3
    assert typed.passes_post_check(True) and typed.passes_post_check(False)


@pytest.mark.parametrize(
    "changes",
    [
        {"headers": {"request_id\n": "x"}},  # ECMA `$`: no match before a final newline
        {"task": "tasks.record\n" + "x" * 300},
        {"headers": {"a..b": "x"}},
        {"headers": {"a": ""}},
        {"headers": {"a": 1}},
        {"metadata": {"priority": "urgent", "timestamp": 5, "version": "1.1"}},
        {"metadata": {"priority": "high", "timestamp": -1, "version": "1.1"}},
        {"metadata": {"priority": "high", "timestamp": 5.0, "version": "1.1"}},
        {"metadata": {"priority": "high", "timestamp": 2**53, "version": "1.1"}},
        {"metadata": {"priority": "high", "timestamp": 5, "version": "1.1", "eta": None}},
        {"metadata": {"priority": "high", "timestamp": 5, "version": "1.1", "x": 1}},
        {"metadata": {"priority": "high", "timestamp": 5, "version": "9.9"}},
        {"extra": 1},
    ],
)
def test_the_decoder_refuses_what_the_schema_refuses(
    module: dict[str, Any], changes: dict[str, Any]
) -> None:
    with pytest.raises(msgspec.ValidationError):
        module["DECODER"].decode(message(**changes))


def test_property_names_not_is_left_to_the_post_check(module: dict[str, Any]) -> None:
    typed = module["DECODER"].decode(message(headers={"Amazon.trace": "x"}))
    assert not typed.passes_post_check(True)


@pytest.mark.parametrize(
    "changes",
    [
        {"task": "a\u0000b"},
        {"task": "a\bb"},
        {"task": "a\ufffeb"},
        {"headers": {"a": "x\u000cy"}},
        {"headers": {"a": "ok", "b": "x\u001fy"}},
    ],
)
def test_forbidden_characters_are_left_to_the_post_check_of_a_body_that_is_not_plain(
    module: dict[str, Any], changes: dict[str, Any]
) -> None:
    """The decoder takes these; the post-check refuses them, since their bodies spell the
    characters with a backslash (or would hold them raw, which is not ASCII)."""
    typed = module["DECODER"].decode(message(**changes))
    assert not typed.passes_post_check(False)


def test_a_class_holding_a_printable_character_stays_on_the_type() -> None:
    document = _with(("properties", "task", "pattern"), "^[^a]+$")
    with pytest.raises(msgspec.ValidationError, match="task"):
        rendered(document)["DECODER"].decode(message())
    assert struct_module([schema_file(document)]).character_checks == [
        ("self.headers.values()", _CONTROL_CLASS)
    ]
    assert struct_module([schema_file(PUBLISH)]).character_checks == [
        ("self.headers.values()", _CONTROL_CLASS),
        ("(self.task,)", _CONTROL_CLASS),
    ]


_CONTROL_CLASS = 'r"[\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\uD800-\\uDFFF\\uFFFE\\uFFFF]"'


def _without(path: tuple[str, ...]) -> dict[str, Any]:
    document = copy.deepcopy(PUBLISH)
    target = document
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return document


def _with(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    document = copy.deepcopy(PUBLISH)
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return document


@pytest.mark.parametrize(
    ("document", "named"),
    [
        (_with(("properties", "task", "format"), "uri"), "task"),
        (_with(("properties", "args", "items"), {"type": "string"}), "args"),
        (_with(("properties", "id", "pattern"), "^(?=a)"), "(?"),
        (_without(("additionalProperties",)), "additionalProperties"),
        (_without(("required",)), "required"),
        (_with(("$defs", "Metadata", "properties", "version", "enum"), ["2.0"]), "version"),
    ],
)
def test_what_it_cannot_spell_fails_generation(document: dict[str, Any], named: str) -> None:
    with pytest.raises((GenerationFailed, ValueError), match=named.replace("(", r"\(")):
        struct_module([schema_file(document)])


def test_versions_must_share_the_top_level_object() -> None:
    older = _with(("properties", "task", "maxLength"), 128)
    older["$defs"]["Metadata"]["properties"]["version"]["enum"] = ["1.0"]
    with pytest.raises(GenerationFailed, match="top-level object differs"):
        struct_module([schema_file(older, "1.0"), schema_file(PUBLISH)])
