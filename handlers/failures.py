"""What happens when a listener fails after it acked: the person gets a plain answer, never silence,
and the error never escapes into Bolt (which would race its own reply to Slack and may answer 404)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import OperationalError

from handlers.deps import Deps
from handlers.interaction import team_of, tell_user, user_of
from handlers.refusals import error_text
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
    channel = body.get("channel")
    channel_id = channel.get("id") if isinstance(channel, dict) else body.get("channel_id")
    try:
        tell_user(
            client,
            user_id,
            {"text": error_text(error, locale) if isinstance(error, DomainError) else t(key, locale, **values)},
            channel_id=channel_id if isinstance(channel_id, str) else None,
            respond=respond if body.get("response_url") else None,
        )
    except Exception as failure:
        log.warning("could not tell %s about the error: %s", user_id, type(failure).__name__)


def guard(deps: Deps, listener: Callable[..., Any]) -> Callable[..., Any]:
    """The listener, answering its own failures (Bolt reads the wrapped signature for its arguments)."""

    @functools.wraps(listener)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            return listener(*args, **kwargs)
        except Exception as error:
            answer_failure(deps, error, kwargs.get("body"), kwargs.get("client"), kwargs.get("respond"))
            return None

    return guarded


class GuardedApp:
    """Registers listeners on the Bolt app, each wrapped by `guard`."""

    def __init__(self, app, deps: Deps) -> None:
        self._app, self._deps = app, deps

    def _register(self, kind: str, *args: Any, **kwargs: Any) -> Callable[[Callable[..., Any]], Any]:
        register = getattr(self._app, kind)(*args, **kwargs)
        return lambda listener: register(guard(self._deps, listener))

    def action(self, *args: Any, **kwargs: Any):
        return self._register("action", *args, **kwargs)

    def view(self, *args: Any, **kwargs: Any):
        return self._register("view", *args, **kwargs)

    def command(self, *args: Any, **kwargs: Any):
        return self._register("command", *args, **kwargs)

    def event(self, *args: Any, **kwargs: Any):
        return self._register("event", *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._app, name)
