"""The monthly participation ledger for 10,000 people in 2,000 projects: wall time and SQL statements,
on SQLite and (when reachable) PostgreSQL, against a tenth of the organisation as the baseline.
The statement count must not move with the size (tests/services/test_ledger.py asserts it)."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from bench.organisation import seed
from bench.queries import counting
from bench.scheduler_tick import FULL, NOW, TENTH, WEEK, _postgres_database
from models import migrate
from models.db import make_engine, make_session_factory
from services import ledger
from services.calendar import WorkCalendar
from services.working_time import WorkingTime


def _measure(url: str, users: int, projects: int) -> dict[str, float]:
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        session_factory = make_session_factory(engine)
        org = seed(session_factory, users=users, projects=projects, now=NOW, week_start=WEEK)
        calendar = WorkCalendar("KR")
        with session_factory() as session, counting(engine) as count:
            started = time.perf_counter()
            records = ledger.month_records(
                session,
                org.team_id,
                ledger.Month(NOW.year, NOW.month),
                now=NOW,
                rules=ledger.Rules(calendar, WorkingTime(calendar), "Asia/Seoul", ledger.DEFAULT_WEIGHTS, 24),
            )
            seconds = time.perf_counter() - started
        return {"ms": seconds * 1000, "queries": count.statements, "people": len(records)}
    finally:
        engine.dispose()


def run() -> list[tuple[str, str, str, str]]:
    rows: list[tuple[str, str, str, str]] = []
    for name in ("SQLite", "PostgreSQL"):
        figures = []
        for users, projects in (FULL, TENTH):
            if name == "SQLite":
                with tempfile.TemporaryDirectory() as tmp:
                    figures.append(_measure(f"sqlite:///{Path(tmp) / 'bench.db'}", users, projects))
            else:
                with _postgres_database() as url:
                    figures.append(None if url is None else _measure(url, users, projects))
        full, tenth = figures
        if full is None or tenth is None:
            rows.append((f"{name}: not reachable, skipped", "-", "-", "-"))
            continue
        label = f"{name}, monthly ledger for {FULL[0]:,} people in {FULL[1]:,} projects (baseline: a tenth)"
        for key, title in (("ms", "time (ms)"), ("queries", "SQL statements"), ("people", "people with a record")):
            ratio = full[key] / tenth[key] if tenth[key] else float("nan")
            rows.append((f"{label}: {title}", f"{full[key]:,.1f}", f"{tenth[key]:,.1f}", f"{ratio:.2f}"))
    return rows


if __name__ == "__main__":
    for row in run():
        print(" | ".join(row))
