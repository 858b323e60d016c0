"""Start-up checks against AWS: region, credentials, and that queues exist.

A worker runs them once before its consumer processes start, so a missing queue or credential
fails the command with one line instead of a restart loop. Each queue costs one GetQueueUrl.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from taskhawk.transport.aws_errors import explain, session_for

if TYPE_CHECKING:
    from taskhawk.settings import Settings

__all__ = ["check_queues"]


def check_queues(settings: Settings, names: Sequence[str]) -> str:
    """Region, credentials and every named queue, in that order; the region. Raises what
    `aws_errors.explain` makes of the first problem (ConfigurationError or TransportError)."""
    session = session_for(settings)
    if session.get_credentials() is None:
        raise explain(NoCredentialsError(), settings, doing="checking the queues")
    config = Config(
        connect_timeout=settings.aws_connect_timeout_s,
        read_timeout=settings.aws_read_timeout_s,
        retries={"mode": "standard", "total_max_attempts": 2},
    )
    sqs = session.client("sqs", endpoint_url=settings.aws_endpoint_sqs, config=config)
    for name in names:
        try:
            sqs.get_queue_url(QueueName=name)
        except (ClientError, BotoCoreError) as error:
            raise explain(error, settings, doing=f"checking queue {name}", queue=name) from None
    return str(session.region_name)
