"""The HTTP front: POST /slack/events through the front door into Bolt, GET /healthz, on waitress."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.front_door import MAX_BODY, FrontDoor
from bot.settings import Settings
from models.base import utcnow
from models.db import database_answers
from services import outbox

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
SERVER_THREADS = 32


def make_wsgi_app(
    app: App, engine: Engine, settings: Settings, scheduler_role: Callable[[], str] = lambda: "off"
) -> Callable[..., Iterable[bytes]]:
    """`scheduler_role` says whether this process leads the scheduler ("leader", "standby" or "off"). /healthz
    also says how the outbox stands (what waits, for how long, what was given up): information, not unhealth."""
    door = FrontDoor(
        app, signing_secret=settings.slack_signing_secret, api_url=settings.slack_api_url, locale=settings.locale
    )

    def wsgi(environ: dict[str, Any], start_response) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/healthz" and method in ("GET", "HEAD"):
            ok = database_answers(engine)
            status = {"status": "ok" if ok else "unavailable", "database": ok, "scheduler": scheduler_role()}
            if ok:
                status["outbox"] = _outbox_health(engine)
            return _json(start_response, "200 OK" if ok else "503 Service Unavailable", status)
        if path == EVENTS_PATH and method == "POST":
            return door(environ, start_response)
        return _json(start_response, "404 Not Found", {"error": "not found"})

    return wsgi


def _outbox_health(engine: Engine) -> dict[str, Any] | None:
    """pending, oldest_pending_seconds, dead, dead_last_day; None when the outbox cannot be read."""
    try:
        with Session(engine) as session:
            return dataclasses.asdict(outbox.health(session, utcnow()))
    except SQLAlchemyError as error:
        log.warning("healthz: cannot read the outbox (%s)", type(error).__name__)
        return None


def _json(start_response, status: str, value: dict[str, Any]) -> Iterable[bytes]:
    body = json.dumps(value).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def serve(wsgi_app: Callable[..., Iterable[bytes]], port: int, host: str = "0.0.0.0", **options: Any):
    """A waitress server, returned unstarted so callers (and tests) control its lifetime. Waitress itself
    answers 413 to a body declared larger than MAX_BODY, before reading it."""
    from waitress.server import create_server

    options.setdefault("max_request_body_size", MAX_BODY)
    return create_server(wsgi_app, host=host, port=port, threads=SERVER_THREADS, ident="onnuri", **options)


def run_until_closed(server) -> None:
    """Serves until another thread calls server.close(); waitress's loop then ends on the closed socket."""
    with contextlib.suppress(OSError, ValueError):
        server.run()
