"""The composition root: every entry point (run, run-once, report, console, demo) builds what it needs from
the settings here, once, and hands typed values down; nothing below bot/ reads a setting."""

from __future__ import annotations

from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.settings import Settings
from kit.client import make_client
from models import migrate
from models.db import make_engine
from services.calendar import WorkCalendar
from services.ledger import Rules, parse_weights
from services.organisation import Organisation
from services.working_time import OfficeHours, QuietHours, WorkingTime


def organisation(settings: Settings) -> Organisation:
    working_time = WorkingTime(
        WorkCalendar(settings.holidays_country),
        QuietHours.parse(settings.quiet_hours),
        OfficeHours.parse(settings.office_hours),
    )
    return Organisation(
        timezone=settings.timezone,
        locale=settings.locale,
        admins=settings.admins,
        working_time=working_time,
        rules=Rules(
            calendar=working_time.calendar,
            working_time=working_time,
            org_tz=settings.timezone,
            weights=parse_weights(settings.score_weights),
            prompt_hours=settings.approval_remind_hours,
        ),
        approval_remind_hours=settings.approval_remind_hours,
        approval_escalate_hours=settings.approval_escalate_hours,
    )


def database(settings: Settings, *, upgrade: bool = True) -> Engine:
    """The engine, with the migrations applied unless asked not to."""
    engine = make_engine(settings.database_url)
    if upgrade:
        migrate.upgrade(engine)
    return engine


def front_engine(engine: Engine) -> Engine:
    """The same database through a small pool of its own, for the request threads' inbox writes: an ack never
    waits for a connection that work after other acks is holding."""
    if engine.url.get_backend_name() == "sqlite" and (engine.url.database or ":memory:") == ":memory:":
        return engine  # a second pool would open a second, empty database
    url = engine.url.render_as_string(hide_password=False)
    if engine.url.get_backend_name() == "postgresql":
        # a checkout or a reconnect must not hold an ack past Slack's 3 s either
        return make_engine(url, pool_size=4, max_overflow=12, pool_timeout=1, connect_args={"connect_timeout": 1})
    return make_engine(url, pool_size=4, max_overflow=12, pool_timeout=1)


def client(settings: Settings, *, retries: bool = True) -> WebClient:
    return make_client(settings.slack_bot_token, settings.slack_api_url, retries=retries)
