"""Engine and session factory.

SQLite gets WAL and a busy timeout so the bot's threads and a CLI can share the file;
PostgreSQL is used as is.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 5000
OUTBOX_DIRTY = "onnuri.outbox_dirty"
WRITE = "onnuri_write"  # execution option: this transaction will write
BUSY_MS = "onnuri_busy_ms"  # execution option: how long SQLite may wait for another process's write lock


def make_engine(url: str, **kwargs) -> Engine:
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    # the work lanes, the delivery workers, the sweep and the scheduler each hold a connection at times
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    return create_engine(url, **kwargs)


def _sqlite_begin(conn) -> None:
    # A transaction that will write takes the write lock up front, so a busy database makes it wait
    # on busy_timeout instead of failing half-way when a read turns into a write. Reads stay deferred
    # and run beside writers under WAL.
    options = conn.get_execution_options()
    if options.get(WRITE):
        conn.exec_driver_sql(f"PRAGMA busy_timeout={int(options.get(BUSY_MS, SQLITE_BUSY_TIMEOUT_MS))}")
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.exec_driver_sql("BEGIN")


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


class WriterQueue:
    """This process's writers to one SQLite file, in turn: a re-entrant lock where urgent writers (a request
    being recorded before Slack is answered) go before the others waiting, and may give up after a while."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._owner: int | None = None
        self._depth = 0
        self._urgent_waiting = 0

    def acquire(self, urgent: bool = False, timeout: float | None = None) -> bool:
        me = threading.get_ident()
        with self._cond:
            if self._owner == me:
                self._depth += 1
                return True
            self._urgent_waiting += urgent

            def free() -> bool:
                return self._owner is None and (urgent or not self._urgent_waiting)

            try:
                if not self._cond.wait_for(free, timeout):
                    return False
            finally:
                self._urgent_waiting -= urgent
            self._owner, self._depth = me, 1
            return True

    def release(self) -> None:
        with self._cond:
            self._depth -= 1
            if self._depth == 0:
                self._owner = None
                self._cond.notify_all()


class Impatient(OperationalError):
    """An urgent write could not start within its patience."""

    def __init__(self) -> None:
        super().__init__("write", {}, Exception("the database stayed busy"))


_SQLITE_WRITERS: dict[str, WriterQueue] = {}
_SQLITE_WRITERS_GUARD = threading.Lock()


def _sqlite_writer_queue(engine: Engine) -> WriterQueue:
    """One queue per database file: this process's writers wait here in order, rather than poll
    SQLite's busy handler, which under load lets some writers starve past busy_timeout."""
    with _SQLITE_WRITERS_GUARD:
        return _SQLITE_WRITERS.setdefault(str(engine.url), WriterQueue())


@contextmanager
def write_transaction(factory: sessionmaker[Session], patience: float | None = None) -> Iterator[Session]:
    """A session in a transaction that commits on success; on SQLite it holds the write lock from the start.

    With `patience` (seconds) the write is urgent and bounded: it goes before other writers of this process,
    and fails (OperationalError) rather than wait longer for the database."""
    engine = factory.kw["bind"]
    if engine.dialect.name != "sqlite":
        with factory.begin() as session:
            if patience is not None and engine.dialect.name == "postgresql":
                session.execute(text(f"SET LOCAL lock_timeout = {int(patience * 1000)}"))
                session.execute(text(f"SET LOCAL statement_timeout = {int(patience * 1000)}"))
            yield session
        return
    queue = _sqlite_writer_queue(engine)
    if not queue.acquire(urgent=patience is not None, timeout=patience):
        raise Impatient()
    try:
        with factory.begin() as session:
            options = {WRITE: True, BUSY_MS: int(patience * 1000) if patience is not None else SQLITE_BUSY_TIMEOUT_MS}
            session.connection(execution_options=options)
            yield session
    finally:
        queue.release()


def database_answers(engine: Engine) -> bool:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:
        return False
