"""What happens when a listener fails after it acked: the person gets a plain answer, never silence,
and the error never escapes into Bolt (which would race its own reply to Slack and may answer 404)."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.exc import OperationalError

from handlers.answering import tell_user
from handlers.deps import Deps
from handlers.refusals import error_text
from handlers.requests import channel_of, team_of, user_of
from kit.i18n import t
from services.errors import DomainError

log = logging.getLogger(__name__)


def database_busy(error: BaseException) -> bool:
    """SQLite's write lock held elsewhere past the busy timeout: worth saying so, and to try again."""
    return isinstance(error, OperationalError) and "locked" in str(getattr(error, "orig", error)).lower()


def answer_failure(deps: Deps, error: Exception, body: dict[str, Any] | None, client, respond) -> None:
    body = body if isinstance(body, dict) else {}
    if not isinstance(error, DomainError) and not database_busy(error):
        log.error("unhandled error in listener: %s", type(error).__name__, exc_info=error)
    user_id = user_of(body)
    if not user_id or client is None:
        return
    try:
        locale = deps.cached_reader(team_of(body), user_id).locale
    except Exception:  # the database may be what failed; apologise in the default language
        locale = deps.org.locale
    if isinstance(error, DomainError):  # a refusal that reached here is still said plainly
        key, values = "", {}
    elif database_busy(error):
        key, values = "common.busy", {}
    else:
        key, values = "common.unexpected", {}
    try:
        tell_user(
            client,
            user_id,
            {"text": error_text(error, locale) if isinstance(error, DomainError) else t(key, locale, **values)},
            channel_id=channel_of(body),
            respond=respond if body.get("response_url") else None,
        )
    except Exception as failure:
        log.warning("could not tell %s about the error: %s", user_id, type(failure).__name__)
