"""Which payload store the runtime uses: S3 by default, or one installed by tests or the plugin
(the same slot as `taskhawk.transport.current`'s transport)."""

from __future__ import annotations

from contextlib import AbstractContextManager

from taskhawk.settings import Settings, get_settings
from taskhawk.transport.installed import Installed
from taskhawk.transport.payload_store import PayloadStore

__all__ = ["current_store", "use_store"]

_store: Installed[PayloadStore] = Installed()


def current_store(settings: Settings | None = None) -> PayloadStore:
    """The installed store, else an S3 store built once per resolved Settings."""
    return _store.get(lambda: settings or get_settings(), _s3)


def _s3(settings: Settings) -> PayloadStore:
    # boto3 is imported only when S3 is used, as for the transport
    from taskhawk.transport.aws_s3 import S3PayloadStore  # noqa: PLC0415

    return S3PayloadStore(settings)


def use_store(store: PayloadStore) -> AbstractContextManager[PayloadStore]:
    """Keep and read every large payload in `store` inside the block."""
    return _store.use(store)
