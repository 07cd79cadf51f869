"""Block Kit for digests: a project's week (posted to its channel, or shown by `/digest KEY`) and the
cross-project digest (one line per project, worst first). Each is at most one screen: lists are cut
and end with "and N more".

The project digest names members by their display name rather than mentioning them, so the weekly
post does not ping the whole project; the people it asks something of (not reported, waited on,
overdue) are mentioned.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from kit.blocks.common import SECTION_TEXT, Block, context, header, message, section
from kit.blocks.progress import HEALTH_EMOJI, health_text, progress_bar, sparkline
from kit.i18n import t
from kit.periods import period_text
from kit.reader import Reader
from kit.text import Raw, escape, escape_within, mention
from services.digests import DepartmentProgress, MemberProgress, ProjectDigest, ProjectLine
from services.terms import Health, ProjectDepartmentRole, ProjectStatus

DEPARTMENTS_SHOWN = 10
MEMBERS_SHOWN = 20
ITEMS_SHOWN = 5  # pending approvals, overdue directives, conclusions
PEOPLE_SHOWN = 30
PROJECTS_SHOWN = 20
PROJECTS_A_SECTION = 10
NAME_LIMIT = 60  # a project's, department's or person's name, after escaping
ITEM_LIMIT = 120  # a title, directive text or topic, after escaping
CONCLUSION_LIMIT = 300
MORE_RESERVE = 80  # room kept in a section for its "and N more" line
NO_HEALTH = ":white_circle:"
ROLE_KEYS = {
    ProjectDepartmentRole.LEAD: "digest.role_lead",
    ProjectDepartmentRole.COOPERATING: "digest.role_cooperating",
}
WORST_FIRST = {Health.BLOCKED: 0, Health.AT_RISK: 1, None: 2, Health.ON_TRACK: 3}


def _emoji(health: Health | None) -> str:
    return HEALTH_EMOJI[health] if health else NO_HEALTH


def _pack(title: str, lines: Sequence[str], locale: str, *, shown: int) -> str:
    """The title and as many lines as fit in one section (at most `shown`), then "and N more"."""
    text = title
    count = 0
    for line in lines[:shown]:
        if len(text) + 1 + len(line) > SECTION_TEXT - MORE_RESERVE:
            break
        text += "\n" + line
        count += 1
    if rest := len(lines) - count:
        text += "\n" + t("digest.more", locale, count=rest)
    return text


def _person(slack_user_id: str, name: str) -> str:
    """A member by name (no ping); by mention only when Slack has not told us the name."""
    return escape_within(name, NAME_LIMIT) if name else mention(slack_user_id)


def _people(slack_user_ids: Sequence[str], locale: str) -> Raw:
    shown = ", ".join(mention(u) for u in slack_user_ids[:PEOPLE_SHOWN])
    rest = len(slack_user_ids) - PEOPLE_SHOWN
    return Raw(shown + (" " + t("common.more", locale, count=rest) if rest > 0 else ""))


def _first_line(text: str, limit: int) -> str:
    lines = text.strip().splitlines()
    return escape_within(lines[0] if lines else "", limit)


def _department_line(department: DepartmentProgress, locale: str) -> str:
    name = escape_within(department.name, NAME_LIMIT) if department.name else t("digest.no_department", locale)
    role = f" ({t(ROLE_KEYS[department.role], locale)})" if department.role else ""
    reported = (
        t("digest.reported_count", locale, reported=department.reported, members=department.members)
        if department.members
        else t("digest.no_members", locale)
    )
    return f"{_emoji(department.health)} *{name}*{role} {progress_bar(department.percent, locale)} · {reported}"


def _member_line(member: MemberProgress, locale: str) -> str:
    department = f" ({escape_within(member.department, NAME_LIMIT)})" if member.department else ""
    mark = " :white_check_mark:" if member.reported else ""
    return (
        f"{_emoji(member.health)} {_person(member.slack_user_id, member.name)}{department} "
        f"{progress_bar(member.percent, locale)}{mark}"
    )


def _overview(digest: ProjectDigest, locale: str) -> str:
    state = health_text(digest.health, locale) or t("digest.no_health", locale)
    trend = f"{t('progress.trend', locale, count=len(digest.trend))}: `{sparkline(digest.trend)}`"
    health_trend = "".join(_emoji(h) if h else "·" for h in digest.health_trend)
    return (
        f"{progress_bar(digest.percent, locale)} · {state}\n{trend}\n{t('digest.health_trend', locale)}: {health_trend}"
    )


def _approvals(digest: ProjectDigest, reader: Reader) -> str:
    locale = reader.locale
    tally = digest.approvals
    title = t("digest.approvals", locale, opened=tally.opened, closed=tally.closed, pending=tally.open_now)
    lines = [
        "• "
        + t(
            "digest.pending_item",
            locale,
            id=a.id,
            title=Raw(_first_line(a.title, ITEM_LIMIT)),
            waiting=Raw(", ".join(mention(u) for u in a.waiting_on[:5]) or "-"),
            since=reader.format_date(reader.local_date(a.requested_at)),
        )
        for a in digest.pending_approvals
    ]
    return _pack(title, lines, locale, shown=ITEMS_SHOWN)


def _directives(digest: ProjectDigest, locale: str) -> str:
    tally = digest.directives
    title = t("digest.directives", locale, opened=tally.opened, closed=tally.closed, overdue=len(digest.overdue))
    lines = [
        "• "
        + t(
            "digest.overdue_item",
            locale,
            id=d.id,
            text=Raw(_first_line(d.text, ITEM_LIMIT)),
            due=d.due_date.isoformat(),
            assignees=Raw(", ".join(mention(u) for u in d.assignees[:5])),
        )
        for d in digest.overdue
    ]
    return _pack(title, lines, locale, shown=ITEMS_SHOWN)


def _discussions(digest: ProjectDigest, locale: str) -> str:
    title = t("digest.discussions", locale, opened=digest.discussions_opened, concluded=len(digest.conclusions))
    lines = [
        "• "
        + t(
            "digest.conclusion_item",
            locale,
            id=c.id,
            topic=Raw(_first_line(c.topic, ITEM_LIMIT)),
            conclusion=Raw(escape_within(" ".join(c.conclusion.split()), CONCLUSION_LIMIT)),
        )
        for c in digest.conclusions
    ]
    return _pack(title, lines, locale, shown=ITEMS_SHOWN)


def _reporting(digest: ProjectDigest, reader: Reader) -> str:
    locale = reader.locale
    period = digest.period
    if period.due_at is None:
        return t("progress.not_due", locale)
    if not digest.missing:
        return t("progress.all_reported", locale)
    lines = []
    if digest.missing_late:
        lines.append(t("digest.missing_late", locale, people=_people(digest.missing_late, locale)))
    pending = [p for p in digest.missing if p not in digest.missing_late]
    if pending:  # owed, but their own deadline (10:00 where they are) has not come yet
        due = reader.format_datetime(period.due_at)
        lines.append(t("digest.missing_due", locale, people=_people(pending, locale), due=due))
    return "\n".join(lines)


def project_digest(digest: ProjectDigest, reader: Reader) -> dict[str, Any]:
    """The weekly digest of one project: overall state and trends, departments, members, the week's
    approvals, directives and discussions, and who has not reported."""
    locale = reader.locale
    info = digest.project
    period = period_text(digest.week_start, digest.week_end + timedelta(days=1), locale)
    week = t("digest.week", locale, key=info.key, period=period)
    if info.status is ProjectStatus.CLOSED:
        week = Raw(f"{week} · {t('digest.closed_mark', locale)}")
    blocks: list[Block] = [
        header(t("digest.title", locale, plain=True, name=info.name)),
        context(week),
        section(_overview(digest, locale)),
    ]
    if digest.departments:
        lines = [_department_line(d, locale) for d in digest.departments]
        blocks.append(section(_pack(f"*{t('digest.departments', locale)}*", lines, locale, shown=DEPARTMENTS_SHOWN)))
    if digest.members:
        title = f"*{t('digest.members', locale)}* _({t('digest.reported_legend', locale)})_"
        lines = [_member_line(m, locale) for m in digest.members]
        blocks.append(section(_pack(title, lines, locale, shown=MEMBERS_SHOWN)))
    blocks += [
        section(_approvals(digest, reader)),
        section(_directives(digest, locale)),
        section(_discussions(digest, locale)),
        section(_reporting(digest, reader)),
    ]
    percent = f"{digest.percent}%" if digest.percent is not None else t("progress.no_percent", locale)
    state = t(f"progress.health.{digest.health.value}", locale) if digest.health else t("digest.no_health", locale)
    fallback = t("digest.project_text", locale, name=info.name, key=info.key, percent=percent, health=state)
    return message(fallback, blocks)


def _counters(line: ProjectLine, locale: str) -> str:
    parts = [
        t(key, locale, count=count)
        for key, count in (
            ("digest.late_reports", line.late_reports),
            ("digest.overdue_directives", line.overdue_directives),
            ("digest.pending_approvals", line.pending_approvals),
        )
        if count
    ]
    return "".join(f" · {part}" for part in parts)


def _project_line(line: ProjectLine, locale: str) -> str:
    name = escape_within(line.name, NAME_LIMIT)
    return (
        f"{_emoji(line.health)} *{name}* `{escape(line.key)}` {progress_bar(line.percent, locale)}"
        f"{_counters(line, locale)}"
    )


def worst_first(lines: Sequence[ProjectLine]) -> list[ProjectLine]:
    """Blocked, then at risk, then not yet reported, then on track; within each, the most late and
    overdue first."""
    return sorted(lines, key=lambda p: (WORST_FIRST[p.health], -(p.late_reports + p.overdue_directives), p.key))


def _sections(lines: Sequence[str]) -> list[Block]:
    """Lines packed into sections of at most PROJECTS_A_SECTION lines and 3000 characters."""
    blocks: list[Block] = []
    chunk: list[str] = []
    for line in lines:
        if chunk and (len(chunk) == PROJECTS_A_SECTION or len("\n".join([*chunk, line])) > SECTION_TEXT):
            blocks.append(section("\n".join(chunk)))
            chunk = []
        chunk.append(line)
    if chunk:
        blocks.append(section("\n".join(chunk)))
    return blocks


def cross_digest(lines: Sequence[ProjectLine], reader: Reader) -> dict[str, Any]:
    """One line per project, worst health first: health, percent, late reports, overdue directives,
    pending approvals; a summary on top, and at most PROJECTS_SHOWN lines."""
    locale = reader.locale
    title = t("digest.cross_title", locale, plain=True)
    if not lines:
        text = t("digest.cross_empty", locale)
        return message(text, [header(title), section(text)])
    ordered = worst_first(lines)
    figures = {
        "count": len(lines),
        "blocked": sum(p.health is Health.BLOCKED for p in lines),
        "at_risk": sum(p.health is Health.AT_RISK for p in lines),
        "overdue": sum(p.overdue_directives for p in lines),
        "pending": sum(p.pending_approvals for p in lines),
    }
    blocks: list[Block] = [header(title), context(t("digest.cross_summary", locale, **figures))]
    blocks += _sections([_project_line(p, locale) for p in ordered[:PROJECTS_SHOWN]])
    if (rest := len(ordered) - PROJECTS_SHOWN) > 0:
        blocks.append(context(t("digest.cross_more", locale, count=rest)))
    fallback = t(
        "digest.cross_text", locale, count=figures["count"], blocked=figures["blocked"], at_risk=figures["at_risk"]
    )
    return message(fallback, blocks)
