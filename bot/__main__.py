"""The `onnuri` command line (also `python -m bot`)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from dotenv import load_dotenv

from bot.settings import Settings, SettingsError

EXIT_SETTINGS = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="onnuri", description="Onnuri: cross-department work in Slack.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="serve Slack (Socket Mode when SLACK_APP_TOKEN is set, else HTTP on $PORT)")
    mode = run.add_mutually_exclusive_group()
    mode.add_argument("--http", action="store_true", help="HTTP mode even if SLACK_APP_TOKEN is set")
    mode.add_argument("--socket", action="store_true", help="Socket Mode (needs SLACK_APP_TOKEN)")
    run.add_argument("--no-scheduler", action="store_true", help="turn off timed jobs (delivery still runs)")

    db = sub.add_parser("db", help="database tasks")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="TASK")
    db_sub.add_parser("upgrade", help="apply migrations")

    manifest = sub.add_parser("manifest", help="print the Slack app manifest (YAML)")
    manifest.add_argument("--url", help="public base URL for HTTP mode (omit for Socket Mode)")

    sub.add_parser("doctor", help="check settings, database, token and scopes")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    load_dotenv(os.environ.get("ONNURI_ENV_FILE", ".env"), override=False)
    try:
        settings = Settings.from_env(os.environ)
        return _dispatch(args, settings)
    except SettingsError as error:
        print(f"onnuri: {error}", file=sys.stderr)
        return EXIT_SETTINGS


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    from bot import logs

    logs.configure(os.environ.get("ONNURI_LOG_LEVEL", "INFO").upper(), settings.secrets)
    if args.command == "manifest":
        from bot.manifest import render

        sys.stdout.write(render(args.url))
        return 0
    if args.command == "db":
        return _db_upgrade(settings)
    if args.command == "doctor":
        return _doctor(settings)
    return _run(args, settings)


def _db_upgrade(settings: Settings) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from models import migrate
    from models.db import make_engine

    engine = make_engine(settings.database_url)
    try:
        migrate.upgrade(engine)
        print(f"database is at revision {migrate.current_revision(engine)}")
        return 0
    except SQLAlchemyError as error:
        print(
            f"onnuri: database upgrade failed: {type(error).__name__}: {error.orig or error}"[:500],
            file=sys.stderr,
        )
        return 1
    finally:
        engine.dispose()


def _doctor(settings: Settings) -> int:
    from bot.app import make_client
    from bot.doctor import report, run_checks
    from models.db import make_engine

    engine = make_engine(settings.database_url)
    try:
        ok = report(run_checks(settings, engine, make_client(settings, retries=False)), print)
    finally:
        engine.dispose()
    return 0 if ok else 1


def _run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.runtime import run

    settings.require("SLACK_BOT_TOKEN")
    socket = bool(settings.slack_app_token) and not args.http
    if args.socket:
        settings.require("SLACK_APP_TOKEN")
        socket = True
    if not socket:
        settings.require("SLACK_SIGNING_SECRET")
    run(settings, socket=socket, scheduler=not args.no_scheduler)
    return 0


if __name__ == "__main__":
    sys.exit(main())
