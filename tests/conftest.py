"""Shared fixtures: a migrated database (SQLite, or PostgreSQL via TEST_DATABASE_URL), the fake
Slack Web API, and the real bot served over HTTP for end-to-end tests."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

import models
from bot.fakeslack.payloads import Reply, SlackRequests
from bot.fakeslack.web_api import Call, FakeSlack
from bot.manifest import BOT_SCOPES
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings
from bot.web import make_wsgi_app, run_until_closed, serve
from models import migrate
from models.base import utcnow
from models.db import make_engine, make_session_factory
from tests.fakes.blockkit import all_problems
from tests.fakes.executor import TrackingExecutor

SIGNING_SECRET = "test-signing-secret-0123456789"
BOT_TOKEN = "xoxb-test-0000-bot-token"
TEAM = "T1"
ADMIN = "UADMIN"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db') / 'onnuri.db'}"


@pytest.fixture(scope="session")
def migrated_engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


def _wipe(engine: Engine) -> None:
    tables = [t.name for t in reversed(models.Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
def engine(migrated_engine: Engine) -> Engine:
    """The migrated database, emptied before each test."""
    _wipe(migrated_engine)
    return migrated_engine


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack(team_id=TEAM, scopes=list(BOT_SCOPES))
    fake.start()
    fake.add_user("U1", name="kim", real_name="김민수", tz="Asia/Seoul", locale="ko-KR", team_id=TEAM)
    fake.add_user("U2", name="lee", real_name="이서연", tz="Asia/Seoul", locale="ko-KR", team_id=TEAM)
    fake.add_user("U3", name="park", real_name="Park Jiho", tz="America/New_York", locale="en-US", team_id=TEAM)
    fake.add_user(ADMIN, name="admin", real_name="관리자", tz="Asia/Seoul", locale="ko-KR", team_id=TEAM)
    yield fake
    fake.stop()
    # Every message and view the bot sent in any test must be one Slack accepts and shows safely.
    assert not all_problems(fake.calls), all_problems(fake.calls)


@pytest.fixture
def settings(fake_slack: FakeSlack) -> Settings:
    return Settings(
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake_slack.url,
        database_url="unused: the tests hand over their engine",
        admins=frozenset({ADMIN}),
    )


class Clock:
    """The bot's clock: real time unless a test sets it."""

    def __init__(self) -> None:
        self.frozen: datetime | None = None

    def __call__(self) -> datetime:
        return self.frozen or utcnow()

    def set(self, moment: datetime) -> None:
        self.frozen = moment


@dataclass
class Bot:
    """The real bot behind a real HTTP server, talking to the fake Slack."""

    fake: FakeSlack
    slack: SlackRequests
    runtime: Runtime
    base_url: str
    executor: TrackingExecutor
    clock: Clock

    def settle(self) -> None:
        """Waits until every listener started so far has finished."""
        self.executor.wait_idle()

    @property
    def session_factory(self) -> sessionmaker[Session]:
        return self.runtime.session_factory

    def command(self, command: str, text: str = "", *, user: str = "U1", **kwargs: Any) -> dict[str, Any]:
        """Runs a slash command and returns what the bot answered through the response_url."""
        reply = self.slack.command(command, text, user_id=user, **kwargs)
        assert reply.status == 200, reply.body
        return self.answer(reply)

    def answer(self, reply: Reply, timeout: float = 5.0) -> dict[str, Any]:
        calls = self.fake.wait_for("response_url", lambda c: c.params["_key"] == reply.response_key, timeout=timeout)
        return calls[0].params

    def modal_opened(self, count: int = 1) -> Call:
        return self.fake.wait_for("views.open", count=count)[-1]


def start_bot(fake: FakeSlack, settings: Settings, engine: Engine) -> tuple[Bot, Any]:
    executor, clock = TrackingExecutor(), Clock()
    runtime = build_runtime(settings, engine=engine, migrate_now=False, executor=executor, clock=clock)
    runtime.start_work()
    server = serve(make_wsgi_app(runtime.app, runtime.engine, settings), port=0, host="127.0.0.1")
    thread = threading.Thread(target=run_until_closed, args=(server,), name="waitress", daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{server.effective_port}"
    requests = SlackRequests(base_url, SIGNING_SECRET, fake=fake, team_id=TEAM)
    return Bot(fake, requests, runtime, base_url, executor, clock), server


def stop_bot(harness: Bot, server: Any) -> None:
    harness.executor.wait_idle(timeout=15)  # no listener may still write while the next test empties tables
    # waitress notices the close within its 1 s loop timeout; the daemon thread is not waited for.
    # (A shorter asyncore_loop_timeout makes waitress spin on poll and starve the bot of CPU.)
    server.close()
    harness.runtime.sweep.stop()
    harness.runtime.delivery.stop()
    if harness.runtime.front is not harness.runtime.engine:
        harness.runtime.front.dispose()  # the request threads' own pool: its connections are the test's to close


@pytest.fixture
def bot(fake_slack: FakeSlack, settings: Settings, engine: Engine) -> Iterator[Bot]:
    harness, server = start_bot(fake_slack, settings, engine)
    yield harness
    stop_bot(harness, server)


@pytest.fixture
def english_settings(settings: Settings) -> Settings:
    return replace(settings, locale="en")
