"""Every slash command end to end with arbitrary text (issue 9, bad input), through the real bot over HTTP
and the fake Slack: unicode, Slack tokens (<@U1|x>, <#C1|y>, <!channel>), entities, very long strings,
key=value options, dates, ids and months, from a lead, a member, an outsider and an admin.

For every generated command: the HTTP answer is 200 within Slack's 3 seconds; an answer arrives (a reply
through the response_url, or the modal the command opens); no exception escapes a listener (nothing is
logged at ERROR); nothing the bot sent has a traceback, live markup or a Block Kit error; and no stored
string is longer than its column (which PostgreSQL would refuse).

Examples per command come from the hypothesis profile (see conftest.py); the long run is
``HYPOTHESIS_PROFILE=full .venv/bin/python -m pytest -q tests/hardening``.
"""

from __future__ import annotations

import itertools
import time

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from handlers.parsing import split_subcommand, tokenize
from kit.ids import Command
from kit.text import plain
from tests.fakes.blockkit import all_problems
from tests.hardening import budget
from tests.hardening.harness import (
    ACK_LIMIT,
    errors_logged,
    live_markup,
    overlong_values,
    seed,
    sent_problems,
    wait_for_answer,
)
from tests.hardening.strategies import KNOWN_USERS, MENTIONABLE, words

SUBCOMMANDS = {
    Command.PROJECT: (("new", "list", "show", "edit", "join", "leave", "close", "help"), ("key",)),
    Command.PROGRESS: (("help", "ATOPY", "P-1"), ()),
    Command.APPROVAL: (("request", "list", "show", "withdraw", "away", "back", "help"), ("until",)),
    Command.DIRECTIVE: (("list", "show", "help", "ATOPY"), ("due", "kind")),
    Command.DISCUSS: (("close", "list", "help", "ATOPY"), ()),
    Command.DIGEST: (("subscribe", "unsubscribe", "help", "ATOPY"), ()),
    Command.REPORT: (("me", "participation", "adjust", "help"), ()),
}
ALLOWED_MENTIONS = set(MENTIONABLE) | set(KNOWN_USERS)
_triggers = itertools.count(1)
ID_SUBCOMMANDS = {
    (Command.APPROVAL, "show"),
    (Command.APPROVAL, "withdraw"),
    (Command.DIRECTIVE, "show"),
    (Command.DISCUSS, "close"),
}


def known_id_bug(command: str, text: str, engine) -> bool:
    """BUG (see test_record_ids_in_commands_are_checked): an id word that str.isdigit() accepts but int() does
    not ("²"), or beyond the database's integer, escapes the command as an exception (and then, through
    test_an_exception_right_after_ack_still_answers_200, often a 404 after 3 s). Such inputs are left out of
    the fuzzing until that is fixed; the xfail tests keep them in view."""
    sub, rest = split_subcommand(text)
    if (command, sub) not in ID_SUBCOMMANDS or not rest.split():
        return False
    word = plain(rest.split()[0], from_command=True).lstrip("#")
    biggest = 2**63 - 1 if engine.dialect.name == "sqlite" else 2**31 - 1
    return word.isdigit() and (not word.isdecimal() or int(word) > biggest)


# Inputs on an edge, tried first in every run (the ids that break are in test_record_ids_in_commands_are_checked).
EDGES = {
    Command.PROJECT: [
        "new",
        "new key=",
        "show",
        "show <#C1|atopy>",
        "new " + "가" * 4000,
        "close P-99999999999999999999",
    ],
    Command.PROGRESS: ["ATOPY 101%", "ATOPY ²%", "P-99999999999999999999 50% x", "<@U1|kim>", "ATOPY\n40%\nx"],
    Command.APPROVAL: [
        "show ٣",
        "show 2147483648",
        "withdraw #-1",
        "away <@U2|lee> until=2027-02-30",
        "away <@U9|u9> until=9999-12-31",
        "request ATOPY <@U1|kim> 셀프 결재",
    ],
    Command.DIRECTIVE: [
        "show ٣",
        "show #0",
        "ATOPY <@U2|lee> due=0001-01-01 x",
        "ATOPY kind=REPORT x",
        "ATOPY <@U2|lee> due=9999-12-31 " + "&lt;" * 2000,
    ],
    Command.DISCUSS: ["close 1", "close #1 " + "가" * 3000, "list", "ATOPY", "ATOPY <!channel> 공지"],
    Command.DIGEST: ["<#C1|atopy>", "&lt;!channel&gt;", "P-99999999999999999999"],
    Command.REPORT: [
        "me 2026-13",
        "me ٢٠٢٦-٠١",
        "adjust <@U2|lee> 2026-01 +999 x",
        "participation 9999-01",
        "participation ATOPY 2026-01",
    ],
}


