"""The HTTP front: POST /slack/events into Bolt, GET /healthz, on a production WSGI server."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import Engine

from models.db import database_answers

EVENTS_PATH = "/slack/events"
SERVER_THREADS = 32


def make_wsgi_app(
    app: App, engine: Engine, scheduler_role: Callable[[], str] = lambda: "off"
) -> Callable[..., Iterable[bytes]]:
    """`scheduler_role` says whether this process leads the scheduler ("leader", "standby" or "off")."""
    slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def wsgi(environ: dict[str, Any], start_response) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/healthz" and method in ("GET", "HEAD"):
            ok = database_answers(engine)
            status = {"status": "ok" if ok else "unavailable", "database": ok, "scheduler": scheduler_role()}
            body = json.dumps(status).encode()
            start_response(
                "200 OK" if ok else "503 Service Unavailable",
                [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
            )
            return [body]
        if path == EVENTS_PATH and method == "POST" and not _timestamp_is_numeric(environ):
            # slack_sdk's verifier raises on a non-numeric timestamp; such a request is simply unsigned.
            body = b"invalid request"
            start_response("401 Unauthorized", [("Content-Type", "text/plain"), ("Content-Length", "15")])
            return [body]
        return slack(environ, start_response)

    return wsgi


def _timestamp_is_numeric(environ: dict[str, Any]) -> bool:
    value = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP")
    return value is None or value.strip().isdigit()


def serve(wsgi_app: Callable[..., Iterable[bytes]], port: int, host: str = "0.0.0.0", **options: Any):
    """A waitress server, returned unstarted so callers (and tests) control its lifetime."""
    from waitress.server import create_server

    return create_server(wsgi_app, host=host, port=port, threads=SERVER_THREADS, ident="onnuri", **options)


def run_until_closed(server) -> None:
    """Serves until another thread calls server.close(); waitress's loop then ends on the closed socket."""
    with contextlib.suppress(OSError, ValueError):
        server.run()
