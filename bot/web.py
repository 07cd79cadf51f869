"""The HTTP front: POST /slack/events through the front door into Bolt, GET /healthz, on waitress."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from sqlalchemy import Engine

from bot.front_door import MAX_BODY, FrontDoor
from bot.settings import Settings
from models.db import database_answers

EVENTS_PATH = "/slack/events"
SERVER_THREADS = 32


def make_wsgi_app(
    app: App, engine: Engine, settings: Settings, scheduler_role: Callable[[], str] = lambda: "off"
) -> Callable[..., Iterable[bytes]]:
    """`scheduler_role` says whether this process leads the scheduler ("leader", "standby" or "off")."""
    door = FrontDoor(
        app, signing_secret=settings.slack_signing_secret, api_url=settings.slack_api_url, locale=settings.locale
    )

    def wsgi(environ: dict[str, Any], start_response) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/healthz" and method in ("GET", "HEAD"):
            ok = database_answers(engine)
            status = {"status": "ok" if ok else "unavailable", "database": ok, "scheduler": scheduler_role()}
            return _json(start_response, "200 OK" if ok else "503 Service Unavailable", status)
        if path == EVENTS_PATH and method == "POST":
            return door(environ, start_response)
        return _json(start_response, "404 Not Found", {"error": "not found"})

    return wsgi


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
