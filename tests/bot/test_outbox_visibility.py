"""Messages the outbox gave up are not silent: `onnuri doctor` lists them with their errors, /healthz counts
them beside what waits, and neither turns them into a failure of the setup or of the process."""

from __future__ import annotations

import json
import tempfile
from datetime import timedelta

import pytest
from slack_bolt import App
from sqlalchemy.orm import Session

from bot.__main__ import main
from bot.settings import Settings
from bot.web import make_wsgi_app
from models import migrate
from models.base import utcnow
from models.db import make_engine
from services import outbox

TEAM = "T1"


@pytest.fixture
def upgraded_sqlite(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'outbox.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return url


def given_up(url: str, key: str, error: str | None, *, recipient: str = "C0GONE") -> None:
    """A row tried once and given up with `error` (None: skipped, its subject gone)."""
    engine = make_engine(url)
    with Session(engine) as session, session.begin():
        outbox.enqueue(session, team_id=TEAM, kind="project.member_added", recipient=recipient, dedupe_key=key)
        message_id = outbox.due_ids(session, utcnow() + timedelta(seconds=1))[-1]
        outbox.claim(session, message_id, utcnow())
        if error is None:
            outbox.skip(session, message_id)
        else:
            outbox.mark_failed(session, message_id, error=error, retry_at=None)
    engine.dispose()


def waiting(url: str, key: str) -> None:
    engine = make_engine(url)
    with Session(engine) as session, session.begin():
        outbox.enqueue(session, team_id=TEAM, kind="project.member_added", recipient="U2", dedupe_key=key)
    engine.dispose()


def doctor(monkeypatch, capsys, fake_slack, url: str) -> tuple[int, str]:
    monkeypatch.chdir(tempfile.mkdtemp())  # no developer's .env may leak in
    monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)
    env = {
        "SLACK_BOT_TOKEN": "xoxb-doctor",
        "SLACK_SIGNING_SECRET": "s3cret-signing",
        "SLACK_API_URL": fake_slack.url,
        "DATABASE_URL": url,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code = main(["doctor"])
    return code, capsys.readouterr().out


def test_doctor_on_a_quiet_outbox_says_nothing_was_given_up(monkeypatch, capsys, fake_slack, upgraded_sqlite):
    code, out = doctor(monkeypatch, capsys, fake_slack, upgraded_sqlite)
    assert code == 0 and "✓ outbox: 0 waiting; none given up" in out and out.rstrip().endswith("All good.")


def test_doctor_lists_the_messages_given_up_lately_with_their_errors_yet_exits_0(
    monkeypatch, capsys, fake_slack, upgraded_sqlite
):
    given_up(upgraded_sqlite, "a", "channel_not_found")
    given_up(upgraded_sqlite, "b", "is_archived", recipient="C0OLD")
    given_up(upgraded_sqlite, "c", None)  # its project is gone: nothing lost, not counted
    waiting(upgraded_sqlite, "d")
    code, out = doctor(monkeypatch, capsys, fake_slack, upgraded_sqlite)
    assert code == 0, out
    assert "! outbox: 1 waiting" in out and "2 given up in all, 2 in the last day, the latest:" in out
    listed = [line.strip() for line in out.splitlines() if line.startswith("    ")]
    assert len(listed) == 2
    assert listed[0].endswith("project.member_added to C0OLD: is_archived (1 attempt)")
    assert listed[1].endswith("project.member_added to C0GONE: channel_not_found (1 attempt)")
    assert out.rstrip().endswith("All good; the items marked ! are worth a look.")


def healthz(url: str) -> tuple[str, dict]:
    settings = Settings(slack_signing_secret="secret", database_url=url)
    app = App(token="xoxb-test", signing_secret="secret", token_verification_enabled=False)
    engine = make_engine(url)
    try:
        answered: list[str] = []
        wsgi = make_wsgi_app(app, engine, settings)
        body = b"".join(wsgi({"PATH_INFO": "/healthz", "REQUEST_METHOD": "GET"}, lambda s, h: answered.append(s)))
    finally:
        engine.dispose()
    return answered[0], json.loads(body)


def test_healthz_keeps_its_fields_and_adds_what_waits_and_what_was_given_up(upgraded_sqlite):
    given_up(upgraded_sqlite, "a", "channel_not_found")
    given_up(upgraded_sqlite, "c", None)
    waiting(upgraded_sqlite, "d")
    status, body = healthz(upgraded_sqlite)
    assert status == "200 OK"  # a message given up is information, not unhealth
    assert {k: body[k] for k in ("status", "database", "scheduler")} == {
        "status": "ok",
        "database": True,
        "scheduler": "off",
    }
    assert body["outbox"]["pending"] == 1 and body["outbox"]["oldest_pending_seconds"] >= 0
    assert (body["outbox"]["dead"], body["outbox"]["dead_last_day"]) == (1, 1)


def test_healthz_answers_200_when_the_database_answers_but_its_outbox_cannot_be_read(tmp_path):
    status, body = healthz(f"sqlite:///{tmp_path / 'never-migrated.db'}")
    assert status == "200 OK" and body["database"] is True and body["outbox"] is None
