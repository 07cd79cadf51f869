"""`onnuri report participation|audit`: the same exports as /report, written to a file."""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select

from bot import compose
from bot.settings import Settings
from kit import participation_files
from models import Project, migrate
from models.db import make_engine, make_session_factory
from services import exports, ledger
from services.errors import DomainError


class BadArgument(ValueError):
    pass


def _date(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadArgument(f"{name}: not a date (YYYY-MM-DD): {text!r}") from None


def write(args: argparse.Namespace, settings: Settings) -> Path:
    engine = make_engine(settings.database_url)
    try:
        migrate.upgrade(engine)
        session_factory = make_session_factory(engine)
        with session_factory() as session:
            if args.report_command == "audit":
                return _audit(args, session)
            return _participation(args, settings, session)
    finally:
        engine.dispose()


def _audit(args: argparse.Namespace, session) -> Path:
    start, end = _date(args.start, "--from"), _date(args.end, "--to")
    if end < start:
        raise BadArgument("--to is before --from")
    path = Path(args.out or f"audit-{start}-{end}.csv")
    path.write_bytes(exports.to_csv(exports.AUDIT_COLUMNS, exports.audit_rows(session, start, end)))
    return path


def _participation(args: argparse.Namespace, settings: Settings, session) -> Path:
    try:
        month = ledger.Month.parse(args.month)
    except DomainError:
        raise BadArgument(f"--month: not a month (YYYY-MM): {args.month!r}") from None
    teams = list(session.scalars(select(Project.team_id).distinct()))
    team = args.team or (teams[0] if len(teams) == 1 else None)
    if team is None:
        raise BadArgument(f"--team: the database holds {len(teams)} workspaces; name one ({', '.join(teams)})")
    rules = compose.organisation(settings).rules
    records = ledger.month_records(session, team, month, now=datetime.now(UTC), rules=rules)
    path = Path(args.out or f"{participation_files.stem(month, None)}.{args.format}")
    data = participation_files.encode(records, month, settings.locale, args.format)
    path.write_bytes(data)
    return path
