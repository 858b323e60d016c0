"""Which transport the runtime uses: AWS by default, or one installed by tests or the plugin."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from taskhawk.settings import Settings, get_settings
from taskhawk.transport import Transport

__all__ = ["current_transport", "use_transport"]


class _Current:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.override: Transport | None = None
        self.aws: tuple[Settings, Transport] | None = None


_current = _Current()


def current_transport() -> Transport:
    """The installed transport, else an AWS transport built once per resolved Settings."""
    override = _current.override
    if override is not None:
        return override
    settings = get_settings()
    cached = _current.aws
    if cached is not None and cached[0] is settings:
        return cached[1]
    # boto3 is imported only when AWS is used: tests and Lambda cold starts without it are faster
    from taskhawk.transport.aws import AWSTransport  # noqa: PLC0415
    from taskhawk.transport.aws_errors import session_for  # noqa: PLC0415

    session_for(settings)  # no region anywhere: one line saying what to set, not NoRegionError
    with _current.lock:
        if _current.aws is None or _current.aws[0] is not settings:
            _current.aws = (settings, AWSTransport(settings))
        return _current.aws[1]


@contextmanager
def use_transport(transport: Transport) -> Iterator[Transport]:
    """Route every publish and receive through `transport` inside the block."""
    with _current.lock:
        previous, _current.override = _current.override, transport
    try:
        yield transport
    finally:
        with _current.lock:
            _current.override = previous
