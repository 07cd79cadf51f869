"""The baseline process for the scale benchmarks: a Bolt app that only acks every slash command, served by the
same waitress server (same thread count) as `onnuri run --http`, on $PORT. Run as `python -m bench.bare_bolt`.
"""

from __future__ import annotations

import os
import signal

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from bench.fleet import SECRET, TOKEN
from bot.web import run_until_closed, serve

COMMANDS = ("/progress", "/approval", "/project", "/directive", "/discuss", "/digest", "/report")


def main() -> None:
    app = App(
        signing_secret=SECRET,
        client=WebClient(token=TOKEN, base_url=os.environ["SLACK_API_URL"]),
        token_verification_enabled=False,
    )
    for name in COMMANDS:
        app.command(name)(lambda ack: ack())
    bolt = SlackRequestHandler(app)

    def wsgi(environ, start_response):
        if environ.get("PATH_INFO") == "/healthz":
            body = b'{"status": "ok"}'
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        return bolt(environ, start_response)

    server = serve(wsgi, port=int(os.environ["PORT"]), host="127.0.0.1")
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: server.close())
    run_until_closed(server)


if __name__ == "__main__":
    main()
