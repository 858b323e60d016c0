"""Where the settings come from, read lazily: `configure()`, Django or SETTINGS_MODULE.

Importing taskhawk reads nothing. The first use takes what `configure()` was given, when it was
called: code that configures taskhawk explicitly means it, even in a shell that exports
SETTINGS_MODULE. Otherwise it looks at Django settings (only when Django is already configured
or DJANGO_SETTINGS_MODULE is set: merely having Django or Flask installed changes nothing), then
at the module named by the SETTINGS_MODULE environment variable. When `configure()` wins over a
Django settings or SETTINGS_MODULE that says otherwise, a SettingsWarning names the settings
that differ. Unknown TASKHAWK_*/AWS_* names are a SettingsWarning too (`settings.names`); the
command makes them an error (`checked_settings`).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import warnings
from collections.abc import Mapping
from typing import Any

from taskhawk.exceptions import ConfigurationError
from taskhawk.importing import import_user_module
from taskhawk.settings.definitions import SETTING_NAMES, Settings, setting_definitions
from taskhawk.settings.names import (
    PREFIXES,
    SettingsWarning,
    unknown_names,
    unknown_names_message,
)

__all__ = [
    "checked_settings",
    "clear_cache",
    "configure",
    "configured_source",
    "get_settings",
    "unconfigure",
]

# The name users know from upstream and from the configuration page.
logger = logging.getLogger("taskhawk.settings")
_CONFIGURE = "configure()"


class _State:
    """What `configure()` was given, and the Settings resolved from the winning source."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.configured: dict[str, Any] | None = None
        self.cached: Settings | None = None


_state = _State()


def configure(values: Mapping[str, Any] | object | None = None, **settings: Any) -> None:
    """Configure taskhawk explicitly, from a mapping, an object with attributes, or keywords.
    It wins over SETTINGS_MODULE and Django settings; an unknown TASKHAWK_*/AWS_* name is a
    SettingsWarning naming the closest known one."""
    given = _as_mapping(values) if values is not None else {}
    given.update(settings)
    configured = {name.upper(): value for name, value in given.items()}
    with _state.lock:
        _state.configured = configured
        _state.cached = None
    found = unknown_names(configured, SETTING_NAMES, shared=False)
    if found:
        warnings.warn(unknown_names_message(found, _CONFIGURE), SettingsWarning, stacklevel=2)


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
    """The settings, resolved on first use; what is wrong with them is a SettingsWarning."""
    cached = _state.cached
    if cached is not None:
        return cached
    settings, notes = _resolve_once()
    for note in notes:
        warnings.warn(note, SettingsWarning, stacklevel=2)
    return settings


def checked_settings() -> Settings:
    """The settings for the command line, where an unknown name is a ConfigurationError (one
    line, exit 2) instead of a warning: a worker should not start on a misspelt setting."""
    settings, _ = _resolve_once()
    if settings.unknown:
        raise ConfigurationError(unknown_names_message(settings.unknown, settings.source))
    return settings


def configured_source() -> str | None:
    """Where settings would be read from ("configure()", "Django settings",
    "SETTINGS_MODULE=x"), without reading them; None when nothing is configured."""
    if _state.configured is not None:
        return _CONFIGURE
    if _django_in_use():
        return "Django settings"
    module_name = os.environ.get("SETTINGS_MODULE")
    return f"SETTINGS_MODULE={module_name}" if module_name else None


def _resolve_once() -> tuple[Settings, list[str]]:
    """The cached settings, or the settings read now and the warnings reading them gave."""
    with _state.lock:
        if _state.cached is not None:
            return _state.cached, []
        settings, notes = _read()
        _state.cached = settings
    logger.debug(
        "settings read from %s", settings.source,
        extra={"settings_source": settings.source, "app_queue": settings.taskhawk_queue,
               "region": settings.aws_region, "sqs_endpoint": settings.aws_endpoint_sqs},
    )  # fmt: skip
    return settings, notes


def _read() -> tuple[Settings, list[str]]:
    if _state.configured is not None:  # configure() warned about its own unknown names
        settings = _build(_state.configured, _CONFIGURE)
        shadowed = _shadowed(settings)
        return settings, [shadowed] if shadowed else []
    found = _read_elsewhere()
    if found is None:
        raise ConfigurationError(
            "taskhawk is not configured: set SETTINGS_MODULE, configure Django settings, "
            "or call taskhawk.configure(...)"
        )
    notes = [unknown_names_message(found.unknown, found.source)] if found.unknown else []
    return found, notes


def _read_elsewhere() -> Settings | None:
    """Django settings, else SETTINGS_MODULE's; None when neither is in use."""
    django_values = _from_django()
    if django_values is not None:
        return _build(django_values, "Django settings", shared=True)
    module_name = os.environ.get("SETTINGS_MODULE")
    if module_name:
        module = import_user_module(module_name, f"SETTINGS_MODULE={module_name}")
        return _build(_as_mapping(module), f"SETTINGS_MODULE={module_name}")
    return None


def _shadowed(used: Settings) -> str | None:
    """What to say when Django settings or SETTINGS_MODULE are in use too but configure() won,
    and they differ; None when they agree (or there are none)."""
    try:
        other = _read_elsewhere()
    except ConfigurationError as error:
        return f"taskhawk uses the settings given to configure(); ignored: {error}"
    if other is None:
        return None
    differing = [
        definition.name.upper()
        for definition in setting_definitions()
        if getattr(other, definition.name) != getattr(used, definition.name)
    ]
    if not differing:
        return None
    return (
        f"taskhawk uses the settings given to configure(), not those of {other.source}, which "
        f"differ in {', '.join(differing)} (configure() wins: unset {_variable(other.source)} "
        "or stop calling configure() to silence this)"
    )


def _variable(source: str) -> str:
    return "DJANGO_SETTINGS_MODULE" if source == "Django settings" else "SETTINGS_MODULE"


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

    names = [name for name in dir(django_settings) if name.startswith(PREFIXES)]
    return {name: getattr(django_settings, name) for name in names}


def _as_mapping(values: Mapping[str, Any] | object) -> dict[str, Any]:
    if isinstance(values, Mapping):
        return {str(k).upper(): v for k, v in values.items()}
    return {name: getattr(values, name) for name in dir(values) if name.isupper()}


def _build(values: Mapping[str, Any], source: str, *, shared: bool = False) -> Settings:
    known = {name: value for name, value in values.items() if name in SETTING_NAMES}
    kwargs = {name.lower(): value for name, value in known.items()}
    if "taskhawk_task_modules" in kwargs:
        kwargs["taskhawk_task_modules"] = tuple(kwargs["taskhawk_task_modules"])
    unknown = unknown_names(values, SETTING_NAMES, shared=shared)
    return Settings(**kwargs, source=source, unknown=unknown)
