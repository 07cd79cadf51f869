"""Serving Slack: `onnuri run` answers Slack from this process (HTTP or Socket Mode) and carries the work out
in the work process (bot/work_process.py)."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Callable

from bot.runtime import Runtime, build_runtime, check_token
from bot.settings import Settings
from bot.web import make_wsgi_app, run_until_closed, serve
from bot.work_process import WorkProcess

log = logging.getLogger(__name__)


# Python hands the interpreter between threads every 5 ms by default; with work and delivery threads busy,
# a request thread waiting to acknowledge would queue behind each of them in turn. A shorter slice keeps
# acks near the floor under a burst, for a little throughput.
SWITCH_INTERVAL = 0.001


def run(settings: Settings, *, socket: bool, scheduler: bool) -> None:
    """This process answers Slack. On PostgreSQL the work process (started here, after the migrations) does the
    rest; on SQLite, which takes one writer at a time, the work stays in this process, in lanes behind the
    acks, where this process's writer queue lets a request being recorded go first."""
    sys.setswitchinterval(SWITCH_INTERVAL)
    work = None if settings.database_url.startswith("sqlite") else WorkProcess(settings, scheduler=scheduler)
    runtime = build_runtime(settings, hand_off=work.wake if work else None)
    check_token(runtime.app.client, settings)
    if work is not None:
        work.start()
    else:
        runtime.start_work()
        if scheduler:
            runtime.start_scheduler()
    if not scheduler:
        log.info("timed jobs are off (--no-scheduler); notifications caused by people are still delivered")
    try:
        if socket:
            _run_socket_mode(runtime)
        else:
            _run_http(runtime, (lambda: work.role) if work else (lambda: runtime.scheduler_role))
    finally:
        if work is not None:
            work.stop()
        runtime.close()


def _on_signals(callback) -> None:
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: callback())


def _run_http(runtime: Runtime, scheduler_role: Callable[[], str]) -> None:
    server = serve(
        make_wsgi_app(runtime.app, runtime.engine, runtime.settings, scheduler_role),
        runtime.settings.port,
    )
    _on_signals(server.close)
    log.info("Onnuri listening on :%s (POST /slack/events, GET /healthz)", runtime.settings.port)
    run_until_closed(server)
    log.info("HTTP server stopped")


def _run_socket_mode(runtime: Runtime) -> None:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    handler = SocketModeHandler(runtime.app, runtime.settings.slack_app_token)
    stop = threading.Event()
    _on_signals(stop.set)
    handler.connect()
    log.info("Onnuri connected over Socket Mode")
    stop.wait()
    handler.close()
