"""Whether a call's arguments fit a task's function, and if not, where and why.

One `Arguments` per task, built once when the task is declared: dispatch checks every call
against it (so a bad call is refused before anything is sent, not dead-lettered later by the
worker), and the consumer asks it why a call failed. Binding mirrors exactly what the consumer
does: the parameters it fills in (`metadata`, `headers`) are bound as it would pass them.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["INJECTED", "Arguments"]

INJECTED = ("metadata", "headers")
_QUOTED = re.compile(r"'([^']*)'")
_MAX_SHAPES = 64  # call shapes remembered per task; a task is called in a handful of ways


class Arguments:
    """The function's own signature (not one it wraps: a decorator may supply arguments)."""

    __slots__ = ("_fits", "_injected", "_max_positional", "_shape", "_signature", "task_name")

    def __init__(self, fn: Callable[..., Any], task_name: str, injected: Sequence[str]) -> None:
        self.task_name = task_name
        self._signature = inspect.signature(fn, follow_wrapped=False)
        self._injected = {name: None for name in injected}
        parameters = self._signature.parameters.values()
        positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        self._max_positional = sum(1 for p in parameters if p.kind in positional)
        self._shape = _shape(task_name, self._signature)
        self._fits: set[tuple[Any, ...]] = set()

    def injected_in(self, kwargs: Mapping[str, Any]) -> str | None:
        """A keyword the caller gave that names a parameter the consumer fills in."""
        return next((name for name in self._injected if name in kwargs), None)

    def problem(self, args: Sequence[Any], kwargs: Mapping[str, Any]) -> tuple[str, str] | None:
        """(JSON path, reason) when the call cannot bind, None when it can.

        Whether a call binds depends only on how many positional arguments it has and which
        keywords it names, never on their values: a shape that bound once is remembered and
        not bound again (binding is most of what dispatch spends on a call's arguments)."""
        shape = (len(args), *kwargs)
        if shape in self._fits:
            return None
        injected = self.injected_in(kwargs)
        if injected is not None:
            return f"$.kwargs.{injected}", f"is filled in by the consumer of {self.task_name}"
        try:
            self._signature.bind(*args, **kwargs, **self._injected)
        except TypeError as error:
            return self._explain(str(error), args, kwargs)
        if len(self._fits) < _MAX_SHAPES:
            self._fits.add(shape)
        return None

    def _explain(
        self, error: str, args: Sequence[Any], kwargs: Mapping[str, Any]
    ) -> tuple[str, str]:
        reason = f"arguments do not fit {self._shape}: {error}"
        quoted = _QUOTED.search(error)
        name = quoted[1] if quoted is not None else None
        parameters = self._signature.parameters
        if name in self._injected and name in parameters and name not in kwargs:
            # a positional argument took the place of what the consumer fills in
            position = list(parameters).index(name)
            detail = f"{name!r} is filled in by the consumer: at most {position} positional"
            return f"$.args[{position}]", f"arguments do not fit {self._shape}: {detail} arguments"
        if error.startswith("too many positional") and len(args) > self._max_positional:
            return f"$.args[{self._max_positional}]", reason
        if name is not None and "missing" not in error:  # unexpected, twice, positional-only
            return f"$.kwargs.{name}", reason
        return "$", reason


def _shape(task_name: str, signature: inspect.Signature) -> str:
    """`tasks.send_email(to, subject, *, from_email=...)`: names only, short enough for a log
    line and a dead-letter reason."""
    parts: list[str] = []
    keyword_only_started = False
    for parameter in signature.parameters.values():
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY and not keyword_only_started:
            parts.append("*")
            keyword_only_started = True
        if parameter.kind is inspect.Parameter.VAR_KEYWORD:
            parts.append(f"**{parameter.name}")
        elif parameter.kind is inspect.Parameter.VAR_POSITIONAL:
            parts.append(f"*{parameter.name}")
            keyword_only_started = True
        else:
            default = "" if parameter.default is inspect.Parameter.empty else "=..."
            parts.append(f"{parameter.name}{default}")
    return f"{task_name}({', '.join(parts)})"
