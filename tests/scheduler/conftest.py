"""Fixtures for scheduler tests that run real processes against one database."""

from __future__ import annotations

from pathlib import Path

import pytest

from models import migrate
from models.db import make_engine


@pytest.fixture
def db_url(request, database_url: str, tmp_path: Path) -> str:
    """PostgreSQL (emptied) when TEST_DATABASE_URL is set, else a fresh SQLite file under tmp_path."""
    if database_url.startswith("postgresql"):
        request.getfixturevalue("engine")  # truncates every table
        return database_url
    url = f"sqlite:///{tmp_path / 'once.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return url
