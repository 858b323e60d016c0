"""A testee process: one JSON line in on stdin, one JSON line back on stdout, with time limits.

Reader threads feed stdout lines into a queue and keep the tail of stderr, so a testee that
hangs, crashes or floods stderr can never block the harness.
"""

from __future__ import annotations

import collections
import queue
import subprocess
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import IO

__all__ = ["Testee", "TesteeFailure"]

STDERR_KEEP = 200  # lines of stderr kept for the report


class TesteeFailure(Exception):
    """The testee did not answer: it exited, timed out or could not be started."""


class Testee:
    def __init__(self, command: Sequence[str], cwd: Path | None = None) -> None:
        self.command = list(command)
        self.cwd = cwd
        self._stderr: collections.deque[str] = collections.deque(maxlen=STDERR_KEEP)
        self._lines: queue.Queue[bytes | None] = queue.Queue()
        self._threads: list[threading.Thread] = []
        try:
            self._process = subprocess.Popen(
                self.command,
                cwd=cwd,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        except OSError as error:
            raise TesteeFailure(f"cannot start testee {' '.join(self.command)}: {error}") from None
        assert self._process.stdout is not None and self._process.stderr is not None
        self._spawn(self._read_stdout, self._process.stdout)
        self._spawn(self._read_stderr, self._process.stderr)

    def _spawn(self, target: object, stream: IO[bytes]) -> None:
        thread = threading.Thread(target=target, args=(stream,), daemon=True)  # type: ignore[arg-type]
        thread.start()
        self._threads.append(thread)

    def _read_stdout(self, stream: IO[bytes]) -> None:
        for line in stream:
            self._lines.put(line)
        self._lines.put(None)

    def _read_stderr(self, stream: IO[bytes]) -> None:
        for line in stream:
            self._stderr.append(line.decode("utf-8", "replace").rstrip("\n"))

    @property
    def stderr(self) -> str:
        return "\n".join(self._stderr)

    def request(self, line: str, timeout: float) -> bytes:
        """Send one request line and wait for one reply line."""
        stdin = self._process.stdin
        assert stdin is not None
        try:
            stdin.write(line.encode("ascii") + b"\n")
            stdin.flush()
        except (BrokenPipeError, OSError):
            raise TesteeFailure(f"testee exited ({self._status()}) before reading it") from None
        try:
            reply = self._lines.get(timeout=timeout)
        except queue.Empty:
            raise TesteeFailure(f"no reply within {timeout:g} s") from None
        if reply is None:
            self._lines.put(None)  # stay at end of stream for later calls
            raise TesteeFailure(f"testee exited ({self._status()}) without replying")
        return reply

    def _status(self) -> str:
        try:
            code = self._process.wait(timeout=1)
        except subprocess.TimeoutExpired:
            return "still running, stdout closed"
        return f"status {code}"

    def close(self, grace: float) -> tuple[int, list[str]]:
        """Close stdin, wait `grace` seconds for the exit, kill after that. Returns the exit
        status and any lines the testee wrote that answered no request."""
        try:
            if self._process.stdin is not None:
                self._process.stdin.close()
        except OSError:
            pass  # already gone
        try:
            code = self._process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self._process.kill()
            code = self._process.wait()
            self._stderr.append(f"[harness] testee did not exit within {grace:g} s; killed")
        for thread in self._threads:
            thread.join(timeout=5)
        for stream in (self._process.stdout, self._process.stderr):
            if stream is not None:
                stream.close()
        extra = []
        while not self._lines.empty():
            line = self._lines.get_nowait()
            if line is not None and line.strip():
                extra.append(line.decode("utf-8", "replace").strip()[:200])
        return code, extra
