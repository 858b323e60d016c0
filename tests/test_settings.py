"""Settings: where they come from, what is required, and that secrets stay out of sight."""

from __future__ import annotations

import logging
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import taskhawk
from taskhawk.settings import SETTING_NAMES, Settings, get_settings, setting_definitions
from taskhawk.settings.definitions import DOTTED_PATH_SETTINGS

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


def test_configure_wins_over_settings_module_and_says_what_differs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The quickstart leaves SETTINGS_MODULE exported; code that calls configure() (the testing
    page's sync mode) means what it says, and is told what the module would have changed."""
    monkeypatch.setenv("SETTINGS_MODULE", "tests.support.settings_module")
    taskhawk.configure(TASKHAWK_QUEUE="EXPLICIT", AWS_REGION="eu-west-1", TASKHAWK_SYNC=True)
    with pytest.warns(taskhawk.SettingsWarning) as caught:
        settings = get_settings()
    assert (settings.taskhawk_queue, settings.taskhawk_sync) == ("EXPLICIT", True)
    assert settings.source == "configure()"
    (warning,) = caught
    assert str(warning.message) == (
        "taskhawk uses the settings given to configure(), not those of "
        "SETTINGS_MODULE=tests.support.settings_module, which differ in TASKHAWK_QUEUE, "
        "AWS_SECRET_KEY, TASKHAWK_SYNC, TASKHAWK_DEFAULT_HEADERS (configure() wins: unset "
        "SETTINGS_MODULE or stop calling configure() to silence this)"
    )
    assert "module-secret-value" not in str(warning.message)  # names only, never values


def test_configure_and_a_settings_module_that_agree_say_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SETTINGS_MODULE", "tests.support.settings_module")
    from tests.support import settings_module

    taskhawk.configure(settings_module)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert get_settings().source == "configure()"


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
    monkeypatch.setenv("SETTINGS_MODULE", "tests.support.settings_module")
    assert taskhawk.settings.configured_source() == "SETTINGS_MODULE=tests.support.settings_module"
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "project.settings")
    assert taskhawk.settings.configured_source() == "Django settings"
    taskhawk.configure(TASKHAWK_QUEUE="Q")
    assert taskhawk.settings.configured_source() == "configure()"


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
        "settings.configure(TASKHAWK_QUEUE='FROM-DJANGO', AWS_SECRET_KEY='dj-secret',\n"
        "                   AWS_STORAGE_BUCKET_NAME='other-app', AWS_ACCESS_KEY_ID='x',\n"
        "                   TASKHAWK_SYNCC=True)\n"
        "print(get_settings().taskhawk_queue, get_settings().source)\n"
        "taskhawk.configure(TASKHAWK_QUEUE='EXPLICIT')\n"
        "print(get_settings().taskhawk_queue)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.stdout.splitlines() == ["FROM-DJANGO Django settings", "EXPLICIT"], result.stderr
    # Django settings hold other apps' AWS_* names: only the near-miss TASKHAWK_ name is one.
    assert "unknown setting in Django settings: TASKHAWK_SYNCC (did you mean TASKHAWK_SYNC?)" in (
        result.stderr
    )
    assert "AWS_STORAGE_BUCKET_NAME" not in result.stderr and "AWS_ACCESS_KEY_ID" not in (
        result.stderr
    )
    assert "not those of Django settings, which differ in TASKHAWK_QUEUE, AWS_SECRET_KEY" in (
        result.stderr
    )


@pytest.mark.parametrize(
    ("name", "reported"),
    [
        ("TASKHAWK_QUEU", "TASKHAWK_QUEU (did you mean TASKHAWK_QUEUE?)"),
        (
            "TASKHAWK_MAX_RECIEVE_COUNT",
            "TASKHAWK_MAX_RECIEVE_COUNT (did you mean TASKHAWK_MAX_RECEIVE_COUNT?)",
        ),
        ("TASKHAWK_SYNCC", "TASKHAWK_SYNCC (did you mean TASKHAWK_SYNC?)"),
        ("AWS_ENDPOINT_SQ", "AWS_ENDPOINT_SQ (did you mean AWS_ENDPOINT_SQS?)"),
        ("AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID (did you mean AWS_ACCESS_KEY?)"),
        ("TASKHAWK_ZEBRA", "TASKHAWK_ZEBRA"),
    ],
)
def test_a_misspelt_setting_given_to_configure_is_a_warning_naming_the_closest(
    name: str, reported: str
) -> None:
    with pytest.warns(taskhawk.SettingsWarning) as caught:
        taskhawk.configure({"TASKHAWK_QUEUE": "Q", name: 1, "OTHER_APP_SETTING": 2})
    (warning,) = caught
    assert str(warning.message) == (
        f"unknown setting in configure(): {reported}; taskhawk would ignore it "
        "(docs: configuration lists every setting)"
    )
    assert warning.filename == __file__  # points at the call, not into taskhawk


def test_misspelt_names_in_a_settings_module_are_one_warning_at_first_use(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "typo_settings.py").write_text(
        "TASKHAWK_QUEU = 'Q'\nAWS_ENDPOINT_SQ = 'http://x'\nTASKHAWK_PUBLISHER_BACKEND = 'x'\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("SETTINGS_MODULE", "typo_settings")
    with pytest.warns(taskhawk.SettingsWarning) as caught:
        settings = get_settings()
    get_settings()  # once, not at every use
    (warning,) = caught
    assert str(warning.message) == (
        "unknown settings in SETTINGS_MODULE=typo_settings: AWS_ENDPOINT_SQ (did you mean "
        "AWS_ENDPOINT_SQS?), TASKHAWK_QUEU (did you mean TASKHAWK_QUEUE?); taskhawk would ignore "
        "them (docs: configuration lists every setting)"
    )  # upstream's retired TASKHAWK_PUBLISHER_BACKEND is documented as doing nothing: not a typo
    with pytest.raises(taskhawk.ConfigurationError, match="TASKHAWK_QUEUE is required"):
        _ = settings.app_queue
    with pytest.raises(taskhawk.ConfigurationError, match=r"^unknown settings in SETTINGS_MOD"):
        taskhawk.settings.checked_settings()


def test_every_setting_that_takes_an_object_is_imported_by_the_worker_preflight() -> None:
    """A setting added later that names a function or class by dotted path is checked too."""
    takes_objects = {
        definition.name
        for definition in setting_definitions()
        if "Callable" in str(definition.type) or "type[" in str(definition.type)
    }
    assert takes_objects == set(DOTTED_PATH_SETTINGS)
    settings = Settings(taskhawk_queue="Q", taskhawk_post_process_hook="tests.support.hooks.nope")
    with pytest.raises(taskhawk.ConfigurationError, match="TASKHAWK_POST_PROCESS_HOOK="):
        settings.import_dotted_paths()


def test_a_required_setting_missing_names_the_misspelling_that_was_meant(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "queu_settings.py").write_text("TASKHAWK_QUEU = 'Q'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("SETTINGS_MODULE", "queu_settings")
    with pytest.warns(taskhawk.SettingsWarning):
        settings = get_settings()
    with pytest.raises(taskhawk.ConfigurationError) as caught:
        _ = settings.app_queue
    assert str(caught.value) == (
        "setting TASKHAWK_QUEUE is required but not set (looked in SETTINGS_MODULE=queu_settings): "
        "TASKHAWK_QUEU (did you mean TASKHAWK_QUEUE?)"
    )
