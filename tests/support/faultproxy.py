"""A TCP proxy on 127.0.0.1 that injects endpoint faults between a client and the local endpoint.

Modes: `pass` forwards; `drop` reads the request and closes without answering; `stall` forwards
the request but never returns the answer (the client's read timeout fires after the endpoint
acted); `error` answers HTTP 500 without forwarding; `throttle` answers an SQS throttling error
without forwarding; `refuse` stops listening (connection refused); `empty` and `cut` forward the
request and, once the endpoint answered, return a 200 with an empty body or the real answer cut
in half; `slow` returns every answer `slow_s` seconds late. Every loop is bounded.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["FaultProxy"]

_IO_TIMEOUT = 10.0
_THROTTLE = (
    b"HTTP/1.1 400 Bad Request\r\nContent-Type: application/x-amz-json-1.0\r\n"
    b"x-amzn-query-error: Throttling;Sender\r\nConnection: close\r\nContent-Length: 71\r\n\r\n"
    b'{"__type":"com.amazonaws.sqs#ThrottlingException","message":"Throttled"}'
)
_EMPTY_OK = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.0\r\n"
    b"Connection: close\r\nContent-Length: 0\r\n\r\n"
)
_SERVER_ERROR = (
    b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/x-amz-json-1.0\r\n"
    b"Connection: close\r\nContent-Length: 76\r\n\r\n"
    b'{"__type":"com.amazonaws.sqs#InternalError","message":"Injected failure."}'
)


class FaultProxy:
    def __init__(self, upstream: str) -> None:
        host, _, port = upstream.removeprefix("http://").partition(":")
        self.upstream = (host, int(port))
        self.mode = "pass"
        self.slow_s = 2.5
        self.connections = 0
        self.faults_answered = 0
        self._listener: socket.socket | None = None
        self.port = 0
        self._stop = threading.Event()
        self._listen()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _listen(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.settimeout(0.2)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept_loop, args=(listener,), daemon=True).start()

    def set_mode(self, mode: str) -> None:
        if mode == "refuse" and self._listener is not None:
            self._listener.close()
            self._listener = None
        elif mode != "refuse" and self._listener is None:
            self._listen()
        self.mode = mode

    @contextmanager
    def fault(self, mode: str) -> Iterator[None]:
        self.set_mode(mode)
        try:
            yield
        finally:
            self.set_mode("pass")

    def close(self) -> None:
        self._stop.set()
        if self._listener is not None:
            self._listener.close()

    def _accept_loop(self, listener: socket.socket) -> None:
        while not self._stop.is_set() and listener is self._listener:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._handle, args=(client, self.mode), daemon=True).start()

    def _handle(self, client: socket.socket, mode: str) -> None:
        client.settimeout(_IO_TIMEOUT)
        with client:
            if mode in ("drop", "error", "throttle"):
                if not _read_some(client):
                    return  # an idle pooled connection closing, not a request
                self.faults_answered += 1
                if mode != "drop":
                    client.sendall(_SERVER_ERROR if mode == "error" else _THROTTLE)
                return
            if mode in ("empty", "cut", "slow"):
                self._mangle_answer(client, mode)
                return
            with socket.create_connection(self.upstream, timeout=_IO_TIMEOUT) as upstream:
                back = threading.Thread(
                    target=_pipe, args=(upstream, None if mode == "stall" else client), daemon=True
                )
                back.start()
                _pipe(client, upstream)
                back.join(_IO_TIMEOUT)

    def _mangle_answer(self, client: socket.socket, mode: str) -> None:
        request = _read_request(client)
        if not request:
            return
        with socket.create_connection(self.upstream, timeout=_IO_TIMEOUT) as upstream:
            upstream.sendall(request)
            answer = _read_until_closed(upstream)
        self.faults_answered += 1
        if mode == "slow":
            time.sleep(self.slow_s)
            client.sendall(answer)
            return
        if mode == "empty":
            client.sendall(_EMPTY_OK)
            return
        head, _, body = answer.partition(b"\r\n\r\n")
        lines = [
            line for line in head.split(b"\r\n") if not line.lower().startswith(b"content-length")
        ]
        cut = body[: len(body) // 2]
        client.sendall(b"\r\n".join([*lines, b"Content-Length: %d" % len(cut)]) + b"\r\n\r\n" + cut)


def _read_request(sock: socket.socket) -> bytes:
    """One HTTP request with a Content-Length body (what botocore sends)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return b""
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    kept = [line for line in head.split(b"\r\n") if not line.lower().startswith(b"connection:")]
    return b"\r\n".join([*kept, b"Connection: close"]) + b"\r\n\r\n" + body


def _read_until_closed(sock: socket.socket) -> bytes:
    answer = b""
    while chunk := sock.recv(65536):
        answer += chunk
    return answer


def _read_some(sock: socket.socket) -> bool:
    try:
        return bool(sock.recv(65536))
    except OSError:
        return False


def _pipe(source: socket.socket, target: socket.socket | None) -> None:
    """Copy bytes until the source closes; with no target, swallow them (a stalled answer)."""
    try:
        while chunk := source.recv(65536):
            if target is not None:
                target.sendall(chunk)
    except OSError:
        pass
    finally:
        if target is not None:
            try:
                target.shutdown(socket.SHUT_WR)
            except OSError:
                pass
