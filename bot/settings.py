"""The one place that reads the environment.

Settings are built once, frozen, and passed down; nothing else touches os.environ,
so tests and the CLI can build as many independent configurations as they like.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from services.ledger import parse_weights
from services.working_time import OfficeHours, QuietHours

DEFAULT_API_URL = "https://slack.com/api/"
SUPPORTED_LOCALES = ("ko", "en")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


class SettingsError(Exception):
    """A setting is missing or malformed; the message names the variable."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable


@dataclass(frozen=True)
class Settings:
    slack_bot_token: str | None = field(default=None, repr=False)
    slack_signing_secret: str | None = field(default=None, repr=False)
    slack_app_token: str | None = field(default=None, repr=False)
    slack_api_url: str = DEFAULT_API_URL
    database_url: str = "sqlite:///onnuri.db"
    timezone: str = "Asia/Seoul"
    locale: str = "ko"
    holidays_country: str = "KR"
    admins: frozenset[str] = frozenset()
    port: int = 3000
    log_level: str = "INFO"
    quiet_hours: str = "19:00-08:00"  # local hours when the scheduler messages nobody
    office_hours: str = "09:00-18:00"  # local office hours on working days: what 근무시간 counts
    approval_remind_hours: int = 24  # office hours a step waits before its approver is reminded
    approval_escalate_hours: int = 72  # ... before the requester and the project lead are told
    score_weights: str = "progress=50,approvals=20,directives=20,discussions=10"  # the participation score

    @classmethod
    def locale_from_env(cls, env: Mapping[str, str]) -> str:
        """ONNURI_LOCALE alone, for what needs no other setting (the manifest)."""
        locale = (env.get("ONNURI_LOCALE", "").strip() or cls.locale).lower()
        if locale not in SUPPORTED_LOCALES:
            raise SettingsError("ONNURI_LOCALE", f"must be one of {', '.join(SUPPORTED_LOCALES)}")
        return locale

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        bot_token = get("SLACK_BOT_TOKEN")
        if bot_token and not bot_token.startswith("xoxb-"):
            raise SettingsError("SLACK_BOT_TOKEN", "must be a bot token starting with xoxb-")
        app_token = get("SLACK_APP_TOKEN")
        if app_token and not app_token.startswith("xapp-"):
            raise SettingsError("SLACK_APP_TOKEN", "must be an app-level token starting with xapp-")

        api_url = get("SLACK_API_URL") or DEFAULT_API_URL
        if not re.match(r"^https?://[^\s/]+", api_url):
            raise SettingsError("SLACK_API_URL", f"not an http(s) URL: {api_url!r}")
        if not api_url.endswith("/"):
            api_url += "/"

        database_url = _checked_database_url(get("DATABASE_URL") or cls.database_url)

        timezone = get("ONNURI_TIMEZONE") or cls.timezone
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingsError("ONNURI_TIMEZONE", f"unknown time zone {timezone!r}") from None

        locale = cls.locale_from_env(env)

        country = (get("ONNURI_HOLIDAYS") or cls.holidays_country).upper()
        if country not in holidays.list_supported_countries():
            raise SettingsError("ONNURI_HOLIDAYS", f"unknown country code {country!r} (try KR)")

        admins = frozenset(a.strip() for a in (get("ONNURI_ADMINS") or "").split(",") if a.strip())
        bad = sorted(a for a in admins if not _USER_ID.match(a))
        if bad:
            raise SettingsError("ONNURI_ADMINS", f"not Slack user IDs: {', '.join(bad)}")

        log_level = (get("ONNURI_LOG_LEVEL") or cls.log_level).upper()
        if log_level not in LOG_LEVELS:
            raise SettingsError("ONNURI_LOG_LEVEL", f"must be one of {', '.join(LOG_LEVELS)}")

        quiet_hours = get("ONNURI_QUIET_HOURS") or cls.quiet_hours
        try:
            QuietHours.parse(quiet_hours)
        except ValueError:
            raise SettingsError(
                "ONNURI_QUIET_HOURS", f"must look like 19:00-08:00 or off, got {quiet_hours!r}"
            ) from None
        office_hours = get("ONNURI_OFFICE_HOURS") or cls.office_hours
        try:
            OfficeHours.parse(office_hours)
        except ValueError:
            raise SettingsError(
                "ONNURI_OFFICE_HOURS", f"must look like 09:00-18:00 (start before end), got {office_hours!r}"
            ) from None
        remind, escalate = (
            _hours(get(name), default, name)
            for name, default in (
                ("ONNURI_APPROVAL_REMIND_HOURS", cls.approval_remind_hours),
                ("ONNURI_APPROVAL_ESCALATE_HOURS", cls.approval_escalate_hours),
            )
        )

        score_weights = get("ONNURI_SCORE_WEIGHTS") or cls.score_weights
        try:
            parse_weights(score_weights)
        except ValueError as error:
            raise SettingsError("ONNURI_SCORE_WEIGHTS", str(error)) from None

        port_text = get("PORT") or str(cls.port)
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise SettingsError("PORT", f"must be a port number, got {port_text!r}")

        return cls(
            slack_bot_token=bot_token,
            slack_signing_secret=get("SLACK_SIGNING_SECRET"),
            slack_app_token=app_token,
            slack_api_url=api_url,
            database_url=database_url,
            timezone=timezone,
            locale=locale,
            holidays_country=country,
            admins=admins,
            port=int(port_text),
            log_level=log_level,
            quiet_hours=quiet_hours,
            office_hours=office_hours,
            approval_remind_hours=remind,
            approval_escalate_hours=escalate,
            score_weights=score_weights,
        )

    def require(self, *names: str) -> None:
        """Fail naming every variable a command needs that is unset, all at once (not one per attempt)."""
        missing = [name for name in names if not getattr(self, name.lower())]
        if len(missing) == 1:
            raise SettingsError(missing[0], "is required for this command (see .env.example)")
        if missing:
            raise SettingsError(", ".join(missing), "are required for this command (see .env.example)")

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.slack_bot_token, self.slack_signing_secret, self.slack_app_token) if s)


def _hours(text: str | None, default: int, name: str) -> int:
    if text is None:
        return default
    if not text.isdigit() or not 0 < int(text) <= 10_000:
        raise SettingsError(name, f"must be a number of office hours, got {text!r}")
    return int(text)


def _checked_database_url(url: str) -> str:
    """Refuses a URL SQLAlchemy could not use, naming what to write instead."""
    hint = "e.g. sqlite:///onnuri.db or postgresql+psycopg://user@host/db"
    try:
        parsed = make_url(url)
        dialect = parsed.get_dialect()
        _ = parsed.port  # a non-numeric port only fails when read
    except NoSuchModuleError:
        raise SettingsError("DATABASE_URL", f"unknown database kind in {url.split(':', 1)[0]!r} ({hint})") from None
    except (ArgumentError, ValueError):
        raise SettingsError("DATABASE_URL", f"not a valid database URL ({hint})") from None
    if dialect.name == "sqlite" and parsed.host:
        raise SettingsError("DATABASE_URL", "a SQLite URL has three slashes: sqlite:///path/to/file.db")
    try:
        dialect.import_dbapi()
    except ImportError:
        extra = " (pip install 'onnuri[postgres]')" if dialect.name == "postgresql" else ""
        raise SettingsError("DATABASE_URL", f"the driver for {parsed.drivername} is not installed{extra}") from None
    return url
