"""`onnuri doctor`: check settings, database, migrations, token and scopes; say how to fix each. It also says
how the outbox stands: what waits, and which messages were given up lately and why."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.manifest import BOT_SCOPES
from bot.settings import Settings
from models import migrate
from models.base import utcnow
from models.db import database_answers
from services import outbox

RECENT_ERRORS = 5  # given-up messages listed


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    notice: bool = False  # nothing to fix in the setup, but worth a look (marked !)
    lines: tuple[str, ...] = ()  # more detail, one item a line


def run_checks(
    settings: Settings, engine: Engine, client: WebClient, now: Callable[[], datetime] = utcnow
) -> list[Check]:
    checks = [_mode(settings), _database(engine)]
    if checks[-1].ok:
        checks.append(_migrations(engine))
        if checks[-1].ok:
            checks.append(outbox_check(engine, now()))
    checks += _token(settings, client)
    if settings.slack_app_token:
        checks.append(_app_token(settings))
    return checks


def _slack_problem(error: Exception, settings: Settings) -> str:
    """Why a Web API call failed, in words that point at the right fix."""
    if isinstance(error, SlackApiError):
        code = error.response.get("error")
        if code is None:  # not Slack's JSON at all
            return f"{settings.slack_api_url} does not answer like Slack's Web API; check SLACK_API_URL"
        return f"Slack answered {code}"
    reason = getattr(error, "reason", None) or error
    return f"cannot reach Slack at {settings.slack_api_url} ({reason})"


def _app_token(settings: Settings) -> Check:
    client = WebClient(base_url=settings.slack_api_url, timeout=10)
    client.retry_handlers.clear()
    try:
        client.apps_connections_open(app_token=settings.slack_app_token)
    except (SlackApiError, OSError) as error:
        return Check(
            "app token",
            False,
            f"{_slack_problem(error, settings)}: create an app-level token with "
            "connections:write and put it in SLACK_APP_TOKEN",
        )
    return Check("app token", True, "Socket Mode connections can be opened")


def _mode(settings: Settings) -> Check:
    if settings.slack_app_token:
        return Check("mode", True, "Socket Mode (SLACK_APP_TOKEN is set); no public URL needed")
    if settings.slack_signing_secret:
        return Check("mode", True, f"HTTP mode on port {settings.port} (POST /slack/events)")
    return Check("mode", False, "set SLACK_APP_TOKEN for Socket Mode, or SLACK_SIGNING_SECRET for HTTP mode")


def _database(engine: Engine) -> Check:
    url = engine.url.render_as_string(hide_password=True)
    if database_answers(engine):
        return Check("database", True, f"{url} answers")
    return Check("database", False, f"{url} does not answer; check DATABASE_URL and that the server runs")


def _migrations(engine: Engine) -> Check:
    head = migrate.head_revision()
    try:
        if migrate.is_up_to_date(engine):
            return Check("migrations", True, f"schema is at the latest revision ({head})")
        current = migrate.current_revision(engine)
    except SQLAlchemyError as error:
        return Check("migrations", False, f"cannot read the migration state ({type(error).__name__})")
    return Check("migrations", False, f"schema is at {current or 'nothing'}, latest is {head}: run `onnuri db upgrade`")


def outbox_check(engine: Engine, now: datetime) -> Check:
    """How many messages wait and for how long, and those given up: how many, and the latest with their error."""
    try:
        with Session(engine) as session:
            health = outbox.health(session, now)
            recent = outbox.dead_since(session, now - timedelta(days=7), limit=RECENT_ERRORS)
    except SQLAlchemyError as error:
        return Check("outbox", False, f"cannot read the outbox ({type(error).__name__})")
    waiting = f"{health.pending} waiting"
    if health.oldest_pending_seconds:
        waiting += f" (the oldest for {_duration(health.oldest_pending_seconds)})"
    if not health.dead:
        return Check("outbox", True, f"{waiting}; none given up")
    detail = f"{waiting}; {health.dead} given up in all, {health.dead_last_day} in the last day" + (
        ", the latest:" if recent else ""
    )
    lines = tuple(
        f"{m.dead_at:%Y-%m-%d %H:%M} UTC  {m.kind} to {m.recipient}: {m.error} "
        f"({m.attempts} attempt{'s' if m.attempts != 1 else ''})"
        for m in recent
    )
    return Check("outbox", True, detail, notice=bool(health.dead_last_day), lines=lines)


def _duration(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 2 * 3600:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"


def _token(settings: Settings, client: WebClient) -> list[Check]:
    if not settings.slack_bot_token:
        return [Check("token", False, "SLACK_BOT_TOKEN is not set: install the app and copy its xoxb- token")]
    try:
        response = client.auth_test()
    except SlackApiError as error:
        return [
            Check(
                "token",
                False,
                f"Slack refused the token ({error.response.get('error')}): reinstall the app "
                "and copy the new xoxb- token",
            )
        ]
    except OSError as error:
        return [Check("token", False, f"cannot reach Slack at {settings.slack_api_url} ({type(error).__name__})")]
    who = f"bot {response.get('user_id')} in team {response.get('team_id')}"
    granted = _scopes(response.headers)
    missing = [s for s in BOT_SCOPES if s not in granted]
    checks = [Check("token", True, f"valid: {who}")]
    if missing:
        checks.append(
            Check(
                "scopes",
                False,
                f"missing {', '.join(missing)}: update the app from `onnuri manifest` and reinstall it",
            )
        )
    else:
        checks.append(Check("scopes", True, "all required scopes granted"))
    return checks


def _scopes(headers: dict) -> set[str]:
    for name, value in (headers or {}).items():
        if name.lower() == "x-oauth-scopes":
            text = value[0] if isinstance(value, list) else value
            return {s.strip() for s in str(text).split(",") if s.strip()}
    return set()


def report(checks: list[Check], out: Callable[[str], None]) -> bool:
    for check in checks:
        mark = "✗" if not check.ok else "!" if check.notice else "✓"
        out(f"{mark} {check.name}: {check.detail}")
        for line in check.lines:
            out(f"    {line}")
    ok = all(c.ok for c in checks)
    if not ok:
        out("Fix the items marked ✗ and run `onnuri doctor` again.")
    elif any(c.notice for c in checks):
        out("All good; the items marked ! are worth a look.")
    else:
        out("All good.")
    return ok
