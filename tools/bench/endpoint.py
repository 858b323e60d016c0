"""The benchmark endpoint: moto's server in its own process, with a gate and counters in front.

`python -m tools.bench.endpoint` serves moto's SQS/SNS app on 127.0.0.1 (as `taskhawk dev-server`
does) behind a WSGI layer that

- counts requests per queue and action, messages received and receipts deleted, and remembers
  when the first receive of a round reached moto and when the last delete was answered;
- holds ReceiveMessage calls for a *closed* queue until it is opened, so a round of messages can
  be put on the queue before any consumer sees it (the fill is then never timed, and never
  competes with the consumer being measured);
- answers long polls itself: moto is asked with WaitTimeSeconds=0 and the call waits here for
  the next round (or its own deadline), so an idle consumer costs the server nothing.

A consumer with messages to take sees no difference: its receive reaches moto at once, and moto
does exactly the work a long poll that finds messages does. Control calls live under /_bench/.
"""

from __future__ import annotations

import argparse
import functools
import io
import json
import logging
import os
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

_EMPTY_QUERY_RECEIVE = (
    b'<?xml version="1.0"?><ReceiveMessageResponse '
    b'xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><ReceiveMessageResult/>'
    b"<ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000000</RequestId>"
    b"</ResponseMetadata></ReceiveMessageResponse>"
)
_DELETES = ("DeleteMessage", "DeleteMessageBatch")


@dataclass
class QueueState:
    closed: bool = False
    generation: int = 0
    inside: int = 0  # receives being answered by moto now
    waiting: int = 0  # receives held here (gate closed, or long-polling an empty queue)
    releasing: bool = False  # answer every held receive at once (consumers are stopping)
    requests: dict[str, int] = field(default_factory=dict)
    received: int = 0
    deleted: int = 0
    first_receive: float | None = None
    last_delete: float | None = None

    def snapshot(self) -> dict[str, Any]:
        return {
            "requests": dict(self.requests),
            "received": self.received,
            "deleted": self.deleted,
            "first_receive": self.first_receive,
            "last_delete": self.last_delete,
            "waiting": self.waiting,
        }


@dataclass
class Call:
    action: str
    queue: str | None
    params: dict[str, Any]
    protocol: str  # "json" or "query"


