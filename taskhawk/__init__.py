"""taskhawk: asynchronous tasks over AWS SQS, SNS and Lambda, on a versioned JSON wire format."""

from taskhawk.batching import batch
from taskhawk.exceptions import (
    ConfigurationError,
    IgnoreException,
    LoggingException,
    MessageTooLarge,
    PublishError,
    RetryException,
    TaskhawkError,
    TaskNotFound,
    TransportError,
    ValidationError,
)
from taskhawk.metadata import Metadata
from taskhawk.priority import Priority
from taskhawk.settings import configure
from taskhawk.task import Invocation, Task, task
from taskhawk.visibility import extend_visibility_timeout

__version__ = "5.0.0.dev0"

__all__ = [  # noqa: RUF022 - grouped by purpose, sorted within groups
    # declaring and dispatching tasks
    "Invocation",
    "Metadata",
    "Priority",
    "Task",
    "batch",
    "configure",
    "extend_visibility_timeout",
    "task",
    # errors and task outcomes
    "ConfigurationError",
    "IgnoreException",
    "LoggingException",
    "MessageTooLarge",
    "PublishError",
    "RetryException",
    "TaskNotFound",
    "TaskhawkError",
    "TransportError",
    "ValidationError",
]
