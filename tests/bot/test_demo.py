"""The demo organisation (`onnuri demo`) looks like a real office: varied progress and health, a few late
reports, one blocked project, members from the departments their projects list, realistic names and
titles, projects registered before their first reports. Checked on the seeded SQLite database."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot import demo
from models import Health, Project
from models.db import make_engine, make_session_factory
from models.progress import ProgressUpdate

SEOUL = ZoneInfo("Asia/Seoul")
OPENS = datetime(2026, 12, 7, 9, 30, tzinfo=SEOUL)  # a Monday


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    from models import migrate

    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}")
    migrate.upgrade(engine)
    factory = make_session_factory(engine)
    seeded = demo.seed(factory, OPENS.astimezone(UTC))
    assert len(seeded.created) == 14
    with factory() as session:
        yield session
    engine.dispose()


def _updates(session, key: str) -> list[ProgressUpdate]:
    project = session.scalars(select(Project).where(Project.key == key)).one()
    return list(
        session.scalars(
            select(ProgressUpdate).where(ProgressUpdate.project_id == project.id).order_by(ProgressUpdate.id)
        )
    )


def _latest_of_lead(session, key: str) -> ProgressUpdate:
    lead = next(p[2] for p in demo.PROJECTS if p[0] == key)
    return [u for u in _updates(session, key) if u.author.slack_user_id == lead][-1]


def test_projects_stand_at_varied_percents_and_health(office):
    latest = {key: _latest_of_lead(office, key) for key, *_ in demo.PROJECTS}
    percents = Counter(u.percent for u in latest.values())
    assert len(percents) >= 8, percents  # not all at the same percent
    assert max(percents.values()) <= 3
    assert min(percents) <= 20 and max(percents) >= 60
    health = Counter(u.health for u in latest.values())
    assert health[Health.BLOCKED] == 1
    assert health[Health.AT_RISK] >= 2
    assert health[Health.ON_TRACK] >= 7
    for key in latest:  # progress never goes backwards
        ups = [u.percent for u in _updates(office, key) if u.author.slack_user_id == latest[key].author.slack_user_id]
        assert ups == sorted(ups), (key, ups)


def test_one_project_is_blocked_and_says_why(office):
    blocked = [key for key, *_ in demo.PROJECTS if _latest_of_lead(office, key).health is Health.BLOCKED]
    assert blocked == ["HALL"]
    update = _latest_of_lead(office, "HALL")
    assert "보상" in update.blockers and update.percent == 25  # stuck where it was the week before


def test_a_few_reports_came_in_late(office):
    updates = list(office.scalars(select(ProgressUpdate)))
    late = [u for u in updates if u.late]
    assert 3 <= len(late) <= len(updates) // 5, len(late)
    assert len({u.project_id for u in late}) >= 3


def test_projects_were_registered_before_their_first_reports(office):
    for key, *_ in demo.PROJECTS:
        project = office.scalars(select(Project).where(Project.key == key)).one()
        registered = min(m.joined_at for m in project.members).astimezone(SEOUL)
        first = min(u.period_start for u in _updates(office, key))
        assert registered.date() <= first, key
        assert registered.hour < 10  # before that week's report fell due


def test_every_member_works_in_a_department_the_project_lists(office):
    departments = {uid: department for uid, _, _, department, _ in demo.PEOPLE}
    for key, _name, lead, members, lead_department, cooperating in demo.PROJECTS:
        assert departments[lead] == lead_department, key
        for member in members:
            assert departments[member] in (lead_department, *cooperating), (key, member)
        project = office.scalars(select(Project).where(Project.key == key)).one()
        listed = {d.department.name for d in project.departments}
        assert listed == {lead_department, *cooperating}, key
        for m in project.members:
            assert m.user.department is not None and m.user.department.name in listed, (key, m.user.slack_user_id)


def test_people_have_realistic_korean_names_and_titles():
    names = [name for uid, _, name, _, _ in demo.PEOPLE if uid not in demo.ENGLISH]
    assert all(re.fullmatch(r"[가-힣]{3}", name) for name in names), names  # surname and a two-syllable name
    assert len(set(names)) == len(names)
    assert len({name[0] for name in names}) >= 9  # many families, as in any office
    for _, _, _, _, title in demo.PEOPLE:
        assert re.search(r"(주무관|사무관|팀장|과장|전문관)$", title), title
    assert {p.title for p in demo.people()} == {title for *_, title in demo.PEOPLE}
