"""`taskhawk dev-server`: a local SQS/SNS/S3 endpoint (moto's server on 127.0.0.1, every service
on one port), provisioned, with a bucket for large payloads.

It prints the settings that point taskhawk at it: by default as Python assignments to paste
into a settings module (the quickstart's `settings.py` is exactly that output for port 4566),
or as one JSON object for scripts. taskhawk reads no environment variables of its own, so
printing `NAME=value` lines would not configure anything. Then it serves until SIGTERM or
SIGINT. A port already in use is a ConfigurationError, found before the server starts (moto's
server would otherwise wait forever for a socket it never got). moto comes with the `devserver`
extra; production installs do not need it.
"""

from __future__ import annotations

import errno
import json
import signal
import socket
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

from taskhawk.admin.payload_bucket import ensure_payload_bucket
from taskhawk.admin.provision import provision
from taskhawk.exceptions import ConfigurationError
from taskhawk.priority import Priority
from taskhawk.settings import Settings

__all__ = ["DEFAULT_PORT", "DEV_ACCOUNT_ID", "FORMATS", "dev_settings", "serve"]

DEV_ACCOUNT_ID = "123456789012"  # moto's account
DEV_REGION = "us-east-1"
DEV_PAYLOAD_BUCKET = "taskhawk-dev-payloads"  # large messages' bodies, as on AWS
DEFAULT_PORT = 4566  # the port local AWS endpoints customarily use, and the quickstart's
FORMATS = ("python", "json")
HOST = "127.0.0.1"
READY_LINE = "# taskhawk dev-server ready: serving until Ctrl-C (SIGINT) or SIGTERM"


def dev_settings(endpoint: str, queue: str) -> dict[str, str]:
    """Settings for a local endpoint; the credentials are placeholders moto accepts."""
    return {
        "TASKHAWK_QUEUE": queue,
        "AWS_REGION": DEV_REGION,
        "AWS_ACCOUNT_ID": DEV_ACCOUNT_ID,
        "AWS_ACCESS_KEY": "testing",
        "AWS_SECRET_KEY": "testing",
        "AWS_ENDPOINT_SQS": endpoint,
        "AWS_ENDPOINT_SNS": endpoint,
        "AWS_ENDPOINT_S3": endpoint,
        "TASKHAWK_LARGE_PAYLOAD_BUCKET": DEV_PAYLOAD_BUCKET,
    }


def serve(
    *,
    port: int = DEFAULT_PORT,
    queue: str = "DEV-APP",
    max_receive_count: int = 4,
    style: str = "python",
    fifo: bool = False,
    out: TextIO = sys.stdout,
    ready: Callable[[], bool] | None = None,
) -> int:
    """Start, provision, print settings, serve until a signal (or until `ready()` is False)."""
    try:
        from moto.server import ThreadedMotoServer  # noqa: PLC0415 - only the extra has moto
    except ImportError as error:
        raise ConfigurationError(
            "taskhawk dev-server needs moto's server: pip install 'moto[server]' (or the "
            "taskhawk[devserver] extra)"
        ) from error
    _check_port_free(port)
    server = ThreadedMotoServer(ip_address=HOST, port=port, verbose=False)
    server.start()  # signals keep their default meaning until it has started
    stopping: list[int] = []
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda number, frame: stopping.append(number))
    try:
        host, bound = server.get_host_and_port()
        _announce(f"http://{host}:{bound}", queue, max_receive_count, fifo, style, out)
        while not stopping and (ready is None or ready()):
            time.sleep(0.2)  # signal handlers only append; nothing here can deadlock
    finally:
        server.stop()
    return 0


def _check_port_free(port: int) -> None:
    if not 0 <= port <= 65535:
        raise ConfigurationError(f"--port must be 0..65535, not {port}")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds
        try:
            probe.bind((HOST, port))
        except OSError as error:
            if error.errno != errno.EADDRINUSE:
                raise ConfigurationError(f"cannot listen on {HOST}:{port}: {error}") from None
            raise ConfigurationError(
                f"port {port} on {HOST} is in use (another dev-server or local endpoint?): stop "
                "it, or choose another port with --port (0 picks a free one)"
            ) from None


def _announce(
    endpoint: str, queue: str, max_receive_count: int, fifo: bool, style: str, out: TextIO
) -> None:
    values: dict[str, Any] = dev_settings(endpoint, queue)
    if fifo:
        values["TASKHAWK_FIFO"] = True
    lowered: dict[str, Any] = {name.lower(): value for name, value in values.items()}
    settings = Settings(
        **lowered, taskhawk_max_receive_count=max_receive_count, source="taskhawk dev-server"
    )
    print(f"# taskhawk dev-server: local SQS/SNS/S3 endpoint {endpoint} (moto)", file=out)
    for done in [*provision(tuple(Priority), settings), ensure_payload_bucket(settings)]:
        print(f"# {done}", file=out)
    if style == "json":
        print(json.dumps(values), file=out)
    else:
        print("# Settings that point taskhawk at it; put them in your settings module:", file=out)
        for name, value in values.items():
            print(f"{name} = {value!r}", file=out)
    print(READY_LINE, file=out, flush=True)
