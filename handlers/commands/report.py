"""/report: my participation, everyone's (admins; leads for their projects) with files, and admin notes."""

from __future__ import annotations

import re

from handlers.listener import Call, Files, Reply, command
from handlers.parsing import named_people, tokenize
from kit import participation_files
from kit.blocks import reports as blocks
from kit.i18n import t
from kit.ids import Command
from kit.text import mention, plain
from services import ledger
from services.errors import DomainError
from services.ledger import Month

_MONTH = re.compile(r"^\d{4}-\d{1,2}$")
UNNAMED_LOOKUPS = 50  # users.info calls at most, for people never seen before
_POINTS = re.compile(r"^[+-]\d+$")  # signed, so a reason may start with a number; the service bounds it


def _month(call: Call, words: list[str]) -> Month:
    given = next((w for w in words if _MONTH.match(w)), None)
    return Month.parse(given) if given else Month.of(call.now, call.reader.tz)


@command(Command.REPORT, default=True)
def help_(call: Call) -> Reply:
    return call.say("help.report")


@command(Command.REPORT, "me", "내실적", "나")
def me(call: Call) -> Reply:
    words = call.args.split()
    bad = next((w for w in words if not _MONTH.match(w)), None)
    if bad:
        raise DomainError("report.bad_month", value=plain(bad, from_command=True)[:20])
    month, rules = _month(call, words), call.deps.org.rules
    record = ledger.person_month(call.db, call.team_id, call.user_id, month, now=call.now, rules=rules)
    return Reply(blocks.my_record(record, str(month), dict(rules.weights), call.reader))


@command(Command.REPORT, "participation", "참여실적", "전체")
def participation(call: Call) -> Files:
    words = [plain(w, from_command=True) for w in call.args.split()]
    month = _month(call, words)
    key = next((w.upper() for w in words if not _MONTH.match(w)), None)
    keys = ledger.report_scope(call.db, call.team_id, call.user_id, key, is_admin=call.is_admin)

    def records() -> list[ledger.PersonMonth]:
        return ledger.month_records(call.db, call.team_id, month, now=call.now, rules=call.deps.org.rules, keys=keys)

    found = records()
    if unnamed := [r.person for r in found if not r.name][:UNNAMED_LOOKUPS]:
        call.db.rollback()  # end this read so the names saved next are seen
        for person in unnamed:  # people Slack has not told us about yet: ask, so no line shows a bare id
            call.deps.reader(call.client, call.team_id, person)
        found = records()
    comment = t(
        "report.files_comment", call.locale, month=str(month), scope=participation_files.scope(keys, call.locale)
    )
    return Files(
        comment,
        participation_files.uploads(found, month, keys, call.locale),
        then=Reply(blocks.participation(found, str(month), keys, call.reader)),
    )


@command(Command.REPORT, "adjust", "보정", writes=True, once=True)
def adjust(call: Call) -> Reply:
    tokens = tokenize(call.args)
    if not named_people(tokens):
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
    person = tokens.users[0]
    ledger.adjust(
        call.db,
        call.team_id,
        call.user_id,
        person,
        Month.parse(month_word),
        points,
        reason,
        is_admin=call.is_admin,
        now=call.now,
    )
    return call.say(
        "report.adjusted", who=mention(person), month=month_word, points=f"{points:+d}", reason=reason[:200]
    )
