"""Settings: one frozen object (`definitions`), read lazily from Django, SETTINGS_MODULE or
`configure()` (`loading`). The names are upstream Taskhawk's."""

from taskhawk.settings.definitions import (
    SETTING_NAMES,
    Settings,
    import_string,
    setting_definitions,
)
from taskhawk.settings.loading import (
    clear_cache,
    configure,
    configured_source,
    get_settings,
    unconfigure,
)

__all__ = [
    "SETTING_NAMES",
    "Settings",
    "clear_cache",
    "configure",
    "configured_source",
    "get_settings",
    "import_string",
    "setting_definitions",
    "unconfigure",
]
