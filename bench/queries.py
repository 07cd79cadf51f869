"""Counting the SQL statements a piece of work sends, through SQLAlchemy's cursor events."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine, event


@dataclass
class QueryCount:
    statements: int = 0


@contextmanager
def counting(engine: Engine) -> Iterator[QueryCount]:
    count = QueryCount()

    def before(*_args) -> None:
        count.statements += 1

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield count
    finally:
        event.remove(engine, "before_cursor_execute", before)
