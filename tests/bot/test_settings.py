"""Settings from the environment: defaults, and a one-line error naming a bad variable."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.compose import organisation
from bot.settings import Settings, SettingsError


def test_defaults_follow_design():
    s = Settings.from_env({})
    assert (s.database_url, s.timezone, s.locale, s.holidays_country, s.port) == (
        "sqlite:///onnuri.db",
        "Asia/Seoul",
        "ko",
        "KR",
        3000,
    )
    assert s.slack_api_url == "https://slack.com/api/" and s.admins == frozenset()


def test_values_are_read_and_normalised():
    s = Settings.from_env(
        {
            "SLACK_BOT_TOKEN": "xoxb-1",
            "SLACK_API_URL": "http://127.0.0.1:9/api",
            "ONNURI_LOCALE": "EN",
            "ONNURI_HOLIDAYS": "us",
            "ONNURI_ADMINS": "U1AAA, U2BBB",
            "PORT": "8080",
        }
    )
    assert s.slack_api_url == "http://127.0.0.1:9/api/"
    assert (s.locale, s.holidays_country, s.port) == ("en", "US", 8080)
    assert s.admins == {"U1AAA", "U2BBB"}


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("PORT", "abc"),
        ("PORT", "70000"),
        ("ONNURI_TIMEZONE", "Mars/Base"),
        ("ONNURI_LOCALE", "fr"),
        ("ONNURI_HOLIDAYS", "XX"),
        ("ONNURI_ADMINS", "kim,U1AAA"),
        ("SLACK_BOT_TOKEN", "xoxp-user-token"),
        ("SLACK_APP_TOKEN", "xoxb-wrong"),
        ("SLACK_API_URL", "ftp://x"),
        ("DATABASE_URL", "not a url"),
        ("ONNURI_OFFICE_HOURS", "18:00-09:00"),
        ("ONNURI_OFFICE_HOURS", "nine to six"),
        ("ONNURI_QUIET_HOURS", "late"),
    ],
)
def test_malformed_setting_names_the_variable(variable, value):
    with pytest.raises(SettingsError) as error:
        Settings.from_env({variable: value})
    assert error.value.variable == variable and str(error.value).startswith(variable)


def test_office_hours_are_read_into_the_working_time_every_rule_uses():
    s = Settings.from_env({"ONNURI_OFFICE_HOURS": "08:30-17:30", "ONNURI_APPROVAL_REMIND_HOURS": "9"})
    rules = organisation(s).rules
    assert str(rules.working_time.office) == "08:30-17:30" and rules.prompt_hours == 9
    assert str(organisation(Settings.from_env({})).working_time.office) == "09:00-18:00"


def test_every_setting_is_in_the_env_example_and_the_readme():
    root = Path(__file__).parents[2]
    example = (root / ".env.example").read_text(encoding="utf-8")
    readme = (root / "README.md").read_text(encoding="utf-8")
    for name in re.findall(r'get\("([A-Z_]+)"\)', (root / "bot" / "settings.py").read_text(encoding="utf-8")):
        assert f"{name}=" in example, name
        assert f"`{name}`" in readme, name


def test_settings_are_frozen_and_hide_secrets_in_repr():
    s = Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-secret-value", "SLACK_SIGNING_SECRET": "shh-signing"})
    with pytest.raises(AttributeError):
        s.port = 1  # type: ignore[misc]
    assert "xoxb-secret-value" not in repr(s) and "shh-signing" not in repr(s)


def test_require_names_the_missing_variable():
    with pytest.raises(SettingsError, match="SLACK_BOT_TOKEN"):
        Settings.from_env({}).require("SLACK_BOT_TOKEN")


def test_cli_reports_bad_setting_in_one_line_with_status_2(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "bot", "db", "upgrade"],
        env={"PORT": "abc", "PATH": ""},
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == ["onnuri: PORT: must be a port number, got 'abc'"]
    assert "Traceback" not in result.stderr
