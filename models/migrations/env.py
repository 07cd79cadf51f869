"""Alembic environment: runs against the connection or URL that models.migrate hands over."""

from alembic import context

import models

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


# models.migrate always hands over an open connection; there is no offline (SQL script) mode.
run_migrations(config.attributes["connection"])
