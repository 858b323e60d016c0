"""Every setting: its name (upstream Taskhawk's, lower-cased), default, documentation, and the
typed views the runtime reads (the app's names, hooks imported once). Where the values come
from is `taskhawk.settings.loading`.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from taskhawk.exceptions import ConfigurationError
from taskhawk.transport.naming import AppNames

__all__ = [
    "DOTTED_PATH_SETTINGS",
    "SETTING_NAMES",
    "Settings",
    "import_string",
    "setting_definitions",
]


def _setting(default: Any, doc: str, *, secret: bool = False, required: bool = False) -> Any:
    return field(
        default=default,
        repr=not secret,
        metadata={"doc": doc, "secret": secret, "required": required},
    )


@dataclass(frozen=True)
class Settings:
    """Every setting, by its upstream name lower-cased. Secrets are left out of the repr."""

    taskhawk_queue: str | None = _setting(
        None, "App queue name without the TASKHAWK- prefix, e.g. DEV-MYAPP.", required=True
    )
    aws_region: str | None = _setting(None, "AWS region; None uses boto3's default chain.")
    aws_account_id: str | None = _setting(
        None, "AWS account id, needed to build SNS topic ARNs when publishing through SNS."
    )
    aws_access_key: str | None = _setting(
        None, "Access key id; None uses boto3's default credential chain.", secret=True
    )
    aws_secret_key: str | None = _setting(None, "Secret access key.", secret=True)
    aws_session_token: str | None = _setting(
        None, "Session token for temporary credentials.", secret=True
    )
    aws_endpoint_sqs: str | None = _setting(
        None, "SQS endpoint URL (a local endpoint in development)."
    )
    aws_endpoint_sns: str | None = _setting(
        None, "SNS endpoint URL (a local endpoint in development)."
    )
    aws_endpoint_scheduler: str | None = _setting(
        None,
        "EventBridge Scheduler endpoint URL for `taskhawk provision`'s periodic-task schedules "
        "(a local endpoint in development; moto serves it on the SQS endpoint's port).",
    )
    aws_endpoint_s3: str | None = _setting(
        None, "S3 endpoint URL for large payloads (a local endpoint in development)."
    )
    aws_connect_timeout_s: float = _setting(
        5, "Seconds every SQS and SNS client waits to connect to its endpoint."
    )
    aws_read_timeout_s: float = _setting(
        10,
        "Seconds a request waits for its answer: sends, deletes, visibility changes and queue "
        "lookups wait this long, receives their poll time plus this. Too short a value stalls "
        "a worker completely against a slow endpoint (upstream's 2 s did, once the endpoint "
        "took 2 s); a send whose answer is lost this way is reported as outcome unknown.",
    )
    is_lambda_app: bool = _setting(
        False, "Publish to the priority's SNS topic (apps consumed by Lambda have no queue)."
    )
    taskhawk_sync: bool = _setting(
        False, "Run tasks in-process at dispatch, through the same encode/decode path."
    )
    taskhawk_default_headers: Callable[..., Mapping[str, str]] | str | None = _setting(
        None, "Callable (or dotted path) called with task= returning headers; explicit ones win."
    )
    taskhawk_pre_process_hook: Callable[..., Any] | str | None = _setting(
        None,
        "Called before each task with keyword arguments: queue_name= and sqs_queue_message= "
        "(worker), queue_name= and sqs_record= (Lambda SQS event), or sns_record= (Lambda SNS "
        "event).",
    )
    taskhawk_post_process_hook: Callable[..., Any] | str | None = _setting(
        None, "Called after a task succeeded or was ignored, with the pre-hook's arguments."
    )
    taskhawk_task_class: type[Any] | str | None = _setting(
        None, "Task subclass (or dotted path) that @taskhawk.task creates; default taskhawk.Task."
    )
    taskhawk_publish_via_sns: bool = _setting(
        False,
        "SQS apps publish through the priority's SNS topic (upstream 2.x+ topology) instead of "
        "sending to the queue directly.",
    )
    taskhawk_max_receive_count: int = _setting(
        4,
        "Receives before SQS moves a failing message to the DLQ: the redrive policy `taskhawk "
        "provision` sets, and the receive whose failure line says 'last attempt'; a worker "
        "warns at start when a queue's policy says otherwise.",
    )
    taskhawk_task_modules: tuple[str, ...] = _setting(
        (), "Modules the worker imports at start so their tasks are registered."
    )
    taskhawk_retry_backoff_base_s: int = _setting(
        30,
        "Seconds a failed (or RetryException() without delay) message stays hidden after its "
        "first receive; doubles with each further receive.",
    )
    taskhawk_retry_backoff_max_s: int = _setting(
        900, "Upper bound of the retry backoff, seconds (SQS allows at most 43200)."
    )
    taskhawk_visibility_timeout_s: int = _setting(
        30,
        "Seconds a received message stays hidden from other workers: the worker asks for it on "
        "every receive (`--visibility-timeout` overrides it) and `taskhawk provision` sets it "
        "on every queue. The heartbeat keeps a longer task's message hidden; a worker that "
        "dies leaves its messages to reappear after this long.",
    )
    taskhawk_heartbeat_interval_s: float | None = _setting(
        None,
        "Every this many seconds the worker re-extends each message it holds (waiting, "
        "running, or finished and not yet deleted) to the visibility timeout. None (the "
        "default) beats every third of the visibility timeout; 0 turns the heartbeat off; more "
        "than half the visibility timeout is refused at start.",
    )
    taskhawk_max_format_version: str | None = _setting(
        None,
        "The newest message format version publishers may write; None allows the newest this "
        "library knows. Every message is written in the oldest format that can carry it (a task "
        "without a long delay or an expiry is a 1.0 message); while some consumers read only "
        '1.0, set "1.0" and a dispatch that needs 1.1 is refused, naming this setting.',
    )
    taskhawk_dead_letter_expired: bool = _setting(
        False,
        "Send a task whose expiry passed before it started to the dead-letter queue (with the "
        "reason) instead of deleting it; either way it never runs and is logged.",
    )
    taskhawk_fifo: bool = _setting(
        False,
        "FIFO queues (and FIFO topics for Lambda apps): names end in .fifo, tasks of one message "
        "group (`with_group`) run one at a time in dispatch order, a dispatch needs a group, and "
        "delays are refused (FIFO queues cannot delay one message).",
    )
    taskhawk_fifo_content_based_deduplication: bool = _setting(
        False,
        "Let SQS deduplicate FIFO messages by their body (`taskhawk provision` sets it on the "
        "queues). Off: the deduplication id is the message id, or `with_deduplication_id`.",
    )
    taskhawk_lambda_fifo_skip_group_on_error: bool = _setting(
        False,
        "For a Lambda FIFO event whose record fails: report only the later records of the same "
        "message group (other groups go on). Off: AWS's rule, every later record.",
    )
    taskhawk_opentelemetry: bool = _setting(
        True,
        "With opentelemetry-api installed (`pip install taskhawk[otel]`), dispatches and "
        "consumers make spans and metrics through OpenTelemetry's global providers and carry "
        "the trace context in message attributes; False turns that off. Without the package "
        "nothing is imported either way.",
    )
    taskhawk_heartbeat_hook: Callable[..., Any] | str | None = _setting(
        None,
        "Upstream's heartbeat hook: called with no arguments every "
        "TASKHAWK_HEARTBEAT_HOOK_SYNC_CALL_S seconds, from a thread of each consuming process, "
        "while it listens (a health check can watch for its calls). An error it raises is "
        "logged, never fatal. Unrelated to TASKHAWK_HEARTBEAT_INTERVAL_S, the visibility "
        "heartbeat.",
    )
    taskhawk_heartbeat_hook_sync_call_s: float | None = _setting(
        None,
        "Seconds between calls of TASKHAWK_HEARTBEAT_HOOK (the first comes when listening "
        "starts); None never calls it, as in upstream 4.7. 0 or less is refused at start.",
    )
    taskhawk_default_tenant_header: str | None = _setting(
        None,
        "A header whose value is the tenant of a dispatch that has no `with_tenant`: the "
        "message group (a fair queue's tenant on standard queues, the FIFO group on FIFO apps). "
        "None: only `with_tenant` sets one.",
    )
    taskhawk_scheduler_role_arn: str | None = _setting(
        None,
        "The IAM role EventBridge Scheduler assumes to send periodic tasks' messages (allowed "
        "sqs:SendMessage on the app's queues and its scheduler dead-letter queue, or "
        "sns:Publish on its topics for Lambda apps); `taskhawk provision` needs it once a task "
        "is @periodic.",
    )
    taskhawk_periodic_max_lateness_s: float | None = _setting(
        900,
        "A periodic task's firing that reaches a consumer more than this many seconds after "
        "its scheduled time is expired unrun, like a task past its `with_expires` (None: never)."
        " It is also how long each consumer process remembers the firings it took, to run a "
        "repeated firing once.",
    )
    taskhawk_large_payload_bucket: str | None = _setting(
        None,
        "S3 bucket for messages too large for their queue or topic: the body goes to S3 and the "
        "message carries a pointer in the format of AWS's SQS/SNS Extended Client Libraries. "
        "None (the default): such a dispatch is refused with MessageTooLarge. Consumers read "
        "pointers either way (the bucket is in the pointer).",
    )
    taskhawk_large_payload_threshold: int | None = _setting(
        None,
        "Bytes (body plus attributes) above which a message goes through S3; None (the "
        "default) is the destination's limit (1 MiB for SQS, 256 KiB for SNS), and a larger "
        "value counts as that limit.",
    )
    taskhawk_large_payload_always: bool = _setting(
        False, "Send every message's body through S3, whatever its size (needs the bucket)."
    )
    taskhawk_success_log_level: str = _setting(
        "DEBUG",
        'Level of the "task succeeded" line each task that returned gets. "DEBUG" (the '
        "default): a worker counts successes and logs them, with every other outcome, in its "
        'summary line (TASKHAWK_SUMMARY_INTERVAL_S); "INFO" logs every success, as earlier '
        "releases did and Celery's worker does at INFO. Failures, retries, ignores and dead "
        "letters keep their own line whatever this says.",
    )
    taskhawk_summary_interval_s: float | None = _setting(
        60,
        "Every this many seconds, and when it stops, each consuming process logs one INFO line "
        "counting its task outcomes since the last one, by task (none when it handled nothing); "
        "a Lambda function logs it at the end of each invocation. None: never.",
    )
    taskhawk_validate_outgoing: bool = _setting(
        False,
        "Check every dispatched message whole against its format's publish schema, from the "
        "exact text about to be sent, before it is sent. Off (the default), a dispatch checks "
        "each part once where it enters (the task name when the task is declared, headers "
        "with `with_headers`, argument values as they are converted) and refuses bad input "
        "just the same; on, a library bug that writes a wrong message raises ValidationError "
        "instead of sending it. The test suite turns it on; a dispatch then costs about two "
        "thirds more CPU.",
    )
    source: str = field(default="configure()", compare=False, metadata={"internal": True})
    # Unknown TASKHAWK_*/AWS_* names of the source (settings.names): a warning for the library,
    # an error for the command.
    unknown: tuple[str, ...] = field(
        default=(), compare=False, repr=False, metadata={"internal": True}
    )

    @property
    def app_queue(self) -> str:
        """TASKHAWK_QUEUE, which names every queue and topic of the app; required."""
        return _required("TASKHAWK_QUEUE", self.taskhawk_queue, self)

    @property
    def names(self) -> AppNames:
        """The app's queue and topic names (TASKHAWK_QUEUE, TASKHAWK_FIFO)."""
        return AppNames(self.app_queue, fifo=self.taskhawk_fifo)

    @property
    def account_id(self) -> str:
        """AWS_ACCOUNT_ID, part of every SNS topic ARN; required to publish through SNS."""
        return _required("AWS_ACCOUNT_ID", self.aws_account_id, self)

    # Hooks given as dotted paths are imported once, on first use, not per message.
    @cached_property
    def pre_process_hook(self) -> Callable[..., Any] | None:
        return _hook("TASKHAWK_PRE_PROCESS_HOOK", self.taskhawk_pre_process_hook)

    @cached_property
    def post_process_hook(self) -> Callable[..., Any] | None:
        return _hook("TASKHAWK_POST_PROCESS_HOOK", self.taskhawk_post_process_hook)

    @cached_property
    def default_headers_hook(self) -> Callable[..., Mapping[str, str]] | None:
        return _hook("TASKHAWK_DEFAULT_HEADERS", self.taskhawk_default_headers)

    @cached_property
    def heartbeat_hook(self) -> Callable[..., Any] | None:
        return _hook("TASKHAWK_HEARTBEAT_HOOK", self.taskhawk_heartbeat_hook)

    def import_dotted_paths(self) -> None:
        """Import every setting given as a dotted path now: the worker does it once in its
        parent, so a bad path fails the start in one line naming the setting, instead of each
        consumer process crashing (and being restarted) when it first needs the object."""
        for name in DOTTED_PATH_SETTINGS.values():
            getattr(self, name)

    @cached_property
    def task_class(self) -> object:
        """TASKHAWK_TASK_CLASS imported when a dotted path (taskhawk.task checks it is a Task
        subclass); None when unset."""
        value = self.taskhawk_task_class
        return import_string("TASKHAWK_TASK_CLASS", value) if isinstance(value, str) else value


