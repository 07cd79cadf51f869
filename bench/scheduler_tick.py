"""One full scheduler tick and one cross-project digest for 10,000 people in 2,000 projects:
wall time and SQL statements, on SQLite and (when reachable) PostgreSQL.

The baseline is the same figure for a tenth of the organisation: the statement count must not
move (tests/scheduler/test_tick_queries.py asserts it), and the time should grow about linearly.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.organisation import seed
from bench.queries import counting
from bot.compose import organisation
from bot.settings import Settings
from models import migrate
from models.db import make_engine, make_session_factory
from scheduler import jobs
from services import digests
from services.calendar import WorkCalendar

NOW = datetime(2026, 12, 7, 1, 30, tzinfo=UTC)  # Monday 10:30 in Seoul: nudges and digests all due
WEEK = date(2026, 12, 7)
FULL = (10_000, 2_000)
TENTH = (1_000, 200)
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
BENCH_DB = "onnuri_bench"


def _measure(url: str, users: int, projects: int) -> dict[str, float]:
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        session_factory = make_session_factory(engine)
        started = time.perf_counter()
        org = seed(session_factory, users=users, projects=projects, now=NOW, week_start=WEEK)
        seeded = time.perf_counter() - started
        settings = Settings(admins=frozenset({org.admin}))
        calendar = WorkCalendar("KR")
        with counting(engine) as tick_count:
            started = time.perf_counter()
            queued = jobs.tick(session_factory, organisation(settings), NOW)
            tick_seconds = time.perf_counter() - started
        with session_factory() as session, counting(engine) as digest_count:
            started = time.perf_counter()
            digests.cross_project(session, org.team_id, now=NOW, calendar=calendar)
            digest_seconds = time.perf_counter() - started
        return {
            "seed_s": seeded,
            "tick_ms": tick_seconds * 1000,
            "tick_queries": tick_count.statements,
            "queued": sum(queued.values()),
            "digest_ms": digest_seconds * 1000,
            "digest_queries": digest_count.statements,
        }
    finally:
        engine.dispose()


def _sqlite(users: int, projects: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        return _measure(f"sqlite:///{Path(tmp) / 'bench.db'}", users, projects)


@contextmanager
def _postgres_database() -> Iterator[str | None]:
    """A fresh, throwaway PostgreSQL database (its URL), or None when PostgreSQL is not reachable."""
    try:
        admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {BENCH_DB}"))
            conn.execute(text(f"CREATE DATABASE {BENCH_DB}"))
    except Exception:
        yield None
        return
    try:
        yield POSTGRES_URL.rsplit("/", 1)[0] + f"/{BENCH_DB}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)"))
        admin.dispose()


def _postgres(users: int, projects: int) -> dict[str, float] | None:
    with _postgres_database() as url:
        return None if url is None else _measure(url, users, projects)


def run() -> list[tuple[str, str, str, str]]:
    rows: list[tuple[str, str, str, str]] = []
    for name, measure in (("SQLite", _sqlite), ("PostgreSQL", _postgres)):
        full, tenth = measure(*FULL), measure(*TENTH)
        if full is None or tenth is None:
            rows.append((f"{name}: not reachable, skipped", "-", "-", "-"))
            continue
        label = f"{name}, {FULL[0]:,} people in {FULL[1]:,} projects (baseline: a tenth of that)"
        for key, title in (
            ("tick_ms", "one full tick (ms)"),
            ("tick_queries", "one full tick: SQL statements"),
            ("queued", "one full tick: messages queued"),
            ("digest_ms", "cross-project digest (ms)"),
            ("digest_queries", "cross-project digest: SQL statements"),
        ):
            value, base = full[key], tenth[key]
            ratio = value / base if base else float("nan")
            rows.append((f"{label}: {title}", f"{value:,.1f}", f"{base:,.1f}", f"{ratio:.2f}"))
    return rows


if __name__ == "__main__":
    for row in run():
        print(" | ".join(row))
