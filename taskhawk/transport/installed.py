"""One slot for a runtime part that tests or the pytest plugin may replace: the transport, the
large-payload store. Outside a `use` block the part is built once per resolved Settings, so a
reconfiguration gets a new one and every message reuses the same."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

from taskhawk.settings import Settings

__all__ = ["Installed"]

T = TypeVar("T")


class Installed(Generic[T]):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._override: T | None = None
        self._built: tuple[Settings, T] | None = None

    def get(self, resolve: Callable[[], Settings], build: Callable[[Settings], T]) -> T:
        """The installed part (no settings needed), else the one `build` made for the settings
        `resolve` gives."""
        override = self._override
        if override is not None:
            return override
        settings = resolve()
        built = self._built
        if built is not None and built[0] is settings:
            return built[1]
        with self._lock:
            if self._built is None or self._built[0] is not settings:
                self._built = (settings, build(settings))
            return self._built[1]

    @contextmanager
    def use(self, part: T) -> Iterator[T]:
        """`part` instead of the built one inside the block."""
        with self._lock:
            previous, self._override = self._override, part
        try:
            yield part
        finally:
            with self._lock:
                self._override = previous
