"""taskhawk: asynchronous tasks over AWS SQS, SNS and Lambda, on a versioned JSON wire format.

Layers, each importing only those before it: the wire format (`taskhawk.wire`, generated from
schema/) and the transport boundary (`taskhawk.transport`); declaring and dispatching tasks
(`taskhawk.task`, `taskhawk.publisher`); consuming (`taskhawk.consume`: one execution core and
its drivers); the admin commands and the CLI (`taskhawk.admin`, `taskhawk.cli`).
"""

from taskhawk.admin.requeue import requeue_dead_letter
from taskhawk.consume.lambda_handler import process_messages_for_lambda_consumer
from taskhawk.consume.sqs import listen_for_messages
from taskhawk.consume.sync import run_now
from taskhawk.consume.visibility import extend_visibility_timeout
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
from taskhawk.metadata import Metadata
from taskhawk.periodic import periodic
from taskhawk.priority import Priority, PriorityName
from taskhawk.publisher import batch, install_sync_runner
from taskhawk.settings import SettingsWarning, configure
from taskhawk.task import Invocation, Task, task
from taskhawk.version import __version__

# Sync mode runs dispatched messages through the consume layer, which the publisher (a layer
# below it) cannot import: the runner is handed down here, where both are known.
install_sync_runner(run_now)

__all__ = [  # noqa: RUF022 - grouped by purpose, sorted within groups
    "__version__",
    # declaring and dispatching tasks
    "Invocation",
    "Metadata",
    "Priority",
    "PriorityName",
    "Task",
    "batch",
    "configure",
    "extend_visibility_timeout",
    "periodic",
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
    "SettingsWarning",
    "TaskNotFound",
    "TaskhawkError",
    "TransportError",
    "ValidationError",
]
