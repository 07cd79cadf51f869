"""What a listener is: the Call it is given (who asked, in what language, on what, with a session open), the
answers it may return, and the decorators with which it declares what it hears, whether it writes and
whether a replayed request must change nothing. Listener modules import only this; handlers/pipeline.py
turns the declarations into Bolt listeners."""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import ModuleType
from typing import Any

from slack_sdk import WebClient
from sqlalchemy.orm import Session

from handlers.deps import Deps
from handlers.requests import Submission, record_id
from kit.i18n import t
from kit.permalinks import message_links
from kit.reader import Reader
from kit.text import plain
from services.errors import DomainError


class Kind(enum.Enum):
    COMMAND = "command"
    CLICK = "click"
    FORM = "form"
    EVENT = "event"


# -- what a listener answers -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    """A message only the person sees: the command's or click's ephemeral answer, or after a form."""

    payload: dict[str, Any]


@dataclass(frozen=True)
class Modal:
    """A modal opened on the request's trigger."""

    view: dict[str, Any]


@dataclass(frozen=True)
class Redraw:
    """The modal the click came from, drawn again (a choice that changes the form)."""

    view: dict[str, Any]


@dataclass(frozen=True)
class Publish:
    """App Home, published for the person."""

    view: dict[str, Any]


@dataclass(frozen=True)
class Files:
    """Files uploaded to the person's DM with the bot, then a reply."""

    comment: str
    files: list[dict[str, Any]]
    then: Reply


@dataclass(frozen=True)
class FormError:
    """The form stays open with this said under one of its inputs."""

    block: str
    text: str


Answer = Reply | Modal | Redraw | Publish | Files | FormError | None


# -- what a listener is given -----------------------------------------------------------------------------


@dataclass
class Call:
    deps: Deps
    kind: Kind
    team_id: str
    user_id: str
    reader: Reader
    now: datetime
    channel_id: str | None = None
    text: str = ""  # a command's whole text
    args: str = ""  # a command's text after its subcommand
    value: str = ""  # a clicked button's value
    selected: str = ""  # a chosen option's value
    view: dict[str, Any] = field(default_factory=dict)  # the modal or Home a click came from
    form: Submission | None = None
    event: dict[str, Any] = field(default_factory=dict)
    session: Session | None = None  # open while the listener runs
    client: WebClient | None = None  # only for profile lookups and links; answers go through the Answer

    @property
    def db(self) -> Session:
        assert self.session is not None, "listeners run inside the pipeline's unit of work"
        return self.session

    @property
    def submitted(self) -> Submission:
        """The form a FORM listener was called for."""
        assert self.form is not None, "only forms carry a submission"
        return self.form

    @property
    def locale(self) -> str:
        return self.reader.locale

    @property
    def is_admin(self) -> bool:
        return self.deps.is_admin(self.user_id)

    @property
    def first_arg(self) -> str:
        """The first word after the subcommand, as the person meant it (Slack markup flattened)."""
        words = self.args.split()
        return plain(words[0], from_command=True) if words else ""

    def numbered(self, refusal: str) -> int:
        """The record number a command names first (`12` or `#12`); anything else is refused as `refusal`."""
        found = record_id(self.first_arg)
        if found is None:
            raise DomainError(refusal, value=self.first_arg[:20] or "-")
        return found

    @property
    def record(self) -> int:
        """The clicked button's record id (the pipeline has checked it is one)."""
        found = record_id(self.value)
        assert found is not None
        return found

    def links(self, messages: Iterable[tuple[int, str, str]]) -> dict[int, str]:
        """Links to messages the bot posted, given as (record id, channel, ts), by record id."""
        return message_links(self.client, messages)

    def say(self, key: str, **values: Any) -> Reply:
        return Reply({"text": t(key, self.locale, **values)})


# -- declaring listeners ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    kind: Kind
    key: str | re.Pattern[str]  # command name, action id, callback id or event type
    words: tuple[str, ...] = ()  # a command's subcommand and its aliases
    default: bool = False  # a command with nothing after it
    otherwise: bool = False  # a command whose first word is not a subcommand
    writes: bool = False
    once: bool = False  # a replayed request (same trigger or form) changes nothing
    needs_record: bool = False  # a click whose button carries a record id
    errors: Mapping[str, str] = field(default_factory=dict)  # form: refusal code -> the input it is about
    default_block: str = ""  # form: where any other refusal is shown
    fresh_reader: bool = False  # ask Slack for a profile never seen (events; commands and clicks always do)
    when: Callable[[Call], bool] | None = None  # event: whether to act on it at all (may read, never writes)
    relevant: Callable[[dict], bool] | None = None  # event: a first look at the raw event, before it is recorded
    prompt: bool = False  # someone is watching the screen for it: it goes before other writes


Body = Callable[[Call], Answer]


def _declare(spec: Spec) -> Callable[[Body], Body]:
    def mark(body: Body) -> Body:
        body.listens = (*getattr(body, "listens", ()), spec)  # type: ignore[attr-defined]
        return body

    return mark


def command(
    name: str, *words: str, writes: bool = False, once: bool = False, default: bool = False, otherwise: bool = False
) -> Callable[[Body], Body]:
    """`/name word ...`; `default` for `/name` alone, `otherwise` for a first word that is no subcommand."""
    return _declare(Spec(Kind.COMMAND, name, words, default, otherwise, writes, once and writes, fresh_reader=True))


def click(action_id: str | re.Pattern[str], *, writes: bool = False, record: bool = True) -> Callable[[Body], Body]:
    """A button or select; `record` when its value must be a record id (anything else is ignored)."""
    return _declare(Spec(Kind.CLICK, action_id, writes=writes, needs_record=record))


def form(
    callback_id: str,
    *,
    errors: Mapping[str, str] | None = None,
    default_block: str,
    writes: bool = True,
    once: bool = True,
) -> Callable[[Body], Body]:
    return _declare(
        Spec(
            Kind.FORM,
            callback_id,
            writes=writes,
            once=once and writes,
            errors=errors or {},
            default_block=default_block,
        )
    )


def event(
    event_type: str,
    *,
    writes: bool = False,
    fresh_reader: bool = False,
    when: Callable[[Call], bool] | None = None,
    relevant: Callable[[dict], bool] | None = None,
    prompt: bool = False,
) -> Callable[[Body], Body]:
    """An Events API event; `relevant` looks at the raw event before it is even recorded (no database), `when`
    decides, before any unit of work is opened, whether it concerns us."""
    return _declare(
        Spec(
            Kind.EVENT,
            event_type,
            writes=writes,
            fresh_reader=fresh_reader,
            when=when,
            relevant=relevant,
            prompt=prompt,
        )
    )


def listeners(modules: Iterable[ModuleType]) -> list[tuple[Spec, Body]]:
    return [
        (spec, body)
        for module in modules
        for body in vars(module).values()
        if callable(body)
        for spec in getattr(body, "listens", ())
    ]