# Each setting that may name an object by its dotted path, and the property importing it.
DOTTED_PATH_SETTINGS = {
    "taskhawk_default_headers": "default_headers_hook",
    "taskhawk_pre_process_hook": "pre_process_hook",
    "taskhawk_post_process_hook": "post_process_hook",
    "taskhawk_heartbeat_hook": "heartbeat_hook",
    "taskhawk_task_class": "task_class",
}


def _required(name: str, value: str | None, settings: Settings) -> str:
    if not value:
        meant = [entry for entry in settings.unknown if entry.endswith(f"(did you mean {name}?)")]
        hint = f": {', '.join(meant)}" if meant else ""
        raise ConfigurationError(
            f"setting {name} is required but not set (looked in {settings.source}){hint}"
        )
    return value


def _hook(name: str, value: Callable[..., Any] | str | None) -> Callable[..., Any] | None:
    hook = import_string(name, value) if isinstance(value, str) else value
    if hook is not None and not callable(hook):
        raise ConfigurationError(f"setting {name}={value!r} is not callable")
    return hook


def setting_definitions() -> list[dataclasses.Field[Any]]:
    """The settings with their defaults and docs, for the configuration reference."""
    return [f for f in dataclasses.fields(Settings) if not f.metadata.get("internal")]


SETTING_NAMES = frozenset(f.name.upper() for f in setting_definitions())


def import_string(setting: str, dotted: str) -> object:
    """The object a dotted path names; ConfigurationError naming the setting if it cannot be
    imported."""
    module_name, _, attribute = dotted.rpartition(".")
    try:
        value = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError, ValueError) as error:
        raise ConfigurationError(
            f"setting {setting}={dotted!r} cannot be imported: {error}"
        ) from error
    return value
