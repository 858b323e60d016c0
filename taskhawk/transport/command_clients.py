"""Clients for the commands' requests (start checks, stats, purge, provision): bounded and heard.

Each request gets one try, so AWS_CONNECT_TIMEOUT_S and AWS_READ_TIMEOUT_S are the real bound
of a command's wait: botocore's retries would multiply them (five tries of ten seconds made an
endpoint that accepts connections and never answers a silent minute). An answer that takes more
than a second is announced on the `taskhawk.waiting` logger, which the command writes to stderr:
what it waits for, from where, and for how long at most.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from botocore.config import Config

if TYPE_CHECKING:
    import boto3

    from taskhawk.settings import Settings

__all__ = ["NOTICE_AFTER_S", "command_client"]

NOTICE_AFTER_S = 1.0
logger = logging.getLogger("taskhawk.waiting")


def command_client(
    session: boto3.session.Session, service: str, endpoint_url: str | None, settings: Settings
) -> Any:
    """A `service` client with one try per request and a line for each slow answer."""
    config = Config(
        connect_timeout=settings.aws_connect_timeout_s,
        read_timeout=settings.aws_read_timeout_s,
        retries={"mode": "standard", "total_max_attempts": 1},
    )
    client = session.client(service, endpoint_url=endpoint_url, config=config)  # type: ignore[call-overload]
    _SlowAnswers(settings).watch(client)
    return client


class _SlowAnswers:
    """Starts a timer as each request is sent, stops it when the attempt ends (answered or
    not): a timer that fires says what is awaited. Requests of one thread run one at a time."""

    def __init__(self, settings: Settings) -> None:
        self.connect_s = settings.aws_connect_timeout_s
        self.read_s = settings.aws_read_timeout_s
        self._current = threading.local()

    def watch(self, client: Any) -> None:
        client.meta.events.register("before-send", self._sent)
        client.meta.events.register("needs-retry", self._ended)

    def _sent(self, request: Any, event_name: str = "", **_: Any) -> None:
        self._ended()
        operation = event_name.rpartition(".")[2] or "a request"
        url = urlsplit(str(request.url))
        timer = threading.Timer(
            NOTICE_AFTER_S, self._notice, (f"{url.scheme}://{url.netloc}", operation)
        )
        timer.daemon = True
        self._current.timer = timer
        timer.start()

    def _ended(self, **_: Any) -> None:
        timer = getattr(self._current, "timer", None)
        if timer is not None:
            timer.cancel()
            self._current.timer = None

    def _notice(self, endpoint: str, operation: str) -> None:
        logger.warning(
            "waiting for %s to answer %s: at most %gs to connect (AWS_CONNECT_TIMEOUT_S) and "
            "%gs to answer (AWS_READ_TIMEOUT_S), one try",
            endpoint, operation, self.connect_s, self.read_s,
        )  # fmt: skip
