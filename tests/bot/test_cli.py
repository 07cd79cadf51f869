"""The `onnuri` command line: db upgrade, manifest, doctor."""

from __future__ import annotations

import subprocess
import sys
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
        env={"PATH": "", "PYTHONPATH": str(ROOT), "ONNURI_ENV_FILE": str(cwd / "absent.env"), **env},
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


def test_run_without_token_names_the_variable(tmp_path):
    result = run_cli("run", env={}, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("onnuri: SLACK_BOT_TOKEN")


def _doctor(monkeypatch, capsys, env: dict[str, str]) -> tuple[int, str]:
    for name in ("SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("ONNURI_ENV_FILE", "/nonexistent.env")
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
    from tests.fakes.slack_api import FakeSlack

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
