"""Block Kit for the participation ledger: my record with its breakdown, and the summary for admins and leads."""

from __future__ import annotations

from typing import Any

from kit.blocks.common import Block, context, divider, header, message, section
from kit.i18n import t
from kit.periods import month_label
from kit.reader import Reader
from kit.text import Raw, mention
from services.ledger import AdjustmentNotice, Component, PersonMonth

PEOPLE_SHOWN = 25
LINES_SHOWN = 15


def score_text(record: PersonMonth, locale: str) -> str:
    return "-" if record.score is None else f"{record.score:g}"


def describe(component: Component, locale: str, *, plain: bool = False) -> str:
    """One part of the score in words: what it is, its value, its weight and what it was counted from."""
    value = (
        t("report.component_none", locale, plain=plain)
        if component.value is None
        else f"{round(component.value * 100)}%"
    )
    return t(
        "report.component_line",
        locale,
        plain=plain,
        name=t(f"report.component_{component.name}", locale, plain=plain),
        value=value if plain else Raw(value),
        weight=component.weight,
        basis=t(f"report.basis_{component.name}", locale, plain=plain, **component.counts),
    )


def _components(record: PersonMonth, locale: str) -> list[str]:
    return [describe(c, locale) for c in record.components]


def my_record(record: PersonMonth | None, month: str, weights: dict[str, int], reader: Reader) -> dict[str, Any]:
    locale = reader.locale
    month = month_label(month, locale)
    title = t("report.me_title", locale, plain=True, month=month)
    blocks: list[Block] = [header(title)]
    if record is None or record.score is None:
        blocks.append(section(t("report.not_scored", locale)))
    else:
        blocks.append(section(t("report.score", locale, score=score_text(record, locale))))
    if record is not None:
        blocks.append(section(f"*{t('report.breakdown', locale)}*\n" + "\n".join(_components(record, locale))))
        if record.lines:
            shown = [_project_line(line, locale) for line in record.lines[:LINES_SHOWN]]
            blocks.append(section(f"*{t('report.per_project', locale)}*\n" + "\n".join(shown)))
        if record.adjustments:
            notes = [
                t("report.adjustment_line", locale, points=f"{a.points:+d}", reason=a.reason, who=mention(a.author))
                for a in record.adjustments
            ]
            blocks.append(section(f"*{t('report.adjustments', locale)}*\n" + "\n".join(notes)))
    blocks += [divider(), context(t("report.formula", locale, **weights))]
    return message(t("report.me_title", locale, month=month), blocks)


def _project_line(line, locale: str) -> str:
    excused = t("report.excused", locale, count=line.not_due) if line.not_due else ""
    return t(
        "report.project_line",
        locale,
        key=line.project_key,
        name=line.project_name,
        on_time=line.on_time,
        late=line.late,
        missed=line.missed,
        due=line.progress_due,
        excused=Raw(excused),
        approvals=line.approvals_decided,
        directives=f"{line.directives_on_time + line.directives_late}/{line.directives_assigned}",
        replies=line.replies,
        votes=line.votes,
    )


def participation(
    records: list[PersonMonth], month: str, scope_keys: list[str] | None, reader: Reader
) -> dict[str, Any]:
    """The summary of a month for admins (everyone, with scores) or leads (their projects: figures by project,
    no score, since a total over some projects would not be the person's score)."""
    locale = reader.locale
    month = month_label(month, locale)
    partial = scope_keys is not None
    if partial and len(scope_keys) == 1:
        scope = t("report.scope_project", locale, plain=True, key=scope_keys[0])
    elif partial:
        scope = t("report.scope_led", locale, plain=True, keys=", ".join(scope_keys[:10]))
    else:
        scope = ""
    title = t("report.participation_title", locale, plain=True, month=month, scope=scope)
    blocks: list[Block] = [header(title)]
    if partial:
        blocks.append(context(t("report.partial_note", locale)))
        lines = []
        for record in records[:PEOPLE_SHOWN]:
            department = f" ({record.department})" if record.department else ""
            name = t(
                "report.person_projects", locale, name=record.name or mention(record.person), department=department
            )
            lines.append("\n".join([name, *(_project_line(line, locale) for line in record.lines[:5])]))
        if lines:
            blocks += [section(text) for text in _chunks(lines)]
    else:
        scored = [r.score for r in records if r.score is not None]
        average = f"{sum(scored) / len(scored):.1f}" if scored else "-"
        lines = [
            t("report.person_line", locale, name=_who(r), score=score_text(r, locale))
            for r in sorted(records, key=lambda r: (r.score is None, -(r.score or 0)))[:PEOPLE_SHOWN]
        ]
        blocks.append(section(t("report.summary", locale, count=len(records), average=average)))
        if lines:
            blocks.append(section("\n".join(lines)))
    if len(records) > PEOPLE_SHOWN:
        blocks.append(context(t("report.more", locale, count=len(records) - PEOPLE_SHOWN)))
    blocks.append(context(t("report.files_sent", locale)))
    return message(t("report.participation_title", locale, month=month, scope=scope), blocks[:50])


def _who(record: PersonMonth) -> str:
    department = f" ({record.department})" if record.department else ""
    return f"{record.name}{department}" if record.name else mention(record.person)


def _chunks(lines: list[str], limit: int = 2900) -> list[str]:
    """Lines joined into texts that fit a section."""
    chunks: list[str] = []
    current = ""
    for line in lines:
        line = line[:limit]
        if current and len(current) + 1 + len(line) > limit:
            chunks.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        chunks.append(current)
    return chunks


def adjustment_notice(notice: AdjustmentNotice, reader: Reader) -> dict[str, Any]:
    """The DM to the person whose month an admin corrected: who, by how much, why."""
    values = {"who": mention(notice.author), "month": month_label(notice.month, reader.locale), "reason": notice.reason}
    if notice.points:
        text = t("report.adjusted_notice", reader.locale, points=f"{notice.points:+d}", **values)
    else:
        text = t("report.noted_notice", reader.locale, **values)
    return message(text, [section(text)])


def home_section(record: PersonMonth | None, reader: Reader) -> list[Block]:
    """App Home: my current month at a glance (the score itself is in /report me)."""
    if record is None or not record.lines:
        return []
    lines = record.lines
    text = t(
        "report.home_line",
        reader.locale,
        due=sum(x.progress_due for x in lines),
        on_time=sum(x.on_time for x in lines),
        approvals=sum(x.approvals_decided for x in lines),
        directives=sum(x.directives_on_time + x.directives_late for x in lines),
        discussions=sum(x.replies + x.votes for x in lines),
    )
    return [section(f"*{t('report.home_title', reader.locale)}*\n{text}")]
