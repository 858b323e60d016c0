"""Names in a settings source that look meant for taskhawk but are none of its settings.

A misspelt setting (`TASKHAWK_QUEU`, `AWS_ENDPOINT_SQ`) would otherwise be ignored and its
default used without a word. Every unknown `TASKHAWK_*` and `AWS_*` name is reported with the
closest known name. Django settings are shared with other apps (django-storages reads
`AWS_STORAGE_BUCKET_NAME`, `AWS_ACCESS_KEY_ID`), so there an `AWS_*` name is reported only when
it is nearly one of taskhawk's.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = ["PREFIXES", "RETIRED_NAMES", "SettingsWarning", "unknown_names", "unknown_names_message"]

PREFIXES = ("TASKHAWK_", "AWS_")
# Upstream settings that do nothing here (docs: migrating from upstream): not typos.
RETIRED_NAMES = frozenset(
    {"TASKHAWK_PUBLISHER_BACKEND", "TASKHAWK_CONSUMER_BACKEND", "TASKHAWK_MAX_DB_REUSE_LOOPS",
     "TASKHAWK_PUBLISHER_GCP_BATCH_SETTINGS", "TASKHAWK_GOOGLE_MESSAGE_MAX_RETRIES",
     "TASKHAWK_GOOGLE_MESSAGE_RETRY_STATE_BACKEND"}
)  # fmt: skip
# The AWS SDKs' own names, which other apps of a Django project read from its settings.
_SDK_NAMES = frozenset(
    {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION", "AWS_PROFILE",
     "AWS_ENDPOINT_URL", "AWS_REGION_NAME"}
)  # fmt: skip
_SHARED_CUTOFF = 0.85  # how close an AWS_* name of shared settings must be to count as a typo


class SettingsWarning(UserWarning):
    """A settings source names something taskhawk does not know, or two sources disagree."""


def unknown_names(names: Iterable[str], known: Iterable[str], *, shared: bool) -> tuple[str, ...]:
    """Each unknown TASKHAWK_*/AWS_* name of `names`, as `NAME (did you mean KNOWN?)` when a
    known name is close. `shared`: the source also holds other apps' settings (Django)."""
    # Compared without the prefix, which every candidate shares and which would make any
    # TASKHAWK_ name look like some other.
    by_stem = {_stem(name): name for name in known}
    found = []
    for name in sorted(set(names)):
        if name in by_stem.values() or name in RETIRED_NAMES or not name.startswith(PREFIXES):
            continue
        shared_aws = shared and name.startswith("AWS_")
        cutoff = _SHARED_CUTOFF if shared_aws else 0.6
        close = difflib.get_close_matches(_stem(name), by_stem, n=1, cutoff=cutoff)
        if shared_aws and (not close or name in _SDK_NAMES):
            continue
        found.append(f"{name} (did you mean {by_stem[close[0]]}?)" if close else name)
    return tuple(found)


def _stem(name: str) -> str:
    return next((name[len(p) :] for p in PREFIXES if name.startswith(p)), name)


def unknown_names_message(found: Iterable[str], source: str) -> str:
    """One line naming every unknown name of `source`."""
    names = list(found)
    plural = "s" if len(names) > 1 else ""
    return (
        f"unknown setting{plural} in {source}: {', '.join(names)}; taskhawk would ignore "
        f"{'them' if plural else 'it'} (docs: configuration lists every setting)"
    )
