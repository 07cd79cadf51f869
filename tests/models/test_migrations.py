"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, Table, inspect, text

import models
from models import migrate
from models.db import make_engine

TABLES = {
    "absences",
    "alembic_version",
    "approval_comments",
    "approval_readers",
    "approval_requests",
    "approval_steps",
    "audit_events",
    "departments",
    "digest_subscriptions",
    "directive_assignees",
    "inbox",
    "directive_reports",
    "directives",
    "discussion_replies",
    "discussions",
    "ledger_adjustments",
    "nudge_snoozes",
    "outbox",
    "poll_options",
    "poll_votes",
    "outbox_channels",
    "processed_requests",
    "progress_updates",
    "project_departments",
    "project_members",
    "projects",
    "scheduler_leases",
    "users",
}


def schema_differences(engine) -> list:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, models.Base.metadata)


def test_migrated_database_matches_the_models(engine):
    assert schema_differences(engine) == []


def test_migrated_database_is_up_to_date(engine):
    assert migrate.is_up_to_date(engine)
    assert migrate.head_revision() is not None
    assert migrate.head_revision() == migrate.current_revision(engine)


def test_a_model_change_without_a_migration_would_be_noticed(engine):
    """The comparison above is not vacuous: a table the migrations never made shows up."""
    metadata = MetaData()
    for table in models.Base.metadata.tables.values():
        table.to_metadata(metadata)
    Table("not_migrated", metadata, Column("id", Integer, primary_key=True))

    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)

    assert [(d[0], d[1].name) for d in differences] == [("add_table", "not_migrated")]


def test_upgrading_a_brand_new_sqlite_file_builds_every_table(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        assert migrate.current_revision(engine) is None
        assert not migrate.is_up_to_date(engine)

        migrate.upgrade(engine)

        assert set(inspect(engine).get_table_names()) == TABLES
        assert migrate.current_revision(engine) == migrate.head_revision()
        assert schema_differences(engine) == []
    finally:
        engine.dispose()


def test_upgrading_twice_changes_nothing_and_keeps_the_data(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'twice.db'}")
    try:
        migrate.upgrade(engine)
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO departments (team_id, name, created_at) VALUES ('T1', '예산과', :at)"),
                {"at": "2025-01-01 00:00:00.000000"},
            )

        migrate.upgrade(engine)

        assert migrate.is_up_to_date(engine)
        assert set(inspect(engine).get_table_names()) == TABLES
        with engine.connect() as conn:
            assert conn.execute(text("SELECT name FROM departments")).scalars().all() == ["예산과"]
            assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
    finally:
        engine.dispose()


def test_downgrading_to_base_removes_everything_and_upgrade_restores_it(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'down.db'}")
    try:
        migrate.upgrade(engine)
        with engine.connect() as connection:
            config = migrate.alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, "base")
            connection.commit()
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        assert migrate.current_revision(engine) is None

        migrate.upgrade(engine)

        assert set(inspect(engine).get_table_names()) == TABLES
        assert schema_differences(engine) == []
    finally:
        engine.dispose()
