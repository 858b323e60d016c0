"""A task whose argument is large; it records its size (not the text) in $TASKHAWK_IT_STATE."""

from __future__ import annotations

from taskhawk import task
from tests.integration.tasks import record


@task(name="it.measure")
def measure(text: str, token: str, fail: bool = False) -> None:
    record("measured", token, size=len(text))
    if fail:
        raise ValueError("failed on purpose")
