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
from sqlalchemy.exc import ArgumentError

DEFAULT_API_URL = "https://slack.com/api/"
SUPPORTED_LOCALES = ("ko", "en")
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

        database_url = get("DATABASE_URL") or cls.database_url
        try:
            make_url(database_url)
        except ArgumentError:
            raise SettingsError("DATABASE_URL", "not a valid SQLAlchemy database URL") from None

        timezone = get("ONNURI_TIMEZONE") or cls.timezone
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingsError("ONNURI_TIMEZONE", f"unknown time zone {timezone!r}") from None

        locale = (get("ONNURI_LOCALE") or cls.locale).lower()
        if locale not in SUPPORTED_LOCALES:
            raise SettingsError("ONNURI_LOCALE", f"must be one of {', '.join(SUPPORTED_LOCALES)}")

        country = (get("ONNURI_HOLIDAYS") or cls.holidays_country).upper()
        if country not in holidays.list_supported_countries():
            raise SettingsError("ONNURI_HOLIDAYS", f"unknown country code {country!r} (try KR)")

        admins = frozenset(a.strip() for a in (get("ONNURI_ADMINS") or "").split(",") if a.strip())
        bad = sorted(a for a in admins if not _USER_ID.match(a))
        if bad:
            raise SettingsError("ONNURI_ADMINS", f"not Slack user IDs: {', '.join(bad)}")

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
        )

    def require(self, *names: str) -> None:
        """Fail with the variable's name when a command needs a setting that is unset."""
        for name in names:
            if not getattr(self, name.lower()):
                raise SettingsError(name, "is required for this command (see .env.example)")

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.slack_bot_token, self.slack_signing_secret, self.slack_app_token) if s)
