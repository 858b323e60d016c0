"""Which transport the runtime uses: AWS by default, or one installed by tests or the plugin."""

from __future__ import annotations

from contextlib import AbstractContextManager

from taskhawk.settings import Settings, get_settings
from taskhawk.transport import Transport
from taskhawk.transport.installed import Installed

__all__ = ["current_transport", "use_transport"]

_transport: Installed[Transport] = Installed()


def current_transport() -> Transport:
    """The installed transport, else an AWS transport built once per resolved Settings."""
    return _transport.get(get_settings, _aws)


def _aws(settings: Settings) -> Transport:
    # boto3 is imported only when AWS is used: tests and Lambda cold starts without it are faster
    from taskhawk.transport.aws import AWSTransport  # noqa: PLC0415
    from taskhawk.transport.aws_errors import session_for  # noqa: PLC0415

    session_for(settings)  # no region anywhere: one line saying what to set, not NoRegionError
    return AWSTransport(settings)


def use_transport(transport: Transport) -> AbstractContextManager[Transport]:
    """Route every publish and receive through `transport` inside the block."""
    return _transport.use(transport)
