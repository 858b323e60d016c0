"""TASKHAWK_HEARTBEAT_INTERVAL_S, checked against the visibility timeout it must keep up with."""

from __future__ import annotations

from taskhawk.exceptions import ConfigurationError

__all__ = ["heartbeat_interval"]


def heartbeat_interval(setting: float | None, visibility_s: int) -> float | None:
    """The heartbeat of a worker whose messages are hidden for `visibility_s`: the setting
    (TASKHAWK_HEARTBEAT_INTERVAL_S), or a third of the visibility timeout when it is None;
    None (off) when it is 0. A beat slower than half the visibility timeout could come after
    the message reappeared, so it is refused."""
    if setting is None:
        return visibility_s / 3 if visibility_s > 0 else None
    if setting == 0:
        return None
    if not 0 < setting <= visibility_s / 2:
        raise ConfigurationError(
            f"TASKHAWK_HEARTBEAT_INTERVAL_S={setting} cannot keep messages hidden for "
            f"{visibility_s}s: set it to at most half the visibility timeout "
            f"({visibility_s / 2:g}), leave it unset for a third of it, or 0 to turn it off"
        )
    return float(setting)
