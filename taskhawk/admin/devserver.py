"""`taskhawk dev-server`: a local SQS/SNS endpoint (moto's server on 127.0.0.1), provisioned.

It prints the settings that point taskhawk at it, as `NAME=value` lines a shell can source
(`set -a; . ./dev.env`) or as Python assignments for a settings module, then serves until SIGTERM
or SIGINT. moto comes with the `dev` extra; production installs do not need it.
"""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

from taskhawk.admin.provision import provision
from taskhawk.exceptions import ConfigurationError
from taskhawk.priority import Priority
from taskhawk.settings import Settings

__all__ = ["DEV_ACCOUNT_ID", "dev_settings", "serve"]

DEV_ACCOUNT_ID = "123456789012"  # moto's account
DEV_REGION = "us-east-1"
READY_LINE = "# taskhawk dev-server ready"


def dev_settings(endpoint: str, queue: str) -> dict[str, str]:
    """Settings for a local endpoint; the credentials are placeholders moto accepts."""
    return {
        "AWS_ENDPOINT_SQS": endpoint,
        "AWS_ENDPOINT_SNS": endpoint,
        "AWS_REGION": DEV_REGION,
        "AWS_ACCOUNT_ID": DEV_ACCOUNT_ID,
        "AWS_ACCESS_KEY": "testing",
        "AWS_SECRET_KEY": "testing",
        "TASKHAWK_QUEUE": queue,
    }


def serve(
    *,
    port: int = 0,
    queue: str = "DEV-APP",
    max_receive_count: int = 4,
    style: str = "env",
    out: TextIO = sys.stdout,
    ready: Callable[[], bool] | None = None,
) -> int:
    """Start, provision, print settings, serve until a signal (or until `ready()` is False)."""
    try:
        from moto.server import ThreadedMotoServer  # noqa: PLC0415 - only the dev extra has moto
    except ImportError as error:
        raise ConfigurationError(
            "taskhawk dev-server needs moto's server: pip install 'moto[server]'"
        ) from error
    stopping: list[int] = []
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda number, frame: stopping.append(number))
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        host, bound = server.get_host_and_port()
        values = dev_settings(f"http://{host}:{bound}", queue)
        lowered: dict[str, Any] = {name.lower(): value for name, value in values.items()}
        settings = Settings(
            **lowered, taskhawk_max_receive_count=max_receive_count, source="taskhawk dev-server"
        )
        for done in provision(tuple(Priority), settings):
            print(f"# {done}", file=out)
        for name, value in values.items():
            print(f"{name} = {value!r}" if style == "python" else f"{name}={value}", file=out)
        print(READY_LINE, file=out, flush=True)
        while not stopping and (ready is None or ready()):
            time.sleep(0.2)  # signal handlers only append; nothing here can deadlock
    finally:
        server.stop()
    return 0
