"""A settings module, as SETTINGS_MODULE would name it."""

TASKHAWK_QUEUE = "FROM-MODULE"
AWS_REGION = "eu-west-1"
AWS_SECRET_KEY = "module-secret-value"
TASKHAWK_DEFAULT_HEADERS = "tests.support.hooks.default_headers"
