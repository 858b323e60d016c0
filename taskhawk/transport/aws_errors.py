"""What a boto3 failure means, in one line that names its cause and what to set or do.

The same refusal can have unrelated causes: an endpoint that is down, credentials that are
missing or refused, a region never set, a queue never provisioned. Each gets its own hint, and
only a missing queue is sent to `taskhawk provision`. Causes the user fixes in the settings are
ConfigurationErrors (the command exits 2); the rest are TransportErrors.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import boto3
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ReadTimeoutError,
)

from taskhawk.exceptions import ConfigurationError, TaskhawkError, TransportError

if TYPE_CHECKING:
    from taskhawk.settings import Settings

__all__ = ["QUEUE_MISSING_CODES", "explain", "is_missing_queue", "session_for"]

QUEUE_MISSING_CODES = frozenset({"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"})
_REFUSED_CREDENTIALS = frozenset(
    {"InvalidClientTokenId", "UnrecognizedClientException", "SignatureDoesNotMatch",
     "IncompleteSignature", "ExpiredToken", "ExpiredTokenException", "InvalidAccessKeyId",
     "AuthFailure", "InvalidSecurity"}
)  # fmt: skip
_DENIED = frozenset({"AccessDenied", "AccessDeniedException", "AuthorizationError"})
_TITLE = re.compile(r"<title>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def session_for(settings: Settings) -> boto3.session.Session:
    """A boto3 session with the settings' credentials; ConfigurationError when no region is set
    anywhere boto3 looks (a client would raise NoRegionError later, as a long traceback)."""
    session = boto3.session.Session(
        aws_access_key_id=settings.aws_access_key,
        aws_secret_access_key=settings.aws_secret_key,
        aws_session_token=settings.aws_session_token,
        region_name=settings.aws_region,
    )
    if session.region_name is None:
        raise _no_region(settings)
    return session


def is_missing_queue(error: Exception) -> bool:
    return isinstance(error, ClientError) and _code(error) in QUEUE_MISSING_CODES


def explain(
    error: Exception, settings: Settings, *, doing: str, queue: str | None = None
) -> TaskhawkError:
    """The error to raise for `error`, met while `doing` ("finding queue X"): one line, its
    cause and the fix. Only boto3's own errors are explained; others are wrapped as they are."""
    if isinstance(error, NoRegionError):
        return _no_region(settings)
    if isinstance(error, (NoCredentialsError, PartialCredentialsError)):
        return ConfigurationError(
            f"{doing}: no AWS credentials: set AWS_ACCESS_KEY and AWS_SECRET_KEY in the settings "
            f"({settings.source}; any value works for a local endpoint), or give boto3 "
            "credentials (AWS_PROFILE, environment variables, an instance or task role)"
        )
    if isinstance(error, ClientError):
        return _client_error(error, settings, doing, queue)
    return TransportError(f"{doing}: {_connection_problem(error, settings)}")


def _client_error(
    error: ClientError, settings: Settings, doing: str, queue: str | None
) -> TaskhawkError:
    code, message = _code(error), error.response.get("Error", {}).get("Message", "")
    if code in QUEUE_MISSING_CODES:
        name = queue or "the queue"
        return ConfigurationError(
            f"{doing}: {name} does not exist at {_endpoint(error, settings)}: "
            f"`taskhawk provision` creates it (TASKHAWK_QUEUE is {settings.taskhawk_queue!r})"
        )
    if code in _REFUSED_CREDENTIALS:
        return ConfigurationError(
            f"{doing}: AWS refused the credentials ({code}: {message}): check AWS_ACCESS_KEY, "
            "AWS_SECRET_KEY and AWS_SESSION_TOKEN in the settings, or boto3's credential chain"
        )
    if code in _DENIED:
        return ConfigurationError(
            f"{doing}: not allowed ({code}: {message}): grant these credentials the permission "
            "(docs: configuration, On AWS)"
        )
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
    if status >= 500:  # the endpoint itself failed; a local one answers with an HTML page
        return TransportError(
            f"{doing}: {_endpoint(error, settings)} failed (HTTP {status}: "
            f"{_one_line(message) or code}){_unknown_region_hint(settings)}"
        )
    return TransportError(f"{doing}: {code or 'error'}: {_one_line(message) or error}")


def _one_line(text: str, limit: int = 200) -> str:
    """An error message on one line: an HTML page reduced to its title, whitespace collapsed,
    the rest cut at `limit` characters."""
    title = _TITLE.search(text)
    words = " ".join((title[1] if title else text).split())
    return words if len(words) <= limit else f"{words[: limit - 3]}..."


def _unknown_region_hint(settings: Settings) -> str:
    """A region AWS does not have is what makes a local endpoint (moto) fail this way."""
    region = settings.aws_region
    if not region or not settings.aws_endpoint_sqs:
        return ""
    if region in boto3.session.Session().get_available_regions("sqs"):
        return ""
    return f"; AWS_REGION is {region!r}, which AWS does not have: local endpoints fail on it"


def _connection_problem(error: Exception, settings: Settings) -> str:
    if isinstance(error, (EndpointConnectionError, ConnectTimeoutError, ConnectionClosedError)):
        return _unreachable(error, settings)
    if isinstance(error, ReadTimeoutError):
        return (
            f"no answer within {settings.aws_read_timeout_s}s (AWS_READ_TIMEOUT_S) from "
            f"{_endpoint(error, settings)}"
        )
    return str(error) if isinstance(error, BotoCoreError) else f"{type(error).__name__}: {error}"


def _no_region(settings: Settings) -> ConfigurationError:
    return ConfigurationError(
        f"no AWS region: set AWS_REGION in the settings ({settings.source}), or give boto3 one "
        "(AWS_DEFAULT_REGION, an AWS profile)"
    )


def _unreachable(error: BotoCoreError, settings: Settings) -> str:
    endpoint = _endpoint(error, settings)
    if settings.aws_endpoint_sqs or settings.aws_endpoint_sns:
        return (
            f"cannot connect to {endpoint}: is the endpoint running? (AWS_ENDPOINT_SQS and "
            "AWS_ENDPOINT_SNS in the settings point at it)"
        )
    return f"cannot connect to {endpoint}: check the network and AWS_REGION"


def _endpoint(error: Exception, settings: Settings) -> str:
    url = getattr(error, "kwargs", {}).get("endpoint_url")
    return str(url or settings.aws_endpoint_sqs or f"SQS in {settings.aws_region or 'AWS'}")


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
