"""Large payloads in S3 through boto3 (AWS_ENDPOINT_S3 points it at a local endpoint).

Every failure is a TransportError naming the object; a missing object is PayloadMissing, so a
consumer can tell a message that can never run from an outage it should wait out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from taskhawk.exceptions import TransportError
from taskhawk.settings import Settings
from taskhawk.transport.payload_store import PayloadMissing

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

__all__ = ["S3PayloadStore"]

_MISSING_CODES = frozenset({"NoSuchKey", "404", "NotFound"})


class S3PayloadStore:
    def __init__(self, settings: Settings) -> None:
        session = boto3.session.Session(
            aws_access_key_id=settings.aws_access_key,
            aws_secret_access_key=settings.aws_secret_key,
            aws_session_token=settings.aws_session_token,
            region_name=settings.aws_region,
        )
        config = Config(
            connect_timeout=settings.aws_connect_timeout_s,
            read_timeout=settings.aws_read_timeout_s,
            retries={"mode": "standard", "total_max_attempts": 3},
            s3={"addressing_style": "path"} if settings.aws_endpoint_s3 else None,
        )
        self._s3: S3Client = session.client(
            "s3", endpoint_url=settings.aws_endpoint_s3, config=config
        )

    def put(self, bucket: str, key: str, body: str) -> None:
        try:
            self._s3.put_object(Bucket=bucket, Key=key, Body=body.encode("utf-8"))
        except (ClientError, BotoCoreError) as error:
            raise TransportError(f"putting s3://{bucket}/{key} failed: {error}") from error

    def get(self, bucket: str, key: str) -> str:
        try:
            response = self._s3.get_object(Bucket=bucket, Key=key)
            data = response["Body"].read()
        except ClientError as error:
            if str(error.response.get("Error", {}).get("Code", "")) in _MISSING_CODES:
                raise PayloadMissing(f"s3://{bucket}/{key} does not exist (NoSuchKey)") from error
            raise TransportError(f"getting s3://{bucket}/{key} failed: {error}") from error
        except BotoCoreError as error:
            raise TransportError(f"getting s3://{bucket}/{key} failed: {error}") from error
        return bytes(data).decode("utf-8")

    def delete(self, bucket: str, key: str) -> None:
        try:
            self._s3.delete_object(Bucket=bucket, Key=key)
        except (ClientError, BotoCoreError) as error:
            raise TransportError(f"deleting s3://{bucket}/{key} failed: {error}") from error
