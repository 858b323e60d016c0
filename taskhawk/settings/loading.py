"""Where the settings come from, read lazily: Django, SETTINGS_MODULE or `configure()`.

Importing taskhawk reads nothing. The first use looks, in this order, at Django settings (only
when Django is already configured or DJANGO_SETTINGS_MODULE is set: merely having Django or Flask
installed changes nothing), then at the module named by the SETTINGS_MODULE environment
variable, then at what `configure()` was given.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Mapping
from typing import Any

from taskhawk.exceptions import ConfigurationError
from taskhawk.importing import import_user_module
from taskhawk.settings.definitions import SETTING_NAMES, Settings

__all__ = ["clear_cache", "configure", "configured_source", "get_settings", "unconfigure"]

# The name users know from upstream and from the configuration page.
logger = logging.getLogger("taskhawk.settings")


class _State:
    """What `configure()` was given, and the Settings resolved from the winning source."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.configured: dict[str, Any] | None = None
        self.cached: Settings | None = None


_state = _State()


def configure(values: Mapping[str, Any] | object | None = None, **settings: Any) -> None:
    """Configure taskhawk explicitly, from a mapping, an object with attributes, or keywords."""
    given = _as_mapping(values) if values is not None else {}
    given.update(settings)
    with _state.lock:
        _state.configured = {name.upper(): value for name, value in given.items()}
        _state.cached = None


def unconfigure() -> None:
    """Forget what `configure()` was given (the pytest plugin undoes its own configuration)."""
    with _state.lock:
        _state.configured = None
        _state.cached = None


def clear_cache() -> None:
    """Forget the resolved settings (after changing Django settings or SETTINGS_MODULE)."""
    with _state.lock:
        _state.cached = None


def get_settings() -> Settings:
    cached = _state.cached
    if cached is not None:
        return cached
    with _state.lock:
        if _state.cached is None:
            _state.cached = _resolve()
        return _state.cached


def configured_source() -> str | None:
    """Where settings would be read from ("Django settings", "SETTINGS_MODULE=x",
    "configure()"), without reading them; None when nothing is configured."""
    if _django_in_use():
        return "Django settings"
    module_name = os.environ.get("SETTINGS_MODULE")
    if module_name:
        return f"SETTINGS_MODULE={module_name}"
    return "configure()" if _state.configured is not None else None


def _resolve() -> Settings:
    settings = _read()
    logger.debug(
        "settings read from %s", settings.source,
        extra={"settings_source": settings.source, "app_queue": settings.taskhawk_queue,
               "region": settings.aws_region, "sqs_endpoint": settings.aws_endpoint_sqs},
    )  # fmt: skip
    return settings


def _read() -> Settings:
    django_values = _from_django()
    if django_values is not None:
        return _build(django_values, "Django settings")
    module_name = os.environ.get("SETTINGS_MODULE")
    if module_name:
        module = import_user_module(module_name, f"SETTINGS_MODULE={module_name}")
        return _build(_as_mapping(module), f"SETTINGS_MODULE={module_name}")
    if _state.configured is not None:
        return _build(_state.configured, "configure()")
    raise ConfigurationError(
        "taskhawk is not configured: set SETTINGS_MODULE, configure Django settings, "
        "or call taskhawk.configure(...)"
    )


def _django_in_use() -> bool:
    if os.environ.get("DJANGO_SETTINGS_MODULE"):
        return True
    if "django.conf" not in sys.modules:
        return False
    # Django is imported only when it is in use: merely having it installed changes nothing.
    from django.conf import settings as django_settings  # noqa: PLC0415

    return bool(django_settings.configured)


def _from_django() -> dict[str, Any] | None:
    if not _django_in_use():
        return None
    from django.conf import settings as django_settings  # noqa: PLC0415 - only when in use

    return {
        name: getattr(django_settings, name)
        for name in SETTING_NAMES
        if hasattr(django_settings, name)
    }


def _as_mapping(values: Mapping[str, Any] | object) -> dict[str, Any]:
    if isinstance(values, Mapping):
        return {str(k).upper(): v for k, v in values.items()}
    return {name: getattr(values, name) for name in dir(values) if name.isupper()}


def _build(values: Mapping[str, Any], source: str) -> Settings:
    known = {name: value for name, value in values.items() if name in SETTING_NAMES}
    kwargs = {name.lower(): value for name, value in known.items()}
    if "taskhawk_task_modules" in kwargs:
        kwargs["taskhawk_task_modules"] = tuple(kwargs["taskhawk_task_modules"])
    return Settings(**kwargs, source=source)
