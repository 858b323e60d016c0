"""Hostile bodies at the codec: refused with a ValidationError naming a path, nothing else."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings

from taskhawk import wire
from taskhawk.exceptions import ValidationError
from tests.support.hostile import GOOD, corpus, hostile_bodies

UNREGISTERED_TASKS = {"unknown-task", "import-path-task", "dunder-task"}


@pytest.mark.parametrize(("name", "body"), corpus(), ids=[name for name, _ in corpus()])
def test_corpus_is_refused_or_names_an_unregistered_task(name: str, body: str | bytes) -> None:
    if name in UNREGISTERED_TASKS:
        assert wire.decode(body).task != GOOD["task"]  # valid shape; the registry refuses it
        return
    with pytest.raises(ValidationError) as caught:
        wire.decode(body)
    assert caught.value.path.startswith("$"), caught.value


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_bodies())
def test_random_bodies_never_escape_as_anything_but_validation_error(body: str | bytes) -> None:
    try:
        message = wire.decode(body)
    except ValidationError as error:
        assert error.path.startswith("$") and error.reason
        return
    assert json.loads(wire.encode(message))["id"] == message.id  # accepted ones are canonical


def test_nesting_is_bounded_without_recursion() -> None:
    with pytest.raises(ValidationError, match="nested deeper"):
        wire.decode("[" * 100_000 + "]" * 100_000)
