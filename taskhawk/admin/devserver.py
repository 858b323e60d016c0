"""`taskhawk dev-server`: a local SQS/SNS/S3 endpoint (moto's server on 127.0.0.1, every service
on one port), provisioned, with a bucket for large payloads.

It prints the settings that point taskhawk at it: by default as Python assignments to paste
into a settings module (the quickstart's `settings.py` is exactly that output for port 4566),
or as one JSON object for scripts (its `#` comments then go to stderr, so stdout is that one
line). taskhawk reads no environment variables of its own; the `NAME=value` lines it prints on
stderr are for programs in other languages, whose AWS SDK reads them. Then it serves until
SIGTERM or SIGINT. A port already in use is a ConfigurationError, found before the server
starts (moto's server would otherwise wait forever for a socket it never got). moto comes with
the `devserver` extra; production installs do not need it. moto is changed first to keep the
promises of SQS that taskhawk relies on (`taskhawk.admin.devserver_sqs`).

moto stores EventBridge Scheduler schedules but never fires them: the dev-server fires them
itself (`taskhawk.admin.schedule_firing`, an emulation) and prints a line per firing.
"""

from __future__ import annotations

import errno
import json
import signal
import socket
import sys
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any, TextIO

import boto3

from taskhawk.admin.payload_bucket import ensure_payload_bucket
from taskhawk.admin.provision import provision
from taskhawk.admin.schedule_firing import ScheduleFirer
from taskhawk.exceptions import ConfigurationError
from taskhawk.priority import Priority
from taskhawk.settings import Settings

__all__ = ["DEFAULT_PORT", "DEV_ACCOUNT_ID", "FORMATS", "dev_settings", "sdk_environment", "serve"]

DEV_ACCOUNT_ID = "123456789012"  # moto's account
DEV_REGION = "us-east-1"
DEV_SCHEDULER_ROLE = f"arn:aws:iam::{DEV_ACCOUNT_ID}:role/taskhawk-scheduler"  # moto checks none
FIRING_CHECK_S = 1.0
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
        "AWS_ENDPOINT_SCHEDULER": endpoint,
        "TASKHAWK_SCHEDULER_ROLE_ARN": DEV_SCHEDULER_ROLE,
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
    from taskhawk.admin.devserver_sqs import keep_sqs_promises  # noqa: PLC0415 - needs moto

    _check_port_free(port)
    restore = keep_sqs_promises()  # atomic receives, FIFO group locks, SQS's limits and refusals
    server = ThreadedMotoServer(ip_address=HOST, port=port, verbose=False)
    server.start()  # signals keep their default meaning until it has started
    stopping: list[int] = []
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda number, frame: stopping.append(number))
    try:
        host, bound = server.get_host_and_port()
        endpoint = f"http://{host}:{bound}"
        _announce(endpoint, queue, max_receive_count, fifo, style, out)
        _serve_firing(_firer(endpoint), out, lambda: not stopping and (ready is None or ready()))
    finally:
        server.stop()
        restore()
    return 0


def _firer(endpoint: str) -> ScheduleFirer:
    # Any: the firer asks for clients by a service name boto3's typed overloads cannot see.
    session: Any = boto3.session.Session(
        region_name=DEV_REGION, aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    return ScheduleFirer(lambda service: session.client(service, endpoint_url=endpoint))


def _serve_firing(firer: ScheduleFirer, out: TextIO, running: Callable[[], bool]) -> None:
    """Until `running()` is False: every second, the schedules' due firings, a line each."""
    next_check = 0.0
    while running():
        if time.monotonic() >= next_check:
            next_check = time.monotonic() + FIRING_CHECK_S
            try:
                for firing in firer.fire_due(datetime.now(timezone.utc)):
                    print(f"# {firing}", file=out, flush=True)
            except Exception as error:  # the emulation must never stop the endpoint
                print(f"# schedules not fired: {type(error).__name__}: {error}", file=out)
        time.sleep(0.2)  # signal handlers only append; nothing here can deadlock


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
    # Python assignments may carry comments; the JSON output is that one object and nothing else.
    comments = sys.stderr if style == "json" else out
    print(f"# taskhawk dev-server: local SQS/SNS/S3 endpoint {endpoint} (moto)", file=comments)
    for done in [*provision(tuple(Priority), settings), ensure_payload_bucket(settings)]:
        print(f"# {done}", file=comments)
    if style == "json":
        print(json.dumps(values), file=out, flush=True)
    else:
        print("# Settings that point taskhawk at it; put them in your settings module:", file=out)
        for name, value in values.items():
            print(f"{name} = {value!r}", file=out)
        out.flush()
    _announce_environment(endpoint)
    print(READY_LINE, file=comments, flush=True)


def sdk_environment(endpoint: str) -> dict[str, str]:
    """What an AWS SDK or CLI outside Python needs in its environment to use the endpoint."""
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_REGION": DEV_REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }


def _announce_environment(endpoint: str) -> None:
    """To stderr, apart from the settings: a Node program (or the AWS CLI) is not configured by
    a settings module, and without credentials its SDK fails before reaching the endpoint."""
    print(
        "# For a program in another language (the Node package, an AWS SDK or the AWS CLI), "
        "set in its environment (any key and secret work):",
        file=sys.stderr,
    )
    for name, value in sdk_environment(endpoint).items():
        print(f"{name}={value}", file=sys.stderr)
    sys.stderr.flush()
