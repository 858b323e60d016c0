"""Settings for the local endpoint of `taskhawk dev-server --queue DEV-MYAPP`: what it prints."""

TASKHAWK_QUEUE = "DEV-MYAPP"
AWS_REGION = "us-east-1"
AWS_ACCOUNT_ID = "123456789012"
AWS_ACCESS_KEY = "testing"
AWS_SECRET_KEY = "testing"
AWS_ENDPOINT_SQS = "http://127.0.0.1:4566"
AWS_ENDPOINT_SNS = "http://127.0.0.1:4566"
