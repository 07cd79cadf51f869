"""Engine and session factory.

SQLite gets WAL and a busy timeout so the bot's threads and a CLI can share the file;
PostgreSQL is used as is.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 5000
OUTBOX_DIRTY = "onnuri.outbox_dirty"
WRITE = "onnuri_write"  # execution option: this transaction will write


def make_engine(url: str, **kwargs) -> Engine:
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _sqlite_begin(conn) -> None:
    # A transaction that will write takes the write lock up front, so a busy database makes it wait
    # on busy_timeout instead of failing half-way when a read turns into a write. Reads stay deferred
    # and run beside writers under WAL.
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE) else "BEGIN")


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" listener issues BEGIN itself
    cursor = dbapi_connection.cursor()
    if not _is_memory(dbapi_connection):
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _is_memory(dbapi_connection) -> bool:
    cursor = dbapi_connection.cursor()
    try:
        rows = cursor.execute("PRAGMA database_list").fetchall()
    finally:
        cursor.close()
    return any(row[1] == "main" and not row[2] for row in rows)


def make_session_factory(engine: Engine, on_outbox_commit: Callable[[], None] | None = None) -> sessionmaker[Session]:
    """Sessions that tell the outbox worker, after commit, that there is something to send."""
    factory = sessionmaker(engine, expire_on_commit=False)
    if on_outbox_commit is not None:

        @event.listens_for(factory, "after_commit")
        def _wake_outbox(session: Session) -> None:
            if session.info.pop(OUTBOX_DIRTY, False):
                on_outbox_commit()

    return factory


_SQLITE_WRITERS: dict[str, threading.RLock] = {}
_SQLITE_WRITERS_GUARD = threading.Lock()


def _sqlite_writer_lock(engine: Engine) -> threading.RLock:
    """One lock per database file: this process's writers queue here in order, rather than poll
    SQLite's busy handler, which under load lets some writers starve past busy_timeout."""
    with _SQLITE_WRITERS_GUARD:
        return _SQLITE_WRITERS.setdefault(str(engine.url), threading.RLock())


@contextmanager
def write_transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session in a transaction that commits on success; on SQLite it holds the write lock from the start."""
    engine = factory.kw["bind"]
    if engine.dialect.name != "sqlite":
        with factory.begin() as session:
            yield session
        return
    with _sqlite_writer_lock(engine), factory.begin() as session:
        session.connection(execution_options={WRITE: True})
        yield session


def database_answers(engine: Engine) -> bool:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:
        return False
