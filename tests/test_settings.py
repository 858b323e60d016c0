"""Settings: where they come from, what is required, and that secrets stay out of sight."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

import taskhawk
from taskhawk.settings import SETTING_NAMES, Settings, get_settings, setting_definitions

UPSTREAM_NAMES = {
    "AWS_REGION", "AWS_ACCOUNT_ID", "AWS_ACCESS_KEY", "AWS_SECRET_KEY", "AWS_SESSION_TOKEN",
    "AWS_ENDPOINT_SQS", "AWS_ENDPOINT_SNS", "AWS_CONNECT_TIMEOUT_S", "AWS_READ_TIMEOUT_S",
    "IS_LAMBDA_APP", "TASKHAWK_QUEUE", "TASKHAWK_SYNC", "TASKHAWK_DEFAULT_HEADERS",
    "TASKHAWK_PRE_PROCESS_HOOK", "TASKHAWK_POST_PROCESS_HOOK", "TASKHAWK_TASK_CLASS",
}  # fmt: skip


def test_every_upstream_setting_exists_with_a_documented_default() -> None:
    assert UPSTREAM_NAMES <= SETTING_NAMES
    for definition in setting_definitions():
        assert definition.metadata["doc"], definition.name


def test_importing_taskhawk_needs_no_settings() -> None:
    code = "import taskhawk, taskhawk.testing, taskhawk.wire; print('ok')"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.stdout.strip() == "ok", result.stderr


def test_unconfigured_use_names_every_place_looked() -> None:
    with pytest.raises(taskhawk.ConfigurationError, match=r"SETTINGS_MODULE.*Django.*configure"):
        get_settings()


def test_configure_accepts_mapping_object_and_keywords() -> None:
    taskhawk.configure({"taskhawk_queue": "LOWER"}, AWS_REGION="us-west-2")
    settings = get_settings()
    assert (settings.taskhawk_queue, settings.aws_region) == ("LOWER", "us-west-2")

    class Config:
        TASKHAWK_QUEUE = "OBJ"
        lower_case_ignored = "x"

    taskhawk.configure(Config)
    assert get_settings().taskhawk_queue == "OBJ"


def test_settings_module_wins_over_configure(monkeypatch: pytest.MonkeyPatch) -> None:
    taskhawk.configure(TASKHAWK_QUEUE="EXPLICIT")
    monkeypatch.setenv("SETTINGS_MODULE", "tests.support.settings_module")
    taskhawk.settings.clear_cache()
    settings = get_settings()
    assert settings.taskhawk_queue == "FROM-MODULE"
    assert settings.source == "SETTINGS_MODULE=tests.support.settings_module"


def test_broken_settings_module_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SETTINGS_MODULE", "tests.support.does_not_exist")
    with pytest.raises(taskhawk.ConfigurationError, match="does_not_exist"):
        get_settings()


def test_a_settings_module_that_fails_to_import_says_where_in_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "broken_settings.py").write_text("TASKHAWK_QUEUE = 'Q'\nAWS_REGION = (\n")
    (tmp_path / "raising_settings.py").write_text("TASKHAWK_QUEUE = undefined_name\n")
    (tmp_path / "fine_settings.py").write_text("TASKHAWK_QUEUE = 'Q'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    expected = {
        "broken_settings": r"SyntaxError: .* \(.*broken_settings\.py, line 2\)$",
        "raising_settings": r"NameError: name 'undefined_name' .*raising_settings\.py, line 1\)$",
        "fine_settings.py": r"not a package \(give a module name, not a file name: fine_settings\)",
        "no_such_settings": r"No module named 'no_such_settings' \(check the name",
    }
    for name, pattern in expected.items():
        monkeypatch.setenv("SETTINGS_MODULE", name)
        taskhawk.settings.clear_cache()
        with pytest.raises(taskhawk.ConfigurationError, match=pattern) as caught:
            get_settings()
        assert str(caught.value).startswith(f"SETTINGS_MODULE={name} cannot be imported: ")
        assert "\n" not in str(caught.value)


def test_configured_source_says_where_settings_would_come_from(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert taskhawk.settings.configured_source() is None
    taskhawk.configure(TASKHAWK_QUEUE="Q")
    assert taskhawk.settings.configured_source() == "configure()"
    monkeypatch.setenv("SETTINGS_MODULE", "tests.support.settings_module")
    assert taskhawk.settings.configured_source() == "SETTINGS_MODULE=tests.support.settings_module"
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "project.settings")
    assert taskhawk.settings.configured_source() == "Django settings"


def test_missing_required_setting_names_it_and_the_source() -> None:
    taskhawk.configure(AWS_REGION="us-east-1")
    with pytest.raises(taskhawk.ConfigurationError, match=r"TASKHAWK_QUEUE .*configure\(\)"):
        _ = get_settings().app_queue


def test_secrets_never_appear_in_repr(caplog: pytest.LogCaptureFixture) -> None:
    settings = Settings(
        taskhawk_queue="Q", aws_access_key="AKIA-key-value", aws_secret_key="s3cr3t-value",
        aws_session_token="token-value",
    )  # fmt: skip
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("test").info("settings: %s / %r", settings, settings)
    for secret in ("AKIA-key-value", "s3cr3t-value", "token-value"):
        assert secret not in repr(settings)
        assert secret not in caplog.text


def test_hooks_resolve_from_dotted_paths() -> None:
    taskhawk.configure(TASKHAWK_PRE_PROCESS_HOOK="tests.support.hooks.pre_process")
    hook = get_settings().pre_process_hook
    assert hook is not None and hook.__name__ == "pre_process"
    taskhawk.configure(TASKHAWK_PRE_PROCESS_HOOK="tests.support.hooks.nope")
    with pytest.raises(taskhawk.ConfigurationError, match="TASKHAWK_PRE_PROCESS_HOOK"):
        _ = get_settings().pre_process_hook


def test_flask_and_django_installed_change_nothing() -> None:
    """moto[server] installs Flask; upstream then failed outside an app context."""
    code = (
        "import flask, taskhawk\n"
        "taskhawk.configure(TASKHAWK_QUEUE='Q')\n"
        "from taskhawk.settings import get_settings\n"
        "print(get_settings().taskhawk_queue)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.stdout.strip() == "Q", result.stderr


def test_django_settings_are_read_when_django_is_configured() -> None:
    code = (
        "import django, taskhawk\n"
        "from django.conf import settings\n"
        "from taskhawk.settings import get_settings\n"
        "taskhawk.configure(TASKHAWK_QUEUE='EXPLICIT')\n"
        "print(get_settings().taskhawk_queue)\n"
        "taskhawk.settings.clear_cache()\n"
        "settings.configure(TASKHAWK_QUEUE='FROM-DJANGO', AWS_SECRET_KEY='dj-secret')\n"
        "print(get_settings().taskhawk_queue, get_settings().source)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.stdout.splitlines() == ["EXPLICIT", "FROM-DJANGO Django settings"], result.stderr
