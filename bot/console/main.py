"""Entry points of `onnuri demo` and `onnuri console`."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from bot import demo as demo_org
from bot.console import repl
from bot.console.session import Console
from models import migrate
from models.db import make_engine, make_session_factory


def demo(url: str) -> int:
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        seeded = demo_org.seed(make_session_factory(engine), datetime.now(UTC))
    finally:
        engine.dispose()
    if seeded.created and (path := workspace_file(url)) is not None:
        set_console_clock(path, seeded.opens_at)
    if seeded.created:
        print(f"demo organisation ready in {url}: {len(seeded.created)} projects, {len(demo_org.PEOPLE)} people")
    else:
        print(f"demo organisation already in {url} ({len(seeded.kept)} projects); nothing changed")
    print("next: onnuri console   (then :help)")
    return 0


def workspace_file(url: str) -> Path | None:
    """Where the fake Slack keeps its messages: beside a SQLite file; nowhere for other databases."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database).with_suffix(".slack.json")


def set_console_clock(path: Path, moment: datetime) -> None:
    """The console of a new demo starts on the demo's Monday morning (kept beside its messages)."""
    state = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    state["clock"] = moment.isoformat()
    path.write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")


def console(url: str, user: str) -> int:
    def ask(prompt: str) -> str:
        line = input(prompt)
        if not sys.stdin.isatty():
            print(line)  # a piped session shows what was typed, like a transcript
        return line

    session = Console(
        url,
        demo_org.people(),
        admins=frozenset({demo_org.ADMIN}),
        user=user,
        say=print,
        ask=ask,
        workspace_file=workspace_file(url),
    )
    try:
        if session.find_person(user) is None:
            print(f"onnuri: --as {user}: no such person; :who lists them")
            return 2
        session.user = session.find_person(user) or user
        repl.run(session)
    finally:
        session.close()
    return 0
