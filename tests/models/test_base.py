"""Shared column types and the append-only audit trail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import IntegrityError, StatementError

from models import AuditEvent, MemberRole, OutboxMessage, OutboxStatus, ProjectStatus, User
from models.audit import AuditTrailIsAppendOnly
from models.base import utcnow
from services import audit, outbox, projects
from services.projects import ProjectDraft

TEAM = "T1"
SEOUL = timezone(timedelta(hours=9))


def add_user(sf, fetched_at: datetime | None, slack_user_id: str = "U1") -> int:
    with sf.begin() as s:
        user = User(team_id=TEAM, slack_user_id=slack_user_id, display_name="", profile_fetched_at=fetched_at)
        s.add(user)
        s.flush()
        return user.id


# --- UTCDateTime --------------------------------------------------------------------------------


def test_a_datetime_with_an_offset_comes_back_as_the_same_instant_in_utc(session_factory):
    seoul_morning = datetime(2025, 3, 3, 9, 30, 15, 123456, tzinfo=SEOUL)
    user_id = add_user(session_factory, seoul_morning)

    with session_factory() as s:
        stored = s.get(User, user_id).profile_fetched_at

    assert stored == seoul_morning
    assert stored.tzinfo is UTC
    assert (stored.hour, stored.minute, stored.microsecond) == (0, 30, 123456)


def test_datetimes_are_stored_as_utc(session_factory, engine):
    add_user(session_factory, datetime(2025, 3, 3, 9, 0, tzinfo=SEOUL))

    with engine.connect() as conn:
        raw = conn.execute(text("SELECT profile_fetched_at FROM users")).scalar_one()

    if engine.dialect.name == "sqlite":
        assert str(raw).startswith("2025-03-03 00:00:00")  # no offset kept: the text is UTC
    else:
        assert raw == datetime(2025, 3, 3, 0, 0, tzinfo=UTC)
        assert raw.utcoffset() is not None


def test_sql_comparisons_use_the_instant_whatever_the_offset(session_factory):
    add_user(session_factory, datetime(2025, 3, 3, 0, 0, tzinfo=UTC))  # 09:00 in Seoul
    just_before = datetime(2025, 3, 3, 8, 59, tzinfo=SEOUL)
    just_after = datetime(2025, 3, 3, 9, 1, tzinfo=SEOUL)

    with session_factory() as s:
        before = s.scalars(select(User.id).where(User.profile_fetched_at < just_before)).all()
        after = s.scalars(select(User.id).where(User.profile_fetched_at < just_after)).all()

    assert (len(before), len(after)) == (0, 1)


def test_a_naive_datetime_is_refused(session_factory):
    with pytest.raises(StatementError) as caught:
        add_user(session_factory, datetime(2025, 3, 3, 9, 0))

    assert isinstance(caught.value.orig, ValueError)
    assert "naive" in str(caught.value.orig)
    with session_factory() as s:
        assert s.scalars(select(User)).all() == []


def test_a_naive_datetime_is_refused_in_a_query_too(session_factory):
    with session_factory() as s, pytest.raises(StatementError):
        s.scalars(select(User).where(User.profile_fetched_at < datetime(2025, 1, 1))).all()


def test_none_stays_none(session_factory):
    user_id = add_user(session_factory, None)

    with session_factory() as s:
        assert s.get(User, user_id).profile_fetched_at is None


def test_created_at_defaults_to_now_in_utc(session_factory):
    before = datetime.now(UTC)
    user_id = add_user(session_factory, None)

    with session_factory() as s:
        created = s.get(User, user_id).created_at

    assert created.tzinfo is UTC
    assert before <= created <= datetime.now(UTC)


# --- enums --------------------------------------------------------------------------------------


def test_enums_are_stored_as_their_values(session_factory, engine):
    with session_factory.begin() as s:
        projects.create(s, TEAM, "U1", ProjectDraft("과제", key="ENUM"), now=utcnow())
        outbox.enqueue(s, team_id=TEAM, kind="k", recipient="U1", dedupe_key="d")

    with engine.connect() as conn:
        project_status = conn.execute(text("SELECT status FROM projects")).scalar_one()
        member_role = conn.execute(text("SELECT role FROM project_members")).scalar_one()
        outbox_status = conn.execute(text("SELECT status FROM outbox WHERE dedupe_key = 'd'")).scalar_one()

    assert (project_status, member_role, outbox_status) == ("active", "lead", "pending")
    assert ProjectStatus(project_status) is ProjectStatus.ACTIVE
    assert MemberRole(member_role) is MemberRole.LEAD


def test_an_enum_column_refuses_a_value_outside_the_enum(session_factory, engine):
    with session_factory.begin() as s:
        outbox.enqueue(s, team_id=TEAM, kind="k", recipient="U1", dedupe_key="d")

    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text("UPDATE outbox SET status = 'PENDING'"))  # the member's name, not its value

    with session_factory() as s:
        assert s.scalar(select(OutboxMessage.status)) is OutboxStatus.PENDING


# --- the audit trail is append-only -------------------------------------------------------------


def recorded(sf) -> int:
    with sf.begin() as s:
        return audit.record(s, TEAM, "U1", "project.created", "project", 1, key="A", at=utcnow()).id


def test_an_audit_event_is_written_with_its_detail(session_factory):
    event_id = recorded(session_factory)

    with session_factory() as s:
        event = s.get(AuditEvent, event_id)
        assert (event.team_id, event.actor, event.action) == (TEAM, "U1", "project.created")
        assert (event.subject_type, event.subject_id, event.detail) == ("project", 1, {"key": "A"})
        assert event.created_at.tzinfo is UTC


def test_an_audit_event_cannot_be_changed(session_factory):
    event_id = recorded(session_factory)

    with pytest.raises(AuditTrailIsAppendOnly), session_factory.begin() as s:
        s.get(AuditEvent, event_id).actor = "U2"

    with session_factory() as s:
        assert s.get(AuditEvent, event_id).actor == "U1"


def test_an_audit_events_detail_cannot_be_replaced(session_factory):
    event_id = recorded(session_factory)

    with pytest.raises(AuditTrailIsAppendOnly), session_factory.begin() as s:
        s.get(AuditEvent, event_id).detail = {"key": "B"}

    with session_factory() as s:
        assert s.get(AuditEvent, event_id).detail == {"key": "A"}


def test_an_audit_event_cannot_be_deleted(session_factory):
    event_id = recorded(session_factory)

    with pytest.raises(AuditTrailIsAppendOnly), session_factory.begin() as s:
        s.delete(s.get(AuditEvent, event_id))

    with session_factory() as s:
        assert s.get(AuditEvent, event_id) is not None


def test_loading_audit_events_alongside_other_changes_is_allowed(session_factory):
    event_id = recorded(session_factory)

    with session_factory.begin() as s:
        s.get(AuditEvent, event_id)
        s.add(User(team_id=TEAM, slack_user_id="U2", display_name=""))

    with session_factory() as s:
        assert s.scalar(select(User.slack_user_id)) == "U2"


@pytest.mark.parametrize(
    "statement",
    [update(AuditEvent).values(actor="U2"), delete(AuditEvent)],
    ids=["bulk-update", "bulk-delete"],
)
def test_an_orm_bulk_statement_cannot_rewrite_the_audit_trail(session_factory, statement):
    event_id = recorded(session_factory)

    with pytest.raises(AuditTrailIsAppendOnly), session_factory.begin() as s:
        s.execute(statement)

    with session_factory() as s:
        event = s.get(AuditEvent, event_id)
        assert event is not None and event.actor == "U1"
