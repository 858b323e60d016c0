"""Settings of the worker subprocesses of the large-payload tests: the integration settings plus
the S3 endpoint, and no bucket (a consumer reads pointers without one)."""

from __future__ import annotations

import os

from tests.integration.worker_settings import *  # noqa: F403

AWS_ENDPOINT_S3 = os.environ["AWS_ENDPOINT_SQS"]  # the moto server serves S3 on the same port
