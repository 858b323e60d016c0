"""A mypy plugin: `dispatch` takes the task function's parameters less those the consumer fills.

`Task[P, R].dispatch` is typed `(*args: P.args, **kwargs: P.kwargs)`, the function's own
parameters, and a ParamSpec cannot drop one: `def charge(order_id: int, metadata: Metadata)`
would need `charge.dispatch(7, metadata=...)`, which the runtime refuses (the consumer passes
`metadata` and `headers` itself). With `plugins = ["taskhawk.mypy_plugin"]` in the mypy
configuration, mypy checks `charge.dispatch(7)` as the runtime does. Without the plugin (or with
another type checker), give the parameter a default: `metadata: Metadata | None = None`.
"""

from __future__ import annotations

from collections.abc import Callable

from mypy.plugin import MethodSigContext, Plugin
from mypy.types import FunctionLike

from taskhawk.arguments import INJECTED

__all__ = ["TaskhawkPlugin", "plugin"]

_DISPATCH = frozenset({"taskhawk.task.Task.dispatch", "taskhawk.task.Invocation.dispatch"})


class TaskhawkPlugin(Plugin):
    def get_method_signature_hook(
        self, fullname: str
    ) -> Callable[[MethodSigContext], FunctionLike] | None:
        return _without_injected if fullname in _DISPATCH else None


def _without_injected(ctx: MethodSigContext) -> FunctionLike:
    """The signature with the parameters named `metadata` and `headers` left out: the names the
    consumer passes them by, whatever their kind or position."""
    signature = ctx.default_signature
    kept = [i for i, name in enumerate(signature.arg_names) if name not in INJECTED]
    if len(kept) == len(signature.arg_names):
        return signature
    return signature.copy_modified(
        arg_types=[signature.arg_types[i] for i in kept],
        arg_kinds=[signature.arg_kinds[i] for i in kept],
        arg_names=[signature.arg_names[i] for i in kept],
    )


def plugin(version: str) -> type[Plugin]:
    """mypy's entry point."""
    return TaskhawkPlugin
