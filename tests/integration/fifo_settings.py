"""Settings of the FIFO integration tests' worker subprocesses: the integration settings, FIFO."""

from __future__ import annotations

from tests.integration.worker_settings import *  # noqa: F403 - the same settings, plus FIFO

TASKHAWK_FIFO = True
TASKHAWK_MAX_RECEIVE_COUNT = 6
