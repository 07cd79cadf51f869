"""The `onnuri` command line: db upgrade, manifest, doctor."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml

from bot.__main__ import main
from models import migrate
from models.db import make_engine

ROOT = Path(__file__).parents[2]


def run_cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={"PATH": "", "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def test_db_upgrade_creates_the_schema_and_is_repeatable(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    for _ in range(2):
        result = run_cli("db", "upgrade", env={"DATABASE_URL": url}, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
    assert migrate.is_up_to_date(make_engine(url))


def test_db_upgrade_on_unreachable_database_fails_in_one_line(tmp_path):
    result = run_cli("db", "upgrade", env={"DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/x"}, cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "database upgrade failed" in result.stderr


def test_manifest_prints_yaml(tmp_path):
    result = run_cli("manifest", "--url", "https://x.example", env={}, cwd=tmp_path)
    assert result.returncode == 0
    assert yaml.safe_load(result.stdout)["settings"]["socket_mode_enabled"] is False


def test_manifest_speaks_the_organisations_language_first(tmp_path):
    def descriptions(env: dict[str, str]) -> dict[str, str]:
        result = run_cli("manifest", env=env, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        return {c["command"]: c["description"] for c in yaml.safe_load(result.stdout)["features"]["slash_commands"]}

    assert descriptions({})["/approval"] == "결재 상신과 처리"  # ONNURI_LOCALE defaults to ko
    assert descriptions({"ONNURI_LOCALE": "en"})["/approval"].startswith("Request and decide approvals")
    (tmp_path / ".env").write_text("ONNURI_LOCALE=en\n")
    assert descriptions({})["/approval"].startswith("Request")  # read from .env, as `run` reads it
    refused = run_cli("manifest", env={"ONNURI_LOCALE": "ja"}, cwd=tmp_path)
    assert refused.returncode == 2 and refused.stderr.startswith("onnuri: ONNURI_LOCALE")


def test_run_without_token_names_the_variable(tmp_path):
    result = run_cli("run", env={}, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("onnuri: SLACK_BOT_TOKEN")


def test_a_first_run_names_every_missing_setting_at_once(tmp_path):
    http = run_cli("run", env={}, cwd=tmp_path)
    assert "SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET: are required" in http.stderr
    socket = run_cli("run", "--socket", env={}, cwd=tmp_path)
    assert "SLACK_BOT_TOKEN, SLACK_APP_TOKEN: are required" in socket.stderr
    only_secret = run_cli("run", env={"SLACK_BOT_TOKEN": "xoxb-1"}, cwd=tmp_path)
    assert only_secret.returncode == 2 and only_secret.stderr.startswith("onnuri: SLACK_SIGNING_SECRET: is required")


def _doctor(monkeypatch, capsys, env: dict[str, str]) -> tuple[int, str]:
    monkeypatch.chdir(tempfile.mkdtemp())  # no developer's .env may leak in
    for name in ("SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code = main(["doctor"])
    return code, capsys.readouterr().out


@pytest.fixture
def upgraded_sqlite(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'doc.db'}"
    migrate.upgrade(make_engine(url))
    return url


def test_doctor_all_good_against_slack(monkeypatch, capsys, fake_slack, upgraded_sqlite):
    code, out = _doctor(
        monkeypatch,
        capsys,
        {
            "SLACK_BOT_TOKEN": "xoxb-doctor",
            "SLACK_SIGNING_SECRET": "s3cret-signing",
            "SLACK_API_URL": fake_slack.url,
            "DATABASE_URL": upgraded_sqlite,
        },
    )
    assert code == 0, out
    assert "✓ token: valid" in out and "✓ scopes" in out and "✓ migrations" in out
    assert "xoxb-doctor" not in out


def test_doctor_names_missing_scopes_and_pending_migrations(monkeypatch, capsys, tmp_path):
    from bot.fakeslack.web_api import FakeSlack

    with FakeSlack(scopes=["commands", "chat:write"]) as fake:
        code, out = _doctor(
            monkeypatch,
            capsys,
            {
                "SLACK_BOT_TOKEN": "xoxb-doctor",
                "SLACK_API_URL": fake.url,
                "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}",
            },
        )
    assert code == 1
    assert "✗ scopes: missing" in out and "users:read" in out
    assert "✗ migrations" in out and "onnuri db upgrade" in out
    assert "✗ mode" in out


def test_doctor_reports_a_refused_token(monkeypatch, capsys, fake_slack, upgraded_sqlite):
    fake_slack.error("auth.test", error="invalid_auth")
    code, out = _doctor(
        monkeypatch,
        capsys,
        {
            "SLACK_BOT_TOKEN": "xoxb-bad",
            "SLACK_APP_TOKEN": "xapp-1",
            "SLACK_API_URL": fake_slack.url,
            "DATABASE_URL": upgraded_sqlite,
        },
    )
    assert code == 1 and "invalid_auth" in out and "xoxb-bad" not in out
    assert "✓ app token" in out  # the xapp- token itself is fine


def test_doctor_says_when_slack_api_url_is_not_slack(monkeypatch, capsys, upgraded_sqlite):
    code, out = _doctor(
        monkeypatch,
        capsys,
        {
            "SLACK_BOT_TOKEN": "xoxb-x",
            "SLACK_APP_TOKEN": "xapp-1",
            "SLACK_API_URL": "http://127.0.0.1:1/api/",
            "DATABASE_URL": upgraded_sqlite,
        },
    )
    assert code == 1
    assert "✗ token: cannot reach Slack at http://127.0.0.1:1/api/" in out
    assert "✗ app token" in out


@pytest.mark.parametrize("url", ["your.host", "ftp://x", "https://"])
def test_manifest_refuses_a_url_that_is_not_http(tmp_path, url):
    result = run_cli("manifest", "--url", url, env={}, cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.startswith("onnuri: --url:")


def test_manifest_accepts_the_full_events_url_without_doubling_it(tmp_path):
    result = run_cli("manifest", "--url", "https://x.example/slack/events/", env={"PORT": "abc"}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "https://x.example/slack/events\n" in result.stdout and "events/slack/events" not in result.stdout


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("mysql://x/y", "driver for mysql is not installed"),
        ("postgres://u:pw@h/db", "unknown database kind"),
        ("sqlite://onnuri.db", "three slashes"),
        ("postgresql+psycopg://u:pw@host:notaport/db", "not a valid database URL"),
    ],
)
def test_bad_database_url_is_one_line_with_status_2(tmp_path, url, says):
    result = run_cli("db", "upgrade", env={"DATABASE_URL": url}, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("onnuri: DATABASE_URL:") and says in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "pw" not in result.stderr


def test_run_with_unreachable_database_fails_in_one_line(tmp_path):
    result = run_cli(
        "run",
        "--http",
        env={
            "SLACK_BOT_TOKEN": "xoxb-x",
            "SLACK_SIGNING_SECRET": "s",
            "SLACK_API_URL": "http://127.0.0.1:1/api/",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}",
        },
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "onnuri: database:" in result.stderr


def test_run_with_refused_token_fails_in_one_line(tmp_path, fake_slack):
    fake_slack.error("auth.test", error="invalid_auth")
    result = run_cli(
        "run",
        "--http",
        env={
            "SLACK_BOT_TOKEN": "xoxb-refused",
            "SLACK_SIGNING_SECRET": "s",
            "SLACK_API_URL": fake_slack.url,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
            "PORT": "3999",
        },
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert "Slack refused SLACK_BOT_TOKEN (invalid_auth)" in result.stderr and "xoxb-refused" not in result.stderr


def test_version(tmp_path):
    result = run_cli("--version", env={}, cwd=tmp_path)
    assert result.returncode == 0 and result.stdout.startswith("onnuri ")
