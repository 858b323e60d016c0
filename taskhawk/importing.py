"""Importing the user's modules (settings, tasks) and saying in one line why one cannot be.

A settings module with a syntax error, a task module that raises at import, or a file name given
where a module name is expected are configuration errors: the command exits 2 with this line
instead of a traceback.
"""

from __future__ import annotations

import importlib
import sysconfig
import traceback
from types import ModuleType

from taskhawk.exceptions import ConfigurationError

__all__ = ["import_user_module"]


def import_user_module(name: str, what: str) -> ModuleType:
    """The module `name`; ConfigurationError starting with `what` ("task module tasks") and
    saying where it failed when it cannot be imported."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        hint = _hint(name, error)
        raise ConfigurationError(f"{what} cannot be imported: {error}{hint}") from None
    except Exception as error:  # the module itself raised: a syntax error, a NameError, ...
        hint = _DJANGO_HINT if type(error).__name__ in _DJANGO_NOT_READY else ""
        raise ConfigurationError(f"{what} cannot be imported: {_where(error)}{hint}") from None


_DJANGO_NOT_READY = frozenset({"AppRegistryNotReady", "ImproperlyConfigured"})
_DJANGO_HINT = (
    "; a Django project? set DJANGO_SETTINGS_MODULE, and the worker runs django.setup() first"
)
# Frames in these directories are Python's or an installed package's, not the user's code.
_NOT_USER_CODE = tuple(
    sysconfig.get_paths()[name] for name in ("stdlib", "platstdlib", "purelib", "platlib")
)


def _hint(name: str, error: ModuleNotFoundError) -> str:
    if error.name != name and not name.startswith(f"{error.name}."):
        return ""  # the module exists; something it imports does not
    if name.endswith(".py"):
        return f" (give a module name, not a file name: {name.removesuffix('.py')})"
    return " (check the name, and that its directory is on the Python path)"


def _where(error: Exception) -> str:
    """`SyntaxError: invalid syntax (settings.py, line 3)`: the error and its place in the
    user's code, the innermost frame outside Python's and installed packages' files."""
    if isinstance(error, SyntaxError):
        return f"SyntaxError: {error.msg} ({error.filename}, line {error.lineno})"
    frames = traceback.extract_tb(error.__traceback__)
    user = [
        frame
        for frame in frames
        if not frame.filename.startswith(_NOT_USER_CODE) and "<frozen" not in frame.filename
    ]
    place = f" ({user[-1].filename}, line {user[-1].lineno})" if user else ""
    return f"{type(error).__name__}: {error}{place}"
