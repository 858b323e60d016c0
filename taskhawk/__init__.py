"""taskhawk: asynchronous tasks over AWS SQS, SNS and Lambda, on a versioned JSON wire format."""

from taskhawk.batching import batch
from taskhawk.consumer import listen_for_messages
from taskhawk.dead_letter import requeue_dead_letter
from taskhawk.exceptions import (
    ArgumentsMismatch,
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
from taskhawk.lambda_consumer import process_messages_for_lambda_consumer
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
    # consuming
    "listen_for_messages",
    "process_messages_for_lambda_consumer",
    "requeue_dead_letter",
    # errors and task outcomes
    "ArgumentsMismatch",
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
