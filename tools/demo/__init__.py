"""`make demo`: taskhawk end to end on a local SQS/SNS endpoint (see README)."""
