"""Settings for a local endpoint: `SETTINGS_MODULE=settings` makes taskhawk read this module."""

import os

TASKHAWK_QUEUE = "DEV-MYAPP"
AWS_REGION = "us-east-1"
AWS_ACCOUNT_ID = "123456789012"
# `taskhawk dev-server --port 4566` prints these values. On AWS leave out the keys and the
# endpoints: boto3 finds credentials itself.
AWS_ACCESS_KEY = "testing"
AWS_SECRET_KEY = "testing"
AWS_ENDPOINT_SQS = os.environ.get("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
AWS_ENDPOINT_SNS = AWS_ENDPOINT_SQS
