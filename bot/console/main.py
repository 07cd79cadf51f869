"""Entry points of `onnuri demo` and `onnuri console`."""

from __future__ import annotations

import contextlib
import io
import json
import sys
from collections.abc import Callable
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


def history_file(url: str) -> Path:
    """Where typed lines are kept for the next session: beside a SQLite demo database, else ~/.onnuri_history."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        return Path(parsed.database).with_suffix(".history")
    return Path.home() / ".onnuri_history"


def line_editing(path: Path) -> Callable[[], None]:
    """Arrow keys, editing and history through readline where Python has it; returns what saves the history."""
    try:
        import readline
    except ImportError:  # e.g. Windows without pyreadline: plain input() still works
        return lambda: None
    with contextlib.suppress(OSError):
        readline.read_history_file(path)
    readline.set_history_length(1000)

    def save() -> None:
        with contextlib.suppress(OSError):
            readline.write_history_file(path)

    return save


def forgiving_stdin() -> None:
    """A pasted line cut in the middle of a character (invalid UTF-8) reads as U+FFFD instead of crashing."""
    if isinstance(sys.stdin, io.TextIOWrapper):
        with contextlib.suppress(ValueError, io.UnsupportedOperation):
            sys.stdin.reconfigure(errors="replace")


def console(url: str, user: str) -> int:
    try:
        return _console(url, user)
    except KeyboardInterrupt:  # Ctrl-C while the bot starts or stops: no traceback
        print()
        return 130


def _console(url: str, user: str) -> int:
    forgiving_stdin()
    interactive = sys.stdin.isatty()
    save_history = line_editing(history_file(url)) if interactive else (lambda: None)

    def ask(prompt: str) -> str:
        line = input(prompt)
        if not interactive:
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
        save_history()
        with contextlib.suppress(KeyboardInterrupt):  # a second Ctrl-C while saving still ends quietly
            session.close()
    return 0
