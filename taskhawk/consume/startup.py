"""What a worker process does before it consumes: find the settings, set Django up, import tasks.

The same steps run in the parent (so a mistake fails the command once, with one line) and in
every consumer process, which starts from a fresh interpreter.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from taskhawk.exceptions import ConfigurationError
from taskhawk.importing import import_user_module
from taskhawk.settings import Settings, clear_cache, get_settings

__all__ = ["prepare_process", "setup_django"]


def prepare_process(
    paths: Sequence[str], settings_module: str | None, imports: Sequence[str]
) -> tuple[Settings, list[str]]:
    """Put `paths` on sys.path, read the settings, set Django up when its settings are in use,
    import the task modules (the setting's, then `imports`); the settings and the modules."""
    for path in reversed(paths):
        if path not in sys.path:
            sys.path.insert(0, path)
    if settings_module:
        os.environ["SETTINGS_MODULE"] = settings_module
        clear_cache()
    settings = get_settings()
    _ = settings.app_queue  # required: a missing one fails here, naming the setting
    if settings.source == "Django settings":
        setup_django()
    modules = list(dict.fromkeys((*settings.taskhawk_task_modules, *imports)))
    for module in modules:
        import_user_module(module, f"task module {module}")
    return settings, modules


def setup_django() -> None:
    """`django.setup()`, as manage.py would: task modules may import models, which needs the
    app registry ready. It also applies the project's LOGGING."""
    try:
        import django  # noqa: PLC0415 - only when Django settings are in use
    except ImportError as error:  # DJANGO_SETTINGS_MODULE set without Django installed
        raise ConfigurationError(f"DJANGO_SETTINGS_MODULE is set but {error}") from None
    try:
        django.setup()
    except Exception as error:  # a broken settings module or app: one line, exit 2
        raise ConfigurationError(
            f"django.setup() failed: {type(error).__name__}: {error}"
        ) from None