def known_key_bug(command: str, text: str) -> bool:
    """BUG (see test_a_project_key_is_escaped_once): /directive and /approval request take the key word as Slack
    sent it, entities and all, and escape it again in the answer. Left out of the fuzzing until fixed."""
    sub, rest = split_subcommand(text)
    if command == Command.DIRECTIVE and sub not in ("list", "show", "help", ""):
        words = tokenize(text).words
    elif command == Command.APPROVAL and sub == "request":
        words = tokenize(rest).words
    else:
        return False
    return bool(words) and any(entity in words[0] for entity in ("&lt;", "&gt;", "&amp;"))


@pytest.mark.parametrize("command", list(Command), ids=[c.value.strip("/") for c in Command])
def test_any_text_gets_an_answer_and_breaks_nothing(bot, command):
    seed(bot)
    subcommands, options = SUBCOMMANDS[command]
    users = st.sampled_from(["U1", "U2", "U9", "UADMIN"])

    @budget.end_to_end()
    @given(text=words(subcommands, options), user=users)
    def run(text, user):
        budget.tick()
        start = len(bot.fake.calls)
        trigger = f"hardening.{next(_triggers)}"
        with errors_logged() as errors:
            began = time.monotonic()
            reply = bot.slack.command(command, text, user_id=user, trigger_id=trigger)
            elapsed = time.monotonic() - began
            assert reply.status == 200, (reply.status, reply.body[:300])
            assert elapsed < ACK_LIMIT, f"acknowledged after {elapsed:.2f}s"
            assert "Traceback" not in reply.body
            answers = wait_for_answer(bot.fake, reply, trigger)
            bot.settle()
            assert not errors.take()
        assert not sent_problems(bot.fake.calls[start:], ALLOWED_MENTIONS)
        assert all(a.method == "views.open" or str(a.params.get("text") or "").strip() for a in answers)
        assert not overlong_values(bot.runtime.engine)

    for edge in EDGES[command]:
        run = example(text=edge, user="U1")(run)
    run()


def test_help_texts_have_no_live_markup(bot):
    """Catalog texts are mrkdwn: a placeholder written <name> would be read by Slack as a link (fixed in 5240305)."""
    shown = [bot.command(command, "help") for command in Command]
    shown.append(bot.command("/project", "list"))
    shown.append(bot.command("/project", "help", user="U3"))  # U3 reads English
    sent = [c for c in bot.fake.calls if c.method == "response_url"]
    assert len(sent) == len(shown)
    found = [m for c in sent for m in live_markup(c, set(KNOWN_USERS))]
    assert not found, found


def test_record_ids_in_commands_are_checked(bot):
    escaped, answers = [], []
    for command, sub in sorted(ID_SUBCOMMANDS):
        for word in ("²", "99999999999999999999"):
            with errors_logged() as errors:
                reply = bot.slack.command(command, f"{sub} {word} 결론")
                assert reply.status == 200, (command, sub, word, reply.status)
                answers.append(bot.answer(reply)["text"])
                bot.settle()
            escaped += errors.take()
    assert not escaped, escaped


def test_an_exception_right_after_ack_still_answers_200(bot, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    def unreachable(*args, **kwargs):
        raise OSError("connection refused")  # the apology cannot be delivered either, and says so at once

    monkeypatch.setattr("handlers.deps.Deps.reader", broken)
    monkeypatch.setattr("handlers.failures.tell_user", unreachable)
    replies = []
    for _ in range(30):  # stops at the first request answered wrongly
        began = time.monotonic()
        reply = bot.slack.command("/project", "list")
        replies.append((reply.status, round(time.monotonic() - began, 2)))
        if reply.status != 200 or replies[-1][1] >= ACK_LIMIT:
            break
    bot.settle()
    assert all(status == 200 and seconds < ACK_LIMIT for status, seconds in replies), replies


def test_a_project_key_is_escaped_once(bot):
    try:
        bot.command("/directive", "R&amp;D <@U2|lee> 내용")
        bot.command("/approval", "request R&amp;D <@U2|lee> 제목")
        found = all_problems(bot.fake.calls)
    finally:
        bot.fake.reset()  # the fixture would report the same problems again at teardown
    assert not found, found
