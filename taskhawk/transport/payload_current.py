"""Which payload store the runtime uses: S3 by default, or one installed by tests or the plugin
(as `taskhawk.transport.current` chooses the transport)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from taskhawk.settings import Settings, get_settings
from taskhawk.transport.payload_store import PayloadStore

__all__ = ["current_store", "use_store"]


class _Current:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.override: PayloadStore | None = None
        self.aws: tuple[Settings, PayloadStore] | None = None


_current = _Current()


def current_store(settings: Settings | None = None) -> PayloadStore:
    """The installed store, else an S3 store built once per resolved Settings."""
    override = _current.override
    if override is not None:
        return override
    settings = settings or get_settings()
    cached = _current.aws
    if cached is not None and cached[0] is settings:
        return cached[1]
    # boto3 is imported only when S3 is used, as for the transport
    from taskhawk.transport.aws_s3 import S3PayloadStore  # noqa: PLC0415

    with _current.lock:
        if _current.aws is None or _current.aws[0] is not settings:
            _current.aws = (settings, S3PayloadStore(settings))
        return _current.aws[1]


@contextmanager
def use_store(store: PayloadStore) -> Iterator[PayloadStore]:
    """Keep and read every large payload in `store` inside the block."""
    with _current.lock:
        previous, _current.override = _current.override, store
    try:
        yield store
    finally:
        with _current.lock:
            _current.override = previous
