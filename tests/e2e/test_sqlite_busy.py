"""SQLite busy: another writer holds the lock. A command waits a bounded time, then either succeeds
(the lock went) or says plainly that the database is busy and that nothing changed."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from sqlalchemy import func, select

from models import Project


@pytest.fixture
def sqlite_file(bot):
    url = bot.runtime.engine.url
    if url.get_backend_name() != "sqlite":
        pytest.skip("the write lock is SQLite's")
    return url.database


def hold_write_lock(path: str, seconds: float) -> threading.Thread:
    """Another process's writer: takes the lock and keeps it for `seconds`."""
    ready = threading.Event()

    def hold() -> None:
        conn = sqlite3.connect(path, timeout=0, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        ready.set()
        time.sleep(seconds)
        conn.execute("ROLLBACK")
        conn.close()

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    ready.wait(5)
    return thread


def projects(bot) -> int:
    with bot.session_factory() as session:
        return session.scalar(select(func.count()).select_from(Project))


def test_a_command_waits_out_a_short_lock_and_succeeds(bot, sqlite_file):
    holder = hold_write_lock(sqlite_file, 1.0)
    answer = bot.command("/project", "new 일자리 창출 key=JOBS")
    holder.join()
    assert "JOBS" in answer["text"] and projects(bot) == 1


def test_a_command_behind_a_long_lock_is_told_the_database_is_busy(bot, sqlite_file):
    holder = hold_write_lock(sqlite_file, 7.0)  # longer than the 5 s busy timeout
    reply = bot.slack.command("/project", "new 일자리 창출 key=JOBS")
    assert reply.status == 200  # acknowledged at once, whatever the database does
    answer = bot.answer(reply, timeout=15)
    holder.join()
    assert "바쁩니다" in answer["text"] and "Traceback" not in answer["text"]
    assert projects(bot) == 0  # nothing half-done
    assert "JOBS" in bot.command("/project", "new 일자리 창출 key=JOBS")["text"]  # and it works once free
