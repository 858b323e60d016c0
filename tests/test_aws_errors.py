"""What a boto3 failure is reported as: the cause in words and the matching hint, and only a
missing queue points to `taskhawk provision`; what provisioning says it changed."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import (
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    ReadTimeoutError,
)

from taskhawk.admin.attribute_changes import attribute_changes
from taskhawk.exceptions import ConfigurationError, TaskhawkError, TransportError
from taskhawk.settings import Settings
from taskhawk.transport.aws_errors import explain, session_for

LOCAL = Settings(
    taskhawk_queue="APP", aws_region="us-east-1", aws_endpoint_sqs="http://127.0.0.1:9",
    source="SETTINGS_MODULE=settings",
)  # fmt: skip
ON_AWS = Settings(taskhawk_queue="APP", aws_region="eu-west-1", source="Django settings")


def client_error(code: str, message: str = "refused") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "GetQueueUrl")


@pytest.mark.parametrize(
    ("error", "settings", "kind", "words"),
    [
        (NoRegionError(), ON_AWS, ConfigurationError, "no AWS region: set AWS_REGION in the "
         "settings (Django settings)"),
        (NoCredentialsError(), LOCAL, ConfigurationError, "no AWS credentials: set AWS_ACCESS_KEY"),
        (EndpointConnectionError(endpoint_url="http://127.0.0.1:9"), LOCAL, TransportError,
         "cannot connect to http://127.0.0.1:9: is the endpoint running? (AWS_ENDPOINT_SQS"),
        (ConnectTimeoutError(endpoint_url="https://sqs.eu-west-1.amazonaws.com"), ON_AWS,
         TransportError, "cannot connect to https://sqs.eu-west-1.amazonaws.com: check the "
         "network"),
        (ReadTimeoutError(endpoint_url="http://127.0.0.1:9"), LOCAL, TransportError,
         f"no answer within {LOCAL.aws_read_timeout_s}s (AWS_READ_TIMEOUT_S)"),
        (client_error("AWS.SimpleQueueService.NonExistentQueue"), LOCAL, ConfigurationError,
         "TASKHAWK-APP does not exist at http://127.0.0.1:9: `taskhawk provision` creates it"),
        (client_error("InvalidClientTokenId"), ON_AWS, ConfigurationError,
         "AWS refused the credentials (InvalidClientTokenId: refused): check AWS_ACCESS_KEY"),
        (client_error("AccessDenied", "not authorized"), ON_AWS, ConfigurationError,
         "not allowed (AccessDenied: not authorized)"),
        (client_error("InternalError", "try later"), ON_AWS, TransportError,
         "InternalError: try later"),
    ],
)  # fmt: skip
def test_each_cause_has_its_own_hint(
    error: Exception, settings: Settings, kind: type[TaskhawkError], words: str
) -> None:
    explained = explain(error, settings, doing="checking queue TASKHAWK-APP", queue="TASKHAWK-APP")
    assert type(explained) is kind
    assert str(explained).startswith("checking queue TASKHAWK-APP: ") or kind is ConfigurationError
    assert words in str(explained)
    assert "\n" not in str(explained)
    if "NonExistentQueue" not in repr(error):
        assert "provision" not in str(explained)


def test_a_session_without_any_region_is_refused_before_any_client_exists(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    with pytest.raises(ConfigurationError, match="no AWS region"):
        session_for(Settings(taskhawk_queue="APP"))
    assert session_for(ON_AWS).region_name == "eu-west-1"


def test_attribute_changes_compare_json_by_value_and_say_what_changed() -> None:
    redrive = {"deadLetterTargetArn": "arn:dlq", "maxReceiveCount": 4}
    current = {"RedrivePolicy": json.dumps(redrive), "MessageRetentionPeriod": "345600"}
    same = {"RedrivePolicy": json.dumps({"maxReceiveCount": "4", "deadLetterTargetArn": "arn:dlq"})}
    assert attribute_changes(current, same) == {}
    wanted = {
        "RedrivePolicy": json.dumps({**redrive, "maxReceiveCount": 6}),
        "MessageRetentionPeriod": "1209600",
        "Policy": json.dumps({"Statement": []}),
    }
    assert attribute_changes(current, wanted) == {
        "RedrivePolicy": ("maxReceiveCount 4 -> 6",),
        "MessageRetentionPeriod": ("MessageRetentionPeriod 345600 -> 1209600",),
        "Policy": ("Policy set",),
    }
