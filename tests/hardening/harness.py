"""What the end-to-end hardening tests check after every generated request: the database, the logs and
everything the bot sent to Slack."""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, String, func, literal, select, union_all

import models
from bot.fakeslack.payloads import Reply
from bot.fakeslack.web_api import Call
from tests.fakes.blockkit import MESSAGE_METHODS, VIEW_METHODS, _mrkdwn_texts, all_problems

ACK_LIMIT = 3.0  # Slack gives up on an answer after 3 seconds
ANSWER_TIMEOUT = 8.0

# Markup the bot itself makes: mentions and channel links (ids only, no label), dates, and its own links.
_TOKEN = re.compile(r"<([^<>]*)>")
_BOT_MADE = re.compile(
    r"^(?:@[UW][A-Z0-9]+|#[CG][A-Z0-9]+|!date\^[^|]*\|[^|]*|https://[a-z0-9-]+\.slack\.com/[^|]*(?:\|.*)?)$"
)


# Bookkeeping: the outbox worker's pace per channel changes as earlier messages go out, and the inbox records
# every signed request before it is acknowledged (refused or not); neither is a change the input made.
NOT_INPUT = frozenset({"outbox_channels", "inbox"})


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows in every table but NOT_INPUT (what "no change" is measured with), in one query."""
    tables = [t for t in models.Base.metadata.sorted_tables if t.name not in NOT_INPUT]
    query = select(*(select(func.count()).select_from(t).scalar_subquery().label(t.name) for t in tables))
    with engine.connect() as conn:
        return dict(conn.execute(query).one()._mapping)


def changed_tables(before: dict[str, int], after: dict[str, int]) -> dict[str, tuple[int, int]]:
    return {name: (before[name], after[name]) for name in before if before[name] != after[name]}


def overlong_values(engine: Engine) -> list[str]:
    """Stored strings longer than their column allows: SQLite keeps them, PostgreSQL refuses them. One query."""
    checks = [
        select(literal(f"{table.name}.{column.name} (max {column.type.length})").label("at"), column.label("value"))
        .where(func.length(column) > column.type.length)
        .limit(1)
        .subquery()
        for table in models.Base.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, String) and column.type.length
    ]
    query = union_all(*(select(c.c.at, c.c.value) for c in checks))
    with engine.connect() as conn:
        return [f"{at}: {str(value)[:40]!r} ({len(str(value))})" for at, value in conn.execute(query)]


def live_markup(call: Call, allowed_users: set[str]) -> list[str]:
    """Tokens in text Slack parses that the bot did not make: a broadcast, a foreign link, a forged mention."""
    if call.method not in MESSAGE_METHODS | VIEW_METHODS:
        return []
    texts = _mrkdwn_texts(call.params)
    if isinstance(call.params.get("text"), str):
        texts.append(call.params["text"])
    found = []
    for text in texts:
        for token in _TOKEN.findall(text):
            if not _BOT_MADE.match(token):
                found.append(f"<{token}>")
            elif token.startswith("@") and token[1:] not in allowed_users:
                found.append(f"<{token}> (nobody named it)")
    return found


def sent_problems(calls: list[Call], allowed_users: set[str]) -> list[str]:
    """Block Kit limits and escaping (tests/fakes/blockkit.py), live markup, and tracebacks shown to people."""
    found = all_problems(calls)
    for call in calls:
        found += [f"{call.method}: live markup {m}" for m in live_markup(call, allowed_users)]
        if call.method in MESSAGE_METHODS | VIEW_METHODS and "Traceback" in json.dumps(call.params):
            found.append(f"{call.method}: a traceback shown to a person")
    return found


def wait_for_answer(fake, reply: Reply, trigger_id: str | None, timeout: float = ANSWER_TIMEOUT) -> list[Call]:
    """The bot's answer to a command: a reply through its response_url, or a modal opened for its trigger."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [
            c
            for c in fake.calls
            if c.ok
            and (
                (c.method == "response_url" and c.params.get("_key") == reply.response_key)
                or (c.method == "views.open" and trigger_id and c.params.get("trigger_id") == trigger_id)
            )
        ]
        if found:
            return found
        time.sleep(0.005)
    raise AssertionError(f"no answer within {timeout}s; calls: {[c.method for c in fake.calls][-20:]}")


class ErrorLog(logging.Handler):
    """Every record at ERROR or above, or carrying an exception, from any logger: an exception that escaped
    a listener (Bolt's error handler, the form wrapper's logger.exception) shows up here."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self._lock2 = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR or record.exc_info:
            with self._lock2:
                self.records.append(record)

    def take(self) -> list[str]:
        with self._lock2:
            taken, self.records = self.records, []
        return [_describe(r) for r in taken]


def _describe(record: logging.LogRecord) -> str:
    text = f"{record.name} {record.levelname}: {record.getMessage()}"
    if record.exc_info and record.exc_info[1] is not None:
        error = record.exc_info[1]
        text += f" [{type(error).__name__}: {str(error)[:200]}]"
    return text


@contextmanager
def errors_logged() -> Iterator[ErrorLog]:
    handler = ErrorLog()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)


def seed(bot) -> dict[str, Any]:
    """A small workspace: project ATOPY (U1 leads, U2 and U3 are members), one approval request of U1 that U2
    decides, one directive of U1 to U2, one discussion with a poll, one progress update of U2; U9 knows no one.
    Returns the ids the tests forge clicks around."""
    bot.fake.add_user("U9", name="u9", real_name="Outsider", team_id="T1")
    bot.command("/project", "new 아토피 없는 경기도 key=ATOPY <#C1|general> <@U2|lee> <@U3|park>")
    bot.command("/approval", "request ATOPY <@U2|lee> 예산 변경")
    bot.command("/directive", "ATOPY <@U2|lee> due=2099-01-15 kind=plan 추진 계획 수립")
    bot.command("/progress", "ATOPY 40% 초안 완료", user="U2")
    bot.command("/discuss", "ATOPY 시범 학교 순서")
    bot.settle()
    with bot.session_factory() as session:
        ids = {
            "project": session.scalar(select(models.Project.id)),
            "approval": session.scalar(select(models.ApprovalRequest.id)),
            "step": session.scalar(select(models.ApprovalStep.id)),
            "directive": session.scalar(select(models.Directive.id)),
            "discussion": session.scalar(select(models.Discussion.id)),
            "update": session.scalar(select(models.ProgressUpdate.id)),
        }
    assert all(ids.values()), ids
    return ids
