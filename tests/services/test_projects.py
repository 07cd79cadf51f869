"""The project registry (융합행정 과제): registering, membership, closing, editing, team isolation."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from models import (
    AuditEvent,
    Department,
    MemberRole,
    OutboxMessage,
    Project,
    ProjectMember,
    ProjectStatus,
    User,
)
from models.base import utcnow
from services import projects, users
from services.errors import DomainError
from services.projects import CloseOutcome, JoinOutcome, LeaveOutcome, ProjectDraft, ProjectInfo, ReopenOutcome
from tests.fakes.homes import looking_at_home
from tests.fakes.locks import wait_until_another_transaction_waits_on

TEAM = "T1"
OTHER_TEAM = "T2"


NAMES = itertools.count(1)


def create(sf: sessionmaker[Session], actor: str = "U1", team: str = TEAM, **draft: Any) -> ProjectInfo:
    draft.setdefault("name", f"청년 주거 지원 {next(NAMES)}")  # two active projects never share a name
    with sf.begin() as s:
        return projects.create(s, team, actor, ProjectDraft(**draft), now=utcnow())


def refusal(sf: sessionmaker[Session], action: Callable[[Session], object]) -> DomainError:
    """Runs `action` in a transaction that must be refused, and returns the refusal."""
    with pytest.raises(DomainError) as caught, sf.begin() as s:
        action(s)
    return caught.value


def get(sf: sessionmaker[Session], key: str, team: str = TEAM) -> ProjectInfo:
    with sf() as s:
        return projects.get(s, team, key)


def outbox_rows(sf: sessionmaker[Session], kind: str) -> list[OutboxMessage]:
    with sf() as s:
        return list(s.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)))


def audit_rows(sf: sessionmaker[Session], action: str) -> list[AuditEvent]:
    with sf() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def count(sf: sessionmaker[Session], model: type) -> int:
    with sf() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def roles(info: ProjectInfo) -> dict[str, MemberRole]:
    return {m.slack_user_id: m.role for m in info.members}


def add_lead(sf: sessionmaker[Session], key: str, slack_user_id: str) -> None:
    """A second lead (공동 주관), written directly: the services only make the creator lead."""
    with sf.begin() as s:
        project = s.scalar(select(Project).where(Project.team_id == TEAM, Project.key == key))
        assert project is not None
        user = users.ensure(s, TEAM, slack_user_id)
        s.add(ProjectMember(team_id=TEAM, project=project, user=user, role=MemberRole.LEAD, joined_at=utcnow()))


# --- create: keys and names ---------------------------------------------------------------------


def test_create_with_given_key_normalises_it_to_upper_case(session_factory):
    info = create(session_factory, key="  youth-01 ")

    assert info.key == "YOUTH-01"
    assert get(session_factory, "youth-01").id == info.id
    with session_factory() as s:
        assert s.scalar(select(Project.key)) == "YOUTH-01"


def test_generated_keys_count_up_from_p_1(session_factory):
    keys = [create(session_factory, name=f"과제 {n}").key for n in range(3)]

    assert keys == ["P-1", "P-2", "P-3"]


def test_generated_key_skips_a_p_number_taken_by_hand(session_factory):
    assert create(session_factory, key="p-2").key == "P-2"

    assert create(session_factory, name="두 번째").key == "P-3"
    assert create(session_factory, name="세 번째").key == "P-4"


def test_create_refuses_a_key_already_taken_in_any_case(session_factory):
    create(session_factory, key="YOUTH")

    error = refusal(
        session_factory, lambda s: projects.create(s, TEAM, "U2", ProjectDraft("다른", key="youth"), now=utcnow())
    )

    assert error.code == "project.key_taken"
    assert error.params == {"key": "YOUTH"}
    assert count(session_factory, Project) == 1


@pytest.mark.parametrize("key", ["-AB", "A B", "A.B", "과제", "A" * 21, "   "])
def test_create_refuses_an_invalid_key(session_factory, key):
    error = refusal(
        session_factory, lambda s: projects.create(s, TEAM, "U1", ProjectDraft("이름", key=key), now=utcnow())
    )

    assert error.code == "project.key_invalid"
    assert count(session_factory, Project) == 0


def test_longest_valid_key_is_accepted(session_factory):
    assert create(session_factory, key="a" * 20).key == "A" * 20


@pytest.mark.parametrize("name", ["", "   ", "\n\t"])
def test_create_refuses_an_empty_name(session_factory, name):
    error = refusal(session_factory, lambda s: projects.create(s, TEAM, "U1", ProjectDraft(name), now=utcnow()))

    assert error.code == "project.name_missing"
    assert count(session_factory, Project) == 0
    assert count(session_factory, User) == 0  # the refused transaction left nothing behind


def test_create_refuses_an_over_long_name(session_factory):
    error = refusal(session_factory, lambda s: projects.create(s, TEAM, "U1", ProjectDraft("가" * 201), now=utcnow()))

    assert error.code == "project.name_too_long"
    assert error.params == {"limit": projects.NAME_MAX}
    assert create(session_factory, name="가" * 200).name == "가" * 200


def test_create_collapses_whitespace_in_the_name(session_factory):
    assert create(session_factory, name="  청년   주거\n지원 ").name == "청년 주거 지원"


# --- create: people, departments, audit, outbox -------------------------------------------------


def test_creator_becomes_lead_and_mentioned_users_members_once_each(session_factory):
    info = create(session_factory, actor="U1", member_ids=["U2", "U1", "U3", "U2", "U1"])

    assert [(m.slack_user_id, m.role) for m in info.members] == [
        ("U1", MemberRole.LEAD),
        ("U2", MemberRole.MEMBER),
        ("U3", MemberRole.MEMBER),
    ]
    assert [m.slack_user_id for m in info.leads] == ["U1"]
    assert count(session_factory, ProjectMember) == 3
    assert roles(get(session_factory, info.key)) == roles(info)


def test_departments_are_lead_plus_cooperating_without_duplicates(session_factory):
    info = create(
        session_factory,
        lead_department="기획조정실",
        cooperating_departments=["예산과", "기획조정실", "예산과", " ", "정보화  담당관"],
    )

    assert info.lead_department == "기획조정실"
    assert info.cooperating_departments == ("예산과", "정보화 담당관")
    stored = get(session_factory, info.key)
    assert (stored.lead_department, stored.cooperating_departments) == ("기획조정실", ("예산과", "정보화 담당관"))
    with session_factory() as s:
        assert sorted(users.list_departments(s, TEAM)) == ["기획조정실", "예산과", "정보화 담당관"]


def test_project_without_departments_has_none(session_factory):
    info = create(session_factory)

    assert info.lead_department is None
    assert info.cooperating_departments == ()


def test_create_writes_a_project_created_audit_event(session_factory):
    info = create(session_factory, actor="U1", key="AUD", name="감사", member_ids=["U2", "U1"])

    [event] = audit_rows(session_factory, "project.created")
    assert (event.team_id, event.actor, event.subject_type, event.subject_id) == (TEAM, "U1", "project", info.id)
    assert event.detail == {"key": "AUD", "name": "감사", "members": ["U2"]}


def test_each_added_member_gets_a_member_added_outbox_row(session_factory):
    info = create(session_factory, actor="U1", member_ids=["U2", "U3", "U1", "U3"])

    rows = outbox_rows(session_factory, "project.member_added")
    assert sorted(r.recipient for r in rows) == ["U2", "U3"]
    assert all(r.team_id == TEAM and r.payload == {"project_id": info.id, "by": "U1"} for r in rows)


def test_project_with_a_channel_queues_project_registered(session_factory):
    info = create(session_factory, channel_id="C100")

    [row] = outbox_rows(session_factory, "project.registered")
    assert row.recipient == "C100"
    assert row.payload == {"project_id": info.id, "by": "U1"}


def test_project_without_channel_or_members_queues_only_the_creators_home(session_factory):
    looking_at_home(session_factory, "T1", "U1")
    create(session_factory, actor="U1")

    with session_factory() as s:
        rows = s.scalars(select(OutboxMessage)).all()
    assert [(r.kind, r.recipient) for r in rows] == [("home.refresh", "U1")]


def test_a_home_nobody_has_opened_lately_is_not_redrawn_it_is_drawn_when_opened(session_factory):
    create(session_factory, actor="U1")

    with session_factory() as s:
        assert s.scalars(select(OutboxMessage)).all() == []


# --- listing ------------------------------------------------------------------------------------


def test_list_active_puts_the_viewers_projects_first_and_hides_closed_ones(session_factory):
    create(session_factory, actor="U1", key="MINE-OLD")
    create(session_factory, actor="U2", key="OTHER-OLD")
    create(session_factory, actor="U2", key="MINE-NEW", member_ids=["U1"])
    create(session_factory, actor="U1", key="MINE-CLOSED")
    create(session_factory, actor="U2", key="OTHER-NEW")
    with session_factory.begin() as s:
        projects.close(s, TEAM, "U1", "MINE-CLOSED", is_admin=False, now=utcnow())

    with session_factory() as s:
        listed = [p.key for p in projects.list_active(s, TEAM, "U1")]
        for_outsider = [p.key for p in projects.list_active(s, TEAM, "U9")]

    assert listed == ["MINE-NEW", "MINE-OLD", "OTHER-NEW", "OTHER-OLD"]
    assert for_outsider == ["OTHER-NEW", "MINE-NEW", "OTHER-OLD", "MINE-OLD"]


def test_list_mine_lists_active_memberships_only(session_factory):
    create(session_factory, actor="U1", key="B")
    create(session_factory, actor="U2", key="A", member_ids=["U1"])
    create(session_factory, actor="U2", key="LEFT", member_ids=["U1"])
    create(session_factory, actor="U1", key="CLOSED")
    with session_factory.begin() as s:
        projects.leave(s, TEAM, "U1", "LEFT", now=utcnow())
        projects.close(s, TEAM, "U1", "CLOSED", is_admin=False, now=utcnow())

    with session_factory() as s:
        assert sorted(p.key for p in projects.list_mine(s, TEAM, "U1")) == ["A", "B"]


# --- join and leave -----------------------------------------------------------------------------


def test_join_then_join_again_is_already_member(session_factory):
    create(session_factory, actor="U1", key="J")

    with session_factory.begin() as s:
        outcome, info = projects.join(s, TEAM, "U2", "j", now=utcnow())
    with session_factory.begin() as s:
        again, _ = projects.join(s, TEAM, "U2", "J", now=utcnow())

    assert outcome is JoinOutcome.JOINED
    assert roles(info)["U2"] is MemberRole.MEMBER
    assert again is JoinOutcome.ALREADY_MEMBER
    assert roles(get(session_factory, "J")) == {"U1": MemberRole.LEAD, "U2": MemberRole.MEMBER}
    assert len(outbox_rows(session_factory, "project.member_joined")) == 1
    assert len(audit_rows(session_factory, "project.joined")) == 1


def test_join_notifies_every_lead_once(session_factory):
    info = create(session_factory, actor="U1", key="J")
    add_lead(session_factory, "J", "U4")

    with session_factory.begin() as s:
        projects.join(s, TEAM, "U2", "J", now=utcnow())

    rows = outbox_rows(session_factory, "project.member_joined")
    assert sorted(r.recipient for r in rows) == ["U1", "U4"]
    assert all(r.payload == {"project_id": info.id, "member": "U2"} for r in rows)


def test_the_lead_joining_their_own_project_is_already_member(session_factory):
    create(session_factory, actor="U1", key="J")

    with session_factory.begin() as s:
        outcome, info = projects.join(s, TEAM, "U1", "J", now=utcnow())

    assert outcome is JoinOutcome.ALREADY_MEMBER
    assert roles(info) == {"U1": MemberRole.LEAD}
    assert outbox_rows(session_factory, "project.member_joined") == []


def test_rejoin_after_leave_reactivates_the_membership_and_notifies_again(session_factory):
    create(session_factory, actor="U1", key="J")
    with session_factory.begin() as s:
        projects.join(s, TEAM, "U2", "J", now=utcnow())
    with session_factory.begin() as s:
        projects.leave(s, TEAM, "U2", "J", now=utcnow())
    assert "U2" not in roles(get(session_factory, "J"))

    with session_factory.begin() as s:
        outcome, info = projects.join(s, TEAM, "U2", "J", now=utcnow())

    assert outcome is JoinOutcome.JOINED
    assert roles(info)["U2"] is MemberRole.MEMBER
    with session_factory() as s:
        memberships = s.scalars(select(ProjectMember).join(User).where(User.slack_user_id == "U2")).all()
    assert len(memberships) == 1  # the same row, re-activated
    assert memberships[0].left_at is None
    assert [r.recipient for r in outbox_rows(session_factory, "project.member_joined")] == ["U1", "U1"]


def test_join_of_a_closed_project_is_refused(session_factory):
    create(session_factory, actor="U1", key="J")
    with session_factory.begin() as s:
        projects.close(s, TEAM, "U1", "J", is_admin=False, now=utcnow())

    error = refusal(session_factory, lambda s: projects.join(s, TEAM, "U2", "J", now=utcnow()))

    assert error.code == "project.closed"
    assert "U2" not in roles(get(session_factory, "J"))


def test_join_of_an_unknown_project_is_not_found(session_factory):
    error = refusal(session_factory, lambda s: projects.join(s, TEAM, "U2", "NOPE", now=utcnow()))

    assert error.code == "project.not_found"


def test_the_sole_lead_cannot_leave(session_factory):
    create(session_factory, actor="U1", key="L", member_ids=["U2"])

    error = refusal(session_factory, lambda s: projects.leave(s, TEAM, "U1", "L", now=utcnow()))

    assert error.code == "project.sole_lead"
    assert roles(get(session_factory, "L"))["U1"] is MemberRole.LEAD


def test_a_lead_may_leave_when_another_lead_remains(session_factory):
    create(session_factory, actor="U1", key="L")
    add_lead(session_factory, "L", "U4")

    with session_factory.begin() as s:
        outcome, info = projects.leave(s, TEAM, "U1", "L", now=utcnow())

    assert outcome is LeaveOutcome.LEFT
    assert roles(info) == {"U4": MemberRole.LEAD}


def test_a_member_leaves_and_then_is_not_a_member(session_factory):
    create(session_factory, actor="U1", key="L", member_ids=["U2"])

    with session_factory.begin() as s:
        outcome, info = projects.leave(s, TEAM, "U2", "L", now=utcnow())
    with session_factory.begin() as s:
        again, _ = projects.leave(s, TEAM, "U2", "L", now=utcnow())
    with session_factory.begin() as s:
        outsider, _ = projects.leave(s, TEAM, "U9", "L", now=utcnow())

    assert outcome is LeaveOutcome.LEFT
    assert "U2" not in roles(info)
    assert (again, outsider) == (LeaveOutcome.NOT_MEMBER, LeaveOutcome.NOT_MEMBER)
    assert "U2" not in roles(get(session_factory, "L"))
    assert len(audit_rows(session_factory, "project.left")) == 1
    with session_factory() as s:
        keys = sorted(p.key for p in projects.list_mine(s, TEAM, "U2"))
    assert keys == []


def test_leaving_tells_each_remaining_lead_who_left_and_a_replay_tells_nobody_again(session_factory):
    info = create(session_factory, actor="U1", key="L", member_ids=["U2"])
    add_lead(session_factory, "L", "U4")

    with session_factory.begin() as s:
        projects.leave(s, TEAM, "U2", "L", now=utcnow())
    with session_factory.begin() as s:
        projects.leave(s, TEAM, "U2", "L", now=utcnow())  # a replayed command: no longer a member

    rows = outbox_rows(session_factory, "project.member_left")
    assert sorted(r.recipient for r in rows) == ["U1", "U4"]
    assert {tuple(sorted(r.payload.items())) for r in rows} == {(("member", "U2"), ("project_id", info.id))}


def test_a_lead_leaving_is_told_to_the_other_leads_not_to_themselves(session_factory):
    create(session_factory, actor="U1", key="L")
    add_lead(session_factory, "L", "U4")

    with session_factory.begin() as s:
        projects.leave(s, TEAM, "U1", "L", now=utcnow())

    assert [r.recipient for r in outbox_rows(session_factory, "project.member_left")] == ["U4"]


# --- close --------------------------------------------------------------------------------------


def test_a_member_may_not_close_a_project(session_factory):
    create(session_factory, actor="U1", key="C", member_ids=["U2"])

    member = refusal(session_factory, lambda s: projects.close(s, TEAM, "U2", "C", is_admin=False, now=utcnow()))
    outsider = refusal(session_factory, lambda s: projects.close(s, TEAM, "U9", "C", is_admin=False, now=utcnow()))

    assert member.code == outsider.code == "project.not_allowed"
    assert get(session_factory, "C").status is ProjectStatus.ACTIVE


def test_the_lead_closes_and_a_second_close_is_already_closed(session_factory):
    create(session_factory, actor="U1", key="C")

    with session_factory.begin() as s:
        first, info = projects.close(s, TEAM, "U1", "C", is_admin=False, now=utcnow())
    with session_factory.begin() as s:
        second, _ = projects.close(s, TEAM, "U1", "C", is_admin=False, now=utcnow())

    assert first is CloseOutcome.CLOSED
    assert info.status is ProjectStatus.CLOSED
    assert second is CloseOutcome.ALREADY_CLOSED
    with session_factory() as s:
        project = s.scalar(select(Project))
        assert project.status is ProjectStatus.CLOSED
        assert project.closed_at is not None
    assert len(audit_rows(session_factory, "project.closed")) == 1


def test_an_admin_who_is_not_a_member_may_close(session_factory):
    create(session_factory, actor="U1", key="C")

    with session_factory.begin() as s:
        outcome, _ = projects.close(s, TEAM, "UADMIN", "C", is_admin=True, now=utcnow())

    assert outcome is CloseOutcome.CLOSED
    [event] = audit_rows(session_factory, "project.closed")
    assert event.actor == "UADMIN"


def test_closing_queues_project_closed_only_when_a_channel_is_set(session_factory):
    with_channel = create(session_factory, key="CH", channel_id="C100")
    create(session_factory, key="NOCH")

    with session_factory.begin() as s:
        projects.close(s, TEAM, "U1", "CH", is_admin=False, now=utcnow())
        projects.close(s, TEAM, "U1", "NOCH", is_admin=False, now=utcnow())
    with session_factory.begin() as s:
        projects.close(s, TEAM, "U1", "CH", is_admin=False, now=utcnow())  # already closed: nothing more

    [row] = outbox_rows(session_factory, "project.closed")
    assert row.recipient == "C100"
    assert row.payload == {"project_id": with_channel.id, "by": "U1"}


# --- edit ---------------------------------------------------------------------------------------


def edit(sf: sessionmaker[Session], info: ProjectInfo, actor: str = "U1", is_admin: bool = False, **draft: Any):
    """Saves an edit form as Slack would: the form showed the non-lead members of `info`."""
    draft.setdefault("name", info.name)
    shown = [m.slack_user_id for m in info.members if m.role is not MemberRole.LEAD]
    with sf.begin() as s:
        return projects.edit(
            s, TEAM, actor, info.id, ProjectDraft(**draft), is_admin=is_admin, members_shown=shown, now=utcnow()
        )


def test_edit_replaces_the_non_lead_members(session_factory):
    info = create(session_factory, actor="U1", key="E", member_ids=["U2", "U3"])

    edited = edit(session_factory, info, member_ids=["U3", "U4"])

    assert roles(edited) == {"U1": MemberRole.LEAD, "U3": MemberRole.MEMBER, "U4": MemberRole.MEMBER}
    assert roles(get(session_factory, "E")) == roles(edited)
    with session_factory() as s:
        removed = s.scalar(select(ProjectMember).join(User).where(User.slack_user_id == "U2"))
        assert removed is not None and removed.left_at is not None


def test_edit_queues_member_added_only_for_added_members(session_factory):
    info = create(session_factory, actor="U1", key="E", member_ids=["U2"])

    edit(session_factory, info, actor="U1", member_ids=["U2", "U4", "U5"])

    rows = outbox_rows(session_factory, "project.member_added")
    assert [r.recipient for r in rows] == ["U2", "U4", "U5"]  # U2 from the registration
    assert rows[-1].payload == {"project_id": info.id, "by": "U1"}


def test_edit_tells_each_removed_member_who_removed_them_once(session_factory):
    info = create(session_factory, actor="U1", key="E", member_ids=["U2", "U3"])

    edit(session_factory, info, actor="U1", member_ids=["U3"])
    edit(session_factory, info, actor="U1", member_ids=["U3"])  # the same form saved again: U2 is gone already

    [row] = outbox_rows(session_factory, "project.member_removed")
    assert (row.recipient, row.payload) == ("U2", {"project_id": info.id, "by": "U1"})


def test_an_admin_taking_themselves_off_a_project_is_not_told_of_it(session_factory):
    info = create(session_factory, actor="U1", key="E", member_ids=["U2", "UADMIN"])

    edit(session_factory, info, actor="UADMIN", is_admin=True, member_ids=["U2"])

    assert "UADMIN" not in roles(get(session_factory, "E"))
    assert outbox_rows(session_factory, "project.member_removed") == []


def test_edit_records_the_changes_in_a_project_edited_audit_event(session_factory):
    info = create(session_factory, actor="U1", key="E", member_ids=["U2"])

    edited = edit(
        session_factory,
        info,
        name="새 이름",
        description="설명",
        channel_id="C200",
        target_date=date(2025, 12, 31),
        lead_department="예산과",
        member_ids=["U3"],
    )

    assert (edited.name, edited.description, edited.channel_id) == ("새 이름", "설명", "C200")
    assert edited.target_date == date(2025, 12, 31)
    assert edited.lead_department == "예산과"
    [event] = audit_rows(session_factory, "project.edited")
    assert event.actor == "U1"
    assert event.subject_id == info.id
    assert event.detail == {
        "key": "E",
        "name": "새 이름",
        "description": True,
        "channel": "C200",
        "target_date": "2025-12-31",
        "departments": True,
        "removed": ["U2"],
        "added": ["U3"],
    }


def test_edit_without_changes_writes_no_audit_event(session_factory):
    info = create(
        session_factory,
        key="E",
        member_ids=["U2"],
        lead_department="기획조정실",
        cooperating_departments=["예산과"],
    )

    edit(
        session_factory,
        info,
        member_ids=["U2"],
        lead_department="기획조정실",
        cooperating_departments=["예산과"],
    )

    assert audit_rows(session_factory, "project.edited") == []
    assert len(outbox_rows(session_factory, "project.member_added")) == 1


def test_edit_with_the_same_departments_repeated_records_no_department_change(session_factory):
    info = create(session_factory, key="E", lead_department="기획조정실", cooperating_departments=["예산과"])

    edit(
        session_factory,
        info,
        name="새 이름",
        lead_department="기획조정실",
        cooperating_departments=["예산과", "예산과"],
    )

    [event] = audit_rows(session_factory, "project.edited")
    assert "departments" not in event.detail


def test_edit_re_adding_a_removed_member_reactivates_and_notifies_again(session_factory):
    info = create(session_factory, actor="U1", key="E", member_ids=["U2"])
    edit(session_factory, info, member_ids=[])

    edited = edit(session_factory, info, member_ids=["U2"])

    assert roles(edited)["U2"] is MemberRole.MEMBER
    assert [r.recipient for r in outbox_rows(session_factory, "project.member_added")] == ["U2", "U2"]
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(ProjectMember)) == 2  # U1 and U2, rows reused


def test_edit_keeps_the_lead_even_when_left_out_of_the_member_list(session_factory):
    info = create(session_factory, actor="U1", key="E", member_ids=["U2"])

    edited = edit(session_factory, info, actor="U1", member_ids=["U2"])

    assert roles(edited)["U1"] is MemberRole.LEAD


def test_edit_is_refused_for_a_member_who_is_not_lead(session_factory):
    info = create(session_factory, actor="U1", key="E", member_ids=["U2"])

    error = refusal(
        session_factory,
        lambda s: projects.edit(
            s, TEAM, "U2", info.id, ProjectDraft("가로챔", member_ids=["U2"]), is_admin=False, now=utcnow()
        ),
    )

    assert error.code == "project.not_allowed"
    assert get(session_factory, "E").name == info.name
    with session_factory() as s, pytest.raises(DomainError) as refused:
        projects.check_can_edit(s, TEAM, "U2", "E", is_admin=False)
    assert refused.value.code == "project.not_allowed"


def test_an_admin_who_is_not_a_member_may_edit(session_factory):
    info = create(session_factory, actor="U1", key="E")

    edited = edit(session_factory, info, actor="UADMIN", is_admin=True, name="관리자 수정")

    assert edited.name == "관리자 수정"
    assert "UADMIN" not in roles(edited)
    [event] = audit_rows(session_factory, "project.edited")
    assert event.actor == "UADMIN"


def test_a_second_active_project_of_the_same_name_is_refused_naming_the_first(session_factory):
    first = create(session_factory, name="일자리 창출", key="JOBS")

    for same in ("일자리 창출", "일자리창출", "  일자리   창출 "):
        error = refusal(
            session_factory, lambda s, n=same: projects.create(s, TEAM, "U2", ProjectDraft(n), now=utcnow())
        )
        assert (error.code, error.params) == ("project.name_taken", {"name": "일자리 창출", "key": "JOBS"})
    latin = create(session_factory, name="Smart City", key="CITY")
    error = refusal(
        session_factory, lambda s: projects.create(s, TEAM, "U1", ProjectDraft("smart  CITY"), now=utcnow())
    )
    assert error.params == {"name": "Smart City", "key": "CITY"}
    assert count(session_factory, Project) == 2

    assert create(session_factory, team=OTHER_TEAM, name="일자리 창출").key == "P-1"  # another workspace's own
    with session_factory.begin() as s:
        projects.close(s, TEAM, "U1", "JOBS", is_admin=False, now=utcnow())
    assert create(session_factory, name="일자리 창출", key="JOBS2").name == "일자리 창출"  # a closed one frees it
    assert first.id != latin.id


def test_renaming_to_another_active_projects_name_is_refused(session_factory):
    create(session_factory, name="관광 활성화", key="TOUR")
    info = create(session_factory, name="일자리 창출", key="JOBS")

    error = refusal(
        session_factory,
        lambda s: projects.edit(s, TEAM, "U1", info.id, ProjectDraft("관광활성화"), is_admin=False, now=utcnow()),
    )

    assert (error.code, error.params["key"]) == ("project.name_taken", "TOUR")
    assert edit(session_factory, info, name="일자리  창출").name == "일자리 창출"  # its own name, respaced


def test_only_a_lead_or_an_admin_is_asked_whether_to_close(session_factory):
    create(session_factory, key="ASK", member_ids=["U2"])
    with session_factory() as s:
        assert projects.check_can_close(s, TEAM, "U1", "ASK", is_admin=False).key == "ASK"
        assert projects.check_can_close(s, TEAM, "U9", "ASK", is_admin=True).key == "ASK"
        with pytest.raises(DomainError) as refused:
            projects.check_can_close(s, TEAM, "U2", "ASK", is_admin=False)
    assert refused.value.code == "project.not_allowed"
    assert get(session_factory, "ASK").status is ProjectStatus.ACTIVE


def test_a_lead_or_an_admin_reopens_and_the_closed_weeks_owe_nothing(session_factory):
    from services import obligations, progress
    from services.calendar import WorkCalendar

    registered = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # a Monday, 10:00 in Seoul
    closed_at, reopened_at = registered + timedelta(days=7, hours=2), registered + timedelta(days=21, hours=2)
    with session_factory.begin() as s:
        projects.create(s, TEAM, "U1", ProjectDraft("재개 과제", key="BACK", member_ids=["U2"]), now=registered)
        projects.close(s, TEAM, "U1", "BACK", is_admin=False, now=closed_at)
    error = refusal(session_factory, lambda s: projects.reopen(s, TEAM, "U2", "BACK", is_admin=False, now=reopened_at))
    assert error.code == "project.not_allowed"

    with session_factory.begin() as s:
        outcome, info = projects.reopen(s, TEAM, "U1", "BACK", is_admin=False, now=reopened_at)
        again, _ = projects.reopen(s, TEAM, "U1", "BACK", is_admin=False, now=reopened_at)

    assert (outcome, again, info.status) == (ReopenOutcome.REOPENED, ReopenOutcome.ALREADY_ACTIVE, ProjectStatus.ACTIVE)
    member = info.member("U2")
    assert member.earlier == ((registered, closed_at),) and member.joined_at == reopened_at
    calendar = WorkCalendar("KR")
    moments = (closed_at, reopened_at - timedelta(days=1), reopened_at, reopened_at + timedelta(days=7))
    periods = [progress.period_of(info, moment, calendar) for moment in moments]
    owed = ["U2" in obligations.debtors(info, period, obligations.NOBODY_AWAY) for period in periods]
    assert owed == [True, False, False, True]  # the week it closed in; closed; reopened after its 10:00; next
    [event] = audit_rows(session_factory, "project.reopened")
    assert event.actor == "U1"


def test_each_closing_and_reopening_is_told_to_the_channel(session_factory):
    info = create(session_factory, key="CH", channel_id="C100")
    for _ in range(2):
        with session_factory.begin() as s:
            projects.close(s, TEAM, "U1", "CH", is_admin=False, now=utcnow())
        with session_factory.begin() as s:
            projects.reopen(s, TEAM, "UADMIN", "CH", is_admin=True, now=utcnow())

    assert [r.recipient for r in outbox_rows(session_factory, "project.closed")] == ["C100", "C100"]
    reopened = outbox_rows(session_factory, "project.reopened")
    assert [r.payload for r in reopened] == [{"project_id": info.id, "by": "UADMIN"}] * 2


def test_reopening_is_refused_while_another_active_project_has_its_name(session_factory):
    create(session_factory, name="일자리 창출", key="OLD")
    with session_factory.begin() as s:
        projects.close(s, TEAM, "U1", "OLD", is_admin=False, now=utcnow())
    create(session_factory, name="일자리 창출", key="NEW")

    error = refusal(session_factory, lambda s: projects.reopen(s, TEAM, "U1", "OLD", is_admin=False, now=utcnow()))

    assert (error.code, error.params["key"]) == ("project.name_taken", "NEW")
    assert get(session_factory, "OLD").status is ProjectStatus.CLOSED


def test_edit_is_refused_on_a_closed_project(session_factory):
    info = create(session_factory, actor="U1", key="E")
    with session_factory.begin() as s:
        projects.close(s, TEAM, "U1", "E", is_admin=False, now=utcnow())

    error = refusal(
        session_factory,
        lambda s: projects.edit(s, TEAM, "U1", info.id, ProjectDraft("다시"), is_admin=False, now=utcnow()),
    )

    assert error.code == "project.closed_edit"  # its sentence says how to reopen it
    with session_factory() as s, pytest.raises(DomainError) as refused:
        projects.check_can_edit(s, TEAM, "U1", "E", is_admin=True)
    assert refused.value.code == "project.closed_edit"
    assert get(session_factory, "E").name == info.name


def test_edit_validates_the_name(session_factory):
    info = create(session_factory, actor="U1", key="E")

    error = refusal(
        session_factory,
        lambda s: projects.edit(s, TEAM, "U1", info.id, ProjectDraft("  "), is_admin=False, now=utcnow()),
    )

    assert error.code == "project.name_missing"


# --- team isolation -----------------------------------------------------------------------------


def test_a_project_of_one_team_is_invisible_from_another(session_factory):
    info = create(session_factory, team=TEAM, actor="U1", key="SHARED")

    with session_factory() as s:
        with pytest.raises(DomainError) as caught:
            projects.get(s, OTHER_TEAM, "SHARED")
        assert projects.list_active(s, OTHER_TEAM, "U1") == []
        assert projects.get_by_id(s, OTHER_TEAM, info.id) is None
        assert projects.list_mine(s, OTHER_TEAM, "U1") == []
    assert caught.value.code == "project.not_found"

    for attempt in (
        lambda s: projects.join(s, OTHER_TEAM, "U2", "SHARED", now=utcnow()),
        lambda s: projects.close(s, OTHER_TEAM, "U1", "SHARED", is_admin=True, now=utcnow()),
    ):
        assert refusal(session_factory, attempt).code == "project.not_found"
    # another team's project id in an edit form reads as a form that no longer applies
    forged = refusal(
        session_factory,
        lambda s: projects.edit(s, OTHER_TEAM, "U1", info.id, ProjectDraft("남의 것"), is_admin=True, now=utcnow()),
    )
    assert forged.code == "project.form_stale"
    assert get(session_factory, "SHARED").status is ProjectStatus.ACTIVE


def test_the_same_key_can_exist_in_two_teams(session_factory):
    first = create(session_factory, team=TEAM, key="SHARED", name="첫째")
    second = create(session_factory, team=OTHER_TEAM, key="shared", name="둘째")

    assert first.id != second.id
    assert get(session_factory, "SHARED", TEAM).name == "첫째"
    assert get(session_factory, "SHARED", OTHER_TEAM).name == "둘째"


def test_generated_keys_and_departments_are_counted_per_team(session_factory):
    create(session_factory, team=TEAM, lead_department="기획조정실")
    create(session_factory, team=TEAM)

    other = create(session_factory, team=OTHER_TEAM, lead_department="기획조정실")

    assert other.key == "P-1"
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Department)) == 2
        assert users.list_departments(s, OTHER_TEAM) == ["기획조정실"]


# --- concurrency (PostgreSQL; SQLite takes its write lock at BEGIN, so registrations never overlap) --


def test_two_registrations_without_a_key_at_once_both_get_a_key(engine, session_factory):
    if engine.dialect.name != "postgresql":
        pytest.skip("needs concurrent writers (PostgreSQL)")
    second: list[object] = []

    def register_second() -> None:
        try:
            with session_factory.begin() as s:
                second.append(projects.create(s, TEAM, "U2", ProjectDraft("둘째"), now=utcnow()).key)
        except DomainError as error:
            second.append(error.code)

    with session_factory.begin() as s:
        first = projects.create(s, TEAM, "U1", ProjectDraft("첫째"), now=utcnow()).key
        other = threading.Thread(target=register_second)
        other.start()
        wait_until_another_transaction_waits_on(s)  # the second insert now waits on this transaction's P-1
    other.join(10)

    assert (first, second) == ("P-1", ["P-2"])


# --- leads and concurrent edits --------------------------------------------------------------------


def test_edit_can_hand_the_lead_to_another_member(session_factory):
    info = create(session_factory, actor="U1", key="E", member_ids=["U2"])

    edited = edit(session_factory, info, member_ids=["U2"], lead_ids=["U2"])

    assert roles(edited) == {"U1": MemberRole.MEMBER, "U2": MemberRole.LEAD}
    [event] = audit_rows(session_factory, "project.edited")
    assert event.detail["leads_added"] == ["U2"] and event.detail["leads_removed"] == ["U1"]
    with session_factory.begin() as s:  # the former sole lead may now leave
        outcome, _ = projects.leave(s, TEAM, "U1", "E", now=utcnow())
    assert outcome is LeaveOutcome.LEFT


def test_edit_can_make_a_newcomer_a_lead(session_factory):
    info = create(session_factory, actor="U1", key="E")

    edited = edit(session_factory, info, lead_ids=["U1", "U5"])

    assert roles(edited) == {"U1": MemberRole.LEAD, "U5": MemberRole.LEAD}


def test_edit_without_any_lead_is_refused_and_changes_nothing(session_factory):
    info = create(session_factory, actor="U1", key="E", member_ids=["U2"])

    with pytest.raises(DomainError) as refused:
        edit(session_factory, info, name="바뀐 이름", member_ids=["U2"], lead_ids=[])

    assert refused.value.code == "project.lead_required"
    assert get(session_factory, "E").name == info.name


def test_someone_who_joined_while_the_form_was_open_stays_a_member(session_factory):
    info = create(session_factory, actor="U1", key="E", member_ids=["U2"])  # the form opens now
    with session_factory.begin() as s:
        projects.join(s, TEAM, "U3", "E", now=utcnow())

    edited = edit(session_factory, info, name="새 이름", member_ids=["U2"])

    assert set(roles(edited)) == {"U1", "U2", "U3"}


def test_members_the_form_could_not_show_are_kept(session_factory):
    info = create(session_factory, actor="U1", key="E", member_ids=[f"U{n:03d}" for n in range(120)])
    with session_factory.begin() as s:
        shown = [m.slack_user_id for m in info.members if m.role is not MemberRole.LEAD][:100]
        edited = projects.edit(
            s,
            TEAM,
            "U1",
            info.id,
            ProjectDraft(name="이름만 바꿈", member_ids=shown),
            is_admin=False,
            members_shown=shown,
            now=utcnow(),
        )

    assert len(edited.members) == 121


def test_editing_a_project_that_no_longer_exists_is_a_stale_form(session_factory):
    with session_factory.begin() as s, pytest.raises(DomainError) as stale:
        projects.edit(s, TEAM, "U1", 9999, ProjectDraft(name="x"), is_admin=True, now=utcnow())
    assert stale.value.code == "project.form_stale"
