"""Hooks referenced by dotted path from settings in tests."""

from __future__ import annotations

from typing import Any

calls: list[tuple[str, dict[str, Any]]] = []


def default_headers(task: Any) -> dict[str, str]:
    return {"from_hook": task.name}


def pre_process(**kwargs: Any) -> None:
    calls.append(("pre", kwargs))


def post_process(**kwargs: Any) -> None:
    calls.append(("post", kwargs))