class Gate:
    def __init__(self, app: WSGIApp) -> None:
        self.app = app
        self.changed = threading.Condition()
        self.queues: dict[str, QueueState] = {}

    def state(self, queue: str) -> QueueState:
        return self.queues.setdefault(queue, QueueState())

    # WSGI entry point
    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_bench/"):
            return self.control(path.removeprefix("/_bench/"), environ, start_response)
        call = self.parse(environ)
        if call is None or call.queue is None:
            return self.app(environ, start_response)
        if call.action == "ReceiveMessage":  # counted when it reaches moto, not when held
            return self.receive(call, environ, start_response)
        with self.changed:
            state = self.state(call.queue)
            state.requests[call.action] = state.requests.get(call.action, 0) + 1
        if call.action in _DELETES:
            return self.delete(call, environ, start_response)
        return self.app(environ, start_response)

    def parse(self, environ: dict[str, Any]) -> Call | None:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        body = self.read_body(environ)
        if target.startswith("AmazonSQS."):
            params = json.loads(body or b"{}")
            url = params.get("QueueUrl", "")
            return Call(target.removeprefix("AmazonSQS."), _queue_of(url), params, "json")
        if "x-www-form-urlencoded" not in environ.get("CONTENT_TYPE", ""):
            return None
        params = dict(urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        action = params.get("Action", "")
        url = params.get("QueueUrl") or environ.get("PATH_INFO", "")
        if not action or action in ("Publish", "PublishBatch") or "Topic" in action:
            return None
        return Call(action, _queue_of(url), params, "query")

    @staticmethod
    def read_body(environ: dict[str, Any]) -> bytes:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body: bytes = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        return body

    @staticmethod
    def rewrite(call: Call, environ: dict[str, Any]) -> None:
        """The same request, asking moto not to wait."""
        call.params["WaitTimeSeconds"] = 0 if call.protocol == "json" else "0"
        if call.protocol == "json":
            body = json.dumps(call.params).encode()
        else:
            body = urllib.parse.urlencode(call.params).encode()
        environ["CONTENT_LENGTH"] = str(len(body))
        environ["wsgi.input"] = io.BytesIO(body)

    def forward(
        self, environ: dict[str, Any], body_input: bytes
    ) -> tuple[str, list[tuple[str, str]], bytes]:
        environ["wsgi.input"] = io.BytesIO(body_input)
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured["status"], captured["headers"] = status, headers
            return lambda data: None

        result = self.app(environ, capture)
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        return captured["status"], captured["headers"], body

    def receive(
        self, call: Call, environ: dict[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        queue = call.queue
        assert queue is not None
        wait_s = float(call.params.get("WaitTimeSeconds") or 0)
        deadline = time.monotonic() + wait_s
        self.rewrite(call, environ)
        request_body = environ["wsgi.input"].getvalue()
        with self.changed:
            state = self.state(queue)
            state.waiting += 1
            self.changed.notify_all()
        try:
            while True:
                with self.changed:
                    while state.closed and not state.releasing:
                        remaining = deadline - time.monotonic()
                        if remaining <= 0:
                            return self.empty(call, start_response)
                        self.changed.wait(remaining)
                    if state.closed:
                        return self.empty(call, start_response)
                    generation = state.generation
                    state.inside += 1
                    state.requests["ReceiveMessage"] = state.requests.get("ReceiveMessage", 0) + 1
                    if state.first_receive is None:
                        state.first_receive = time.monotonic()
                try:
                    status, headers, body = self.forward(environ, request_body)
                finally:
                    with self.changed:
                        state.inside -= 1
                        self.changed.notify_all()
                count = _message_count(call.protocol, body)
                with self.changed:
                    state.received += count
                    if count or time.monotonic() >= deadline or state.releasing:
                        start_response(status, headers)
                        return [body]
                    self.changed.wait_for(
                        functools.partial(_moved_on, state, generation),
                        max(0.0, deadline - time.monotonic()),
                    )
                    if state.generation == generation:
                        start_response(status, headers)
                        return [body]
        finally:
            with self.changed:
                state.waiting -= 1

    @staticmethod
    def empty(call: Call, start_response: StartResponse) -> list[bytes]:
        if call.protocol == "json":
            start_response("200 OK", [("Content-Type", "application/x-amz-json-1.0")])
            return [b"{}"]
        start_response("200 OK", [("Content-Type", "text/xml")])
        return [_EMPTY_QUERY_RECEIVE]

    def delete(
        self, call: Call, environ: dict[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        status, headers, body = self.forward(environ, environ["wsgi.input"].getvalue())
        if call.action == "DeleteMessage":
            entries = 1
        elif call.protocol == "json":
            entries = len(call.params.get("Entries", []))
        else:
            entries = sum(1 for key in call.params if key.endswith("ReceiptHandle"))
        if status.startswith("200"):
            assert call.queue is not None
            with self.changed:
                state = self.state(call.queue)
                state.deleted += entries
                state.last_delete = time.monotonic()
                self.changed.notify_all()
        start_response(status, headers)
        return [body]

    # control API: /_bench/<command>?queue=NAME&...
    def control(
        self, command: str, environ: dict[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        query = dict(urllib.parse.parse_qsl(environ.get("QUERY_STRING", "")))
        queue = query.get("queue", "")
        timeout = float(query.get("timeout", "60"))
        with self.changed:
            state = self.state(queue)
            if command == "close":
                state.closed, state.releasing = True, False
                self.changed.wait_for(lambda: state.inside == 0, timeout)
            elif command == "open":
                state.closed, state.first_receive = False, None
                state.generation += 1
            elif command == "release":
                state.releasing = True
            elif command == "reset":
                self.queues[queue] = QueueState(closed=state.closed)
                state = self.queues[queue]
            elif command == "waiting":
                wanted = int(query.get("count", "1"))
                self.changed.wait_for(lambda: state.waiting >= wanted, timeout)
            elif command == "deleted":
                wanted = int(query.get("count", "0"))
                self.changed.wait_for(lambda: state.deleted >= wanted, timeout)
            elif command != "stats":
                start_response("404 Not Found", [("Content-Type", "text/plain")])
                return [b"unknown command"]
            self.changed.notify_all()
            answer = json.dumps(state.snapshot()).encode()
        start_response("200 OK", [("Content-Type", "application/json")])
        return [answer]


def _moved_on(state: QueueState, generation: int) -> bool:
    """A held receive may return: a new round was opened, or the queue is being released."""
    return state.generation != generation or state.releasing


def _queue_of(url: str) -> str | None:
    name = url.rstrip("/").rsplit("/", 1)[-1]
    return name or None


def _message_count(protocol: str, body: bytes) -> int:
    if protocol == "json":
        try:
            return len(json.loads(body or b"{}").get("Messages") or [])
        except ValueError:
            return 0
    return body.count(b"<Message>")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench.endpoint", description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    os.environ.setdefault("MOTO_SQS_ENFORCE_STRICT_QUEUE_PURGE_BEHAVIOUR", "false")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    app = DomainDispatcherApplication(create_backend_app)
    server = make_server(
        "127.0.0.1", args.port, Gate(app), threaded=True, request_handler=MotoRequestHandler
    )
    print(f"port {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
