"""Checked by mypy only (make typecheck): the public types of the wire codec."""

from typing_extensions import assert_type

from taskhawk import wire


def check_decode(body: str) -> None:
    message = wire.decode(body)
    assert_type(message, wire.Message)
    assert_type(message.metadata.timestamp, int)
    assert_type(wire.encode(message), str)
