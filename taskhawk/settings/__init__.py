"""Settings: one frozen object (`definitions`), read lazily from `configure()`, Django or
SETTINGS_MODULE (`loading`). The names are upstream Taskhawk's."""

from taskhawk.settings.definitions import (
    SETTING_NAMES,
    Settings,
    import_string,
    setting_definitions,
)
from taskhawk.settings.loading import (
    checked_settings,
    clear_cache,
    configure,
    configured_source,
    get_settings,
    unconfigure,
)
from taskhawk.settings.names import SettingsWarning

__all__ = [
    "SETTING_NAMES",
    "Settings",
    "SettingsWarning",
    "checked_settings",
    "clear_cache",
    "configure",
    "configured_source",
    "get_settings",
    "import_string",
    "setting_definitions",
    "unconfigure",
]
