"""The `onnuri` command line (also `python -m bot`)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from dotenv import load_dotenv

from bot.settings import Settings, SettingsError

DEMO_DB = "sqlite:///onnuri-demo.db"
EXIT_FAILED = 1
EXIT_SETTINGS = 2


class CommandFailed(Exception):
    """A command could not do its work; the message is the one line the operator sees."""


def _version() -> str:
    try:
        return version("onnuri")
    except PackageNotFoundError:
        return "unknown"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="onnuri", description="Onnuri: cross-department work in Slack.")
    parser.add_argument("--version", action="version", version=f"onnuri {_version()}")
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
    manifest.add_argument("--url", help="public base URL for HTTP mode, e.g. https://onnuri.example.go.kr")

    sub.add_parser("doctor", help="check settings, database, token and scopes")

    console = sub.add_parser("console", help="try the bot offline in the terminal, no Slack workspace needed")
    console.add_argument("--as", dest="as_user", default="U0KIM", help="who you are at first (default U0KIM)")
    console.add_argument("--db", help=f"database URL (default {DEMO_DB})")
    demo = sub.add_parser("demo", help="seed a demo organisation (the article's 14 projects) for the console")
    demo.add_argument("--db", help=f"database URL (default {DEMO_DB})")

    report = sub.add_parser("report", help="exports: participation ledger, audit trail")
    report_sub = report.add_subparsers(dest="report_command", required=True, metavar="EXPORT")
    ledger = report_sub.add_parser("participation", help="the month's participation ledger (CSV or XLSX)")
    ledger.add_argument("--month", required=True, help="YYYY-MM")
    ledger.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    ledger.add_argument("--out", help="file to write (default: participation-YYYY-MM.csv|xlsx)")
    ledger.add_argument("--team", help="Slack team id (default: the only one in the database)")
    audit = report_sub.add_parser("audit", help="the audit trail between two dates (CSV)")
    audit.add_argument("--from", dest="start", required=True, help="YYYY-MM-DD, first day")
    audit.add_argument("--to", dest="end", required=True, help="YYYY-MM-DD, last day (included)")
    audit.add_argument("--out", help="file to write (default: audit-FROM-TO.csv)")

    scheduler = sub.add_parser("scheduler", help="timed jobs")
    scheduler_sub = scheduler.add_subparsers(dest="scheduler_command", required=True, metavar="TASK")
    once = scheduler_sub.add_parser("run-once", help="run every job due at that instant once, deliver, exit")
    once.add_argument("--at", help="the instant, ISO-8601 (e.g. 2026-12-07T10:00+09:00); default now")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command in ("console", "demo"):  # offline: no Slack settings, a database of their own
        return _offline(args)
    load_dotenv(Path.cwd() / ".env", override=False)
    if args.command == "manifest":  # needs no other setting, so a half-configured install can still make its app
        return _manifest(args.url)
    try:
        settings = Settings.from_env(os.environ)
        return _dispatch(args, settings)
    except SettingsError as error:
        print(f"onnuri: {error}", file=sys.stderr)
        return EXIT_SETTINGS
    except CommandFailed as error:
        print(f"onnuri: {error}", file=sys.stderr)
        return EXIT_FAILED


def _offline(args: argparse.Namespace) -> int:
    from bot import logs
    from bot.console import main as console_main

    logs.configure("WARNING", ())
    url = args.db or DEMO_DB
    if args.command == "demo":
        return console_main.demo(url)
    return console_main.console(url, args.as_user)


def _manifest(url: str | None) -> int:
    from bot.manifest import InvalidURL, render

    try:
        locale = Settings.locale_from_env(os.environ)  # descriptions in the organisation's language first
        sys.stdout.write(render(url, locale))
    except InvalidURL as error:
        print(f"onnuri: --url: {error}", file=sys.stderr)
        return EXIT_SETTINGS
    except SettingsError as error:
        print(f"onnuri: {error}", file=sys.stderr)
        return EXIT_SETTINGS
    return 0


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    from bot import logs

    logs.configure(settings.log_level, settings.secrets)
    if args.command == "db":
        return _db_upgrade(settings)
    if args.command == "doctor":
        return _doctor(settings)
    if args.command == "scheduler":
        return _scheduler_once(settings, args.at)
    if args.command == "report":
        return _report(args, settings)
    return _run(args, settings)


def _report(args: argparse.Namespace, settings: Settings) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from bot import report_files

    try:
        path = report_files.write(args, settings)
    except report_files.BadArgument as error:
        print(f"onnuri: {error}", file=sys.stderr)
        return EXIT_SETTINGS
    except SQLAlchemyError as error:
        raise CommandFailed(f"database: {_one_line(error)}; check DATABASE_URL or run `onnuri doctor`") from None
    except OSError as error:
        raise CommandFailed(f"cannot write the file: {error.strerror or error}") from None
    print(path)
    return 0


def _scheduler_once(settings: Settings, at: str | None) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from bot import compose
    from scheduler.once import InvalidInstant, parse_instant, run_once
    from services.unit_of_work import make_session_factory

    settings.require("SLACK_BOT_TOKEN")  # without it every message would be refused, and then never retried
    try:
        now = parse_instant(at, settings.timezone)
        engine = compose.database(settings)
        try:
            report = run_once(
                make_session_factory(engine),
                compose.client(settings, retries=False),
                compose.organisation(settings),
                now,
            )
        finally:
            engine.dispose()
    except InvalidInstant as error:
        print(f"onnuri: --at: {error}", file=sys.stderr)
        return EXIT_SETTINGS
    except SQLAlchemyError as error:
        raise CommandFailed(f"database: {_one_line(error)}; check DATABASE_URL or run `onnuri doctor`") from None
    print(report)
    return 0


def _db_upgrade(settings: Settings) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from models import migrate
    from models.db import make_engine

    engine = make_engine(settings.database_url)
    try:
        before = migrate.current_revision(engine)
        migrate.upgrade(engine)
        after = migrate.current_revision(engine)
    except SQLAlchemyError as error:
        raise CommandFailed(f"database upgrade failed: {_one_line(error)}") from None
    finally:
        engine.dispose()
    if before == after:
        print(f"database is up to date (revision {after})")
    else:
        print(f"database upgraded from {before or 'empty'} to revision {after}")
    return 0


def _doctor(settings: Settings) -> int:
    import logging

    from bot import compose
    from bot.doctor import report, run_checks
    from models.db import make_engine

    logging.getLogger("slack_sdk").setLevel(logging.CRITICAL)  # the checklist says it better
    engine = make_engine(settings.database_url)
    try:
        ok = report(run_checks(settings, engine, compose.client(settings, retries=False)), print)
    finally:
        engine.dispose()
    return 0 if ok else EXIT_FAILED


def _run(args: argparse.Namespace, settings: Settings) -> int:
    from slack_sdk.errors import SlackApiError
    from sqlalchemy.exc import SQLAlchemyError

    from bot.runtime import StartupError
    from bot.serving import run

    socket = args.socket or (bool(settings.slack_app_token) and not args.http)
    settings.require("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN" if socket else "SLACK_SIGNING_SECRET")
    try:
        run(settings, socket=socket, scheduler=not args.no_scheduler)
    except StartupError as error:
        raise CommandFailed(str(error)) from None
    except SQLAlchemyError as error:
        raise CommandFailed(f"database: {_one_line(error)}; check DATABASE_URL or run `onnuri doctor`") from None
    except SlackApiError as error:
        raise CommandFailed(f"Slack refused: {error.response.get('error')}; run `onnuri doctor`") from None
    except OSError as error:
        raise CommandFailed(f"{error.strerror or error}; run `onnuri doctor`") from None
    return 0


def _one_line(error: Exception) -> str:
    cause = getattr(error, "orig", None) or error
    return f"{type(cause).__name__}: {str(cause).strip().splitlines()[0] if str(cause).strip() else ''}"[:300]


if __name__ == "__main__":
    sys.exit(main())
