"""/report: my participation, everyone's (admins; leads for their projects) with files, and admin notes."""

from __future__ import annotations

import re

from slack_bolt import App

from handlers.commands.base import Invocation, help_for, register_command
from handlers.deps import Deps
from handlers.parsing import tokenize
from kit.blocks import reports as blocks
from kit.i18n import t
from kit.ids import Command
from kit.text import mention, plain
from services import exports, ledger
from services.errors import DomainError
from services.ledger import Month

_MONTH = re.compile(r"^\d{4}-\d{1,2}$")
UNNAMED_LOOKUPS = 50  # users.info calls at most, for people never seen before
_POINTS = re.compile(r"^[+-]\d+$")  # signed, so a reason may start with a number; the service bounds it


def _month(inv: Invocation, words: list[str]) -> Month:
    given = next((w for w in words if _MONTH.match(w)), None)
    return Month.parse(given) if given else Month.of(inv.deps.clock(), inv.reader.tz)


def _rules(inv: Invocation) -> ledger.Rules:
    return inv.deps.org.rules


def me(inv: Invocation) -> None:
    words = inv.args.split()
    bad = next((w for w in words if not _MONTH.match(w)), None)
    if bad:
        raise DomainError("report.bad_month", value=plain(bad, from_command=True)[:20])
    month = _month(inv, words)
    rules = _rules(inv)
    with inv.deps.session_factory() as session:
        record = ledger.person_month(
            session, inv.cmd.team_id, inv.cmd.user_id, month, now=inv.deps.clock(), rules=rules
        )
    inv.reply(blocks.my_record(record, str(month), dict(rules.weights), inv.reader))


def participation(inv: Invocation) -> None:
    words = [plain(w, from_command=True) for w in inv.args.split()]
    month = _month(inv, words)
    key = next((w.upper() for w in words if not _MONTH.match(w)), None)
    with inv.deps.session_factory() as session:
        keys = ledger.report_scope(
            session, inv.cmd.team_id, inv.cmd.user_id, key, is_admin=inv.deps.is_admin(inv.cmd.user_id)
        )
        records = ledger.month_records(
            session, inv.cmd.team_id, month, now=inv.deps.clock(), rules=_rules(inv), keys=keys
        )
    if unnamed := [r.person for r in records if not r.name][:UNNAMED_LOOKUPS]:
        for person in unnamed:  # people Slack has not told us about yet: ask, so no line shows a bare id
            inv.deps.reader(inv.client, inv.cmd.team_id, person)
        with inv.deps.session_factory() as session:
            records = ledger.month_records(
                session, inv.cmd.team_id, month, now=inv.deps.clock(), rules=_rules(inv), keys=keys
            )
    locale = inv.locale
    header = [t(f"report.column.{c}", locale, plain=True) for c in exports.PARTICIPATION_COLUMNS]
    rows = exports.participation_rows(records, lambda c: blocks.describe(c, locale, plain=True))
    if keys is None:
        scope = ""
    elif len(keys) == 1:
        scope = t("report.scope_project", locale, plain=True, key=keys[0])
    else:
        scope = t("report.scope_led", locale, plain=True, keys=", ".join(keys[:10]))
    name = f"participation-{month}{'-' + keys[0] if keys and len(keys) == 1 else ('-led' if keys else '')}"
    dm = inv.client.conversations_open(users=inv.cmd.user_id)["channel"]["id"]
    inv.client.files_upload_v2(
        channel=dm,
        initial_comment=t("report.files_comment", locale, month=str(month), scope=scope),
        file_uploads=[
            {"content": exports.to_csv(header, rows), "filename": f"{name}.csv", "title": f"{name}.csv"},
            {"content": exports.to_xlsx(header, rows, str(month)), "filename": f"{name}.xlsx", "title": f"{name}.xlsx"},
        ],
    )
    inv.reply(blocks.participation(records, str(month), keys, inv.reader))


def adjust(inv: Invocation) -> None:
    tokens = tokenize(inv.args)
    if not tokens.users:
        raise DomainError("report.no_person")
    words = list(tokens.words)
    month_word = next((w for w in words if _MONTH.match(w)), None)
    if month_word is None:
        raise DomainError("report.bad_month", value=(words[0] if words else "-")[:20])
    words.remove(month_word)
    points = 0
    if words and _POINTS.match(words[0]):
        word = words.pop(0)
        points = int(word) if len(word) <= 10 else int(word[0] + "9" * 9)  # far past any bound either way
    reason = tokenize(" ".join(words)).text
    with inv.deps.transaction() as session:
        if not inv.first_time(session):
            return
        ledger.adjust(
            session,
            inv.cmd.team_id,
            inv.cmd.user_id,
            tokens.users[0],
            Month.parse(month_word),
            points,
            reason,
            is_admin=inv.deps.is_admin(inv.cmd.user_id),
            now=inv.deps.clock(),
        )
    inv.say(
        "report.adjusted", who=mention(tokens.users[0]), month=month_word, points=f"{points:+d}", reason=reason[:200]
    )


def register(app: App, deps: Deps) -> None:
    register_command(
        app,
        deps,
        Command.REPORT,
        {"me": me, "participation": participation, "adjust": adjust, "help": help_for("report")},
        default=help_for("report"),
    )
