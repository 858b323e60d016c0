"""The S3 bucket of large payloads (TASKHAWK_LARGE_PAYLOAD_BUCKET): `taskhawk provision` creates
it with a lifecycle rule, and `taskhawk stats` counts what it holds.

Consumers delete each object once its message is deleted; the lifecycle rule is the safety net
for objects nothing deletes (a process killed between the two deletes, a message that expired on
its queue). It expires objects a day after the longest a message or its dead letter can be kept
(SQS keeps a message at most 14 days, and a dead letter's age counts from its first enqueue).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from taskhawk.admin.aws_admin import AWSAdmin
from taskhawk.admin.provision import DLQ_RETENTION_S, Provisioned
from taskhawk.exceptions import ConfigurationError
from taskhawk.settings import Settings
from taskhawk.transport.aws_errors import explain

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

__all__ = [
    "EXPIRY_DAYS",
    "LIFECYCLE_RULE_ID",
    "ensure_payload_bucket",
    "payload_count",
    "payload_line",
    "payload_stats",
]

EXPIRY_DAYS = DLQ_RETENTION_S // 86_400 + 1
LIFECYCLE_RULE_ID = "taskhawk-large-payload-expiry"
_COUNT_LIMIT = 1000  # one ListObjectsV2 page: enough to see a leak, cheap to ask


def _client(settings: Settings) -> S3Client:
    admin = AWSAdmin(settings)
    s3: S3Client = admin.session.client("s3", endpoint_url=settings.aws_endpoint_s3)
    return s3


def _bucket(settings: Settings) -> str:
    bucket = settings.taskhawk_large_payload_bucket
    if not bucket:
        raise ConfigurationError("TASKHAWK_LARGE_PAYLOAD_BUCKET is not set")
    return bucket


def ensure_payload_bucket(settings: Settings) -> Provisioned:
    """Create the bucket if it is missing, and put the expiry rule on it (rerunning sets the
    rule again: taskhawk owns it). Other lifecycle rules of the bucket are kept."""
    bucket, s3 = _bucket(settings), _client(settings)
    try:
        created = _create(s3, bucket, settings.aws_region)
        rules = [r for r in _rules(s3, bucket) if r.get("ID") != LIFECYCLE_RULE_ID]
        rules.append(
            {
                "ID": LIFECYCLE_RULE_ID,
                "Filter": {"Prefix": ""},
                "Status": "Enabled",
                "Expiration": {"Days": EXPIRY_DAYS},
            }
        )
        s3.put_bucket_lifecycle_configuration(
            Bucket=bucket,
            LifecycleConfiguration={"Rules": rules},  # type: ignore[typeddict-item]
        )
    except (ClientError, BotoCoreError) as error:
        raise explain(error, settings, doing=f"provisioning S3 bucket {bucket}") from error
    return Provisioned(
        "payload bucket", f"{bucket} (objects expire after {EXPIRY_DAYS} days)", created
    )


def _create(s3: S3Client, bucket: str, region: str | None) -> bool:
    try:
        s3.head_bucket(Bucket=bucket)
        return False
    except ClientError as error:
        if str(error.response.get("Error", {}).get("Code")) not in {"404", "NoSuchBucket"}:
            raise
    if region and region != "us-east-1":  # us-east-1 refuses a location constraint
        s3.create_bucket(
            Bucket=bucket,
            CreateBucketConfiguration={"LocationConstraint": region},  # type: ignore[typeddict-item]
        )
    else:
        s3.create_bucket(Bucket=bucket)
    return True


def _rules(s3: S3Client, bucket: str) -> list[dict[str, object]]:
    try:
        answer = s3.get_bucket_lifecycle_configuration(Bucket=bucket)
    except ClientError as error:
        if str(error.response.get("Error", {}).get("Code")) == "NoSuchLifecycleConfiguration":
            return []
        raise
    return [dict(rule) for rule in answer.get("Rules", [])]


def payload_count(settings: Settings) -> tuple[int, bool]:
    """How many objects the bucket holds, counting up to a thousand; and whether there are
    more."""
    bucket, s3 = _bucket(settings), _client(settings)
    try:
        answer = s3.list_objects_v2(Bucket=bucket, MaxKeys=_COUNT_LIMIT)
    except (ClientError, BotoCoreError) as error:
        raise explain(error, settings, doing=f"listing S3 bucket {bucket}") from error
    return int(answer.get("KeyCount", 0)), bool(answer.get("IsTruncated"))


def payload_stats(settings: Settings) -> dict[str, object] | None:
    """What `taskhawk stats` shows of the bucket; None without TASKHAWK_LARGE_PAYLOAD_BUCKET."""
    if not settings.taskhawk_large_payload_bucket:
        return None
    count, more = payload_count(settings)
    return {"bucket": settings.taskhawk_large_payload_bucket, "objects": count, "more": more}


def payload_line(stats: dict[str, object] | None) -> str:
    """The stats table's last line: objects in the bucket (messages in flight or dead)."""
    if stats is None:
        return ""
    count = f"{stats['objects']}{'+' if stats['more'] else ''}"
    return f"\nlarge payloads: {count} objects in s3://{stats['bucket']}"
