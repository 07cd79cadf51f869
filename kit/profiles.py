"""People's Slack profiles (name, time zone, locale), fetched with users.info and cached on their row."""

from __future__ import annotations

import logging
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session, sessionmaker

from services import users
from services.unit_of_work import write_transaction

log = logging.getLogger(__name__)


def fetch_profile(client: WebClient, slack_user_id: str) -> dict | None:
    try:
        response = client.users_info(user=slack_user_id, include_locale=True)
    except SlackApiError as error:
        log.warning("users.info failed for %s: %s", slack_user_id, error.response.get("error"))
        return None
    except OSError as error:
        log.warning("users.info unreachable for %s: %s", slack_user_id, type(error).__name__)
        return None
    user = response.get("user") or {}
    profile = user.get("profile") or {}
    return {
        "display_name": profile.get("display_name") or profile.get("real_name") or user.get("name") or "",
        "tz": user.get("tz"),
        "locale": user.get("locale"),
    }


def refresh(
    client: WebClient,
    session_factory: sessionmaker[Session],
    team_id: str,
    slack_user_id: str,
    now: datetime,
) -> users.Person | None:
    """Fetches and caches the profile; None (and the cache left as it was) when Slack cannot say."""
    fetched = fetch_profile(client, slack_user_id)
    if fetched is None:
        return None
    with write_transaction(session_factory) as session:
        return users.save_profile(session, team_id, slack_user_id, **fetched, now=now)
