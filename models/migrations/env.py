"""Alembic environment: runs against the connection or URL that models.migrate hands over."""

from alembic import context

import models
from models.db import make_engine

config = context.config
target_metadata = models.Base.metadata


def run_migrations(connection) -> None:
    # Batch mode rewrites tables on SQLite, which cannot ALTER most constraints in place.
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as conn:
        run_migrations(conn)
    engine.dispose()
