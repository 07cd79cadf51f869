"""One pipeline for every Slack request. A listener (handlers/listener.py) is a top-level function of a few
lines that takes a Call and returns an Answer; it says once, in its decorator, what it listens to, whether it
writes and whether a replayed request must change nothing.

The pipeline does the rest, the same way for every listener:
1. records the request in the inbox and acknowledges at once, from the request's own thread; the rest runs
   after, in bounded work lanes, most urgent first (lanes.py). A form is the exception: its answer (errors
   under an input) is the acknowledgement, so it runs before it, and only what it says afterwards waits;
2. reads the request into typed values, and ignores (with a warning) one it cannot read;
3. resolves who is reading: their language and time zone;
4. opens the unit of work: a write transaction for a listener that writes, a read session otherwise;
5. claims the request's idempotency key for a listener that must act once (a replay changes nothing);
6. calls the listener, and turns a refusal (DomainError) into words on the right surface: an ephemeral
   answer to a command or a click, an error under the form's input, nothing for an event;
7. after the commit, carries the answer out: a reply, a modal opened or redrawn, App Home published, files
   uploaded; and answers any failure with an apology instead of silence or a traceback.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Any

from slack_bolt import App
from slack_bolt.context.respond import Respond
from sqlalchemy.exc import SQLAlchemyError

from handlers.answering import open_modal, tell_user, upload
from handlers.deps import Deps
from handlers.failures import answer_failure
from handlers.lanes import READ, URGENT, WRITE, WorkLanes
from handlers.listener import (
    Answer,
    Body,
    Call,
    Files,
    FormError,
    Kind,
    Modal,
    Publish,
    Redraw,
    Reply,
    Spec,
)
from handlers.parsing import split_subcommand
from handlers.refusals import Name, error_text
from handlers.requests import Click, MalformedPayload, SlashCommand, Submission, record_id, team_of, user_of
from kit.i18n import t
from kit.reader import Reader
from kit.text import plain
from services import idempotency, inbox
from services.errors import DomainError
from services.unit_of_work import utcnow, write_transaction

log = logging.getLogger(__name__)

FORM_ERROR_MAX = 150  # Slack cuts an input's error text around here
HELP_WORDS = ("help", "도움말")
RECORD_PATIENCE = 1.0  # seconds a request may wait to be recorded; then it is acknowledged and run unrecorded
CLAIM_PATIENCE = 30.0  # claiming and finishing go before other writers, and rarely wait at all


# -- running one -------------------------------------------------------------------------------------------


def run(spec: Spec, body: Body, call: Call, idempotency_key: str | None) -> Answer | DomainError:
    """The listener inside its unit of work; a refusal comes back as the DomainError itself."""
    deps = call.deps
    try:
        if spec.writes:
            with write_transaction(deps.session_factory) as session:
                call.session = session
                if spec.once and idempotency_key and not idempotency.first_time(session, call.team_id, idempotency_key):
                    return None  # carried out before: a replay changes nothing
                return body(call)
        with deps.session_factory() as session:
            call.session = session
            return body(call)
    except DomainError as error:
        return error
    finally:
        call.session = None


Core = Callable[..., bool]  # (ack, body, client, respond, logger, event) -> whether it ran to its end


def _ignore_ack(*_args: Any, **_kwargs: Any) -> None:
    """Work carried out after the acknowledgement has nothing left to acknowledge."""


class Pipeline:
    """Registers every declared listener on the Bolt app, each through the same steps."""

    def __init__(self, app: App, deps: Deps, lanes: WorkLanes, hand_off: Callable[[], None] | None = None) -> None:
        """`hand_off`: the work is carried out by another process (bot/work_process.py), which this wakes after
        each request recorded; without it, this process's lanes carry it out."""
        self.app, self.deps, self.lanes, self.hand_off = app, deps, lanes, hand_off
        self.owner = f"{os.getpid()}:{uuid.uuid4().hex[:8]}"  # this process, as the inbox's claims name it
        self.routes: dict[str, Core] = {}

    def register(self, declared: list[tuple[Spec, Body]]) -> None:
        commands: dict[str, list[tuple[Spec, Body]]] = {}
        for spec, body in declared:
            if spec.kind is Kind.COMMAND:
                commands.setdefault(str(spec.key), []).append((spec, body))
            elif spec.kind is Kind.FORM:
                self.app.view(spec.key)(self._form_listener(spec, body))
            elif spec.kind is Kind.CLICK:
                route = f"click:{_key_text(spec.key)}"
                self.routes[route] = self._guarded(self._click_listener(spec, body))
                priority = _priority(spec)
                self.app.action(spec.key)(self._accepting(route, lambda _body, p=priority: p))
            else:
                route = f"event:{spec.key}"
                self.routes[route] = self._guarded(self._event_listener(spec, body))
                priority = _priority(spec)
                self.app.event(spec.key)(self._accepting(route, lambda _body, p=priority: p, spec.relevant))
        for name, routes in commands.items():
            route = f"command:{name}"
            self.routes[route] = self._guarded(self._command_listener(name, routes))
            self.app.command(name)(self._accepting(route, partial(_command_priority, routes)))

    # accepting: the request thread records and acknowledges; the work waits for a lane

    def _accepting(
        self,
        route: str,
        priority_of: Callable[[dict[str, Any]], int],
        relevant: Callable[[dict[str, Any]], bool] | None = None,
    ) -> Callable[..., None]:
        def accept(ack, body) -> None:
            event = body.get("event") if isinstance(body.get("event"), dict) else {}
            if relevant is not None and not relevant(event):
                ack()  # most channel messages concern nothing here: they cost no write
                return
            priority = priority_of(body)
            request_id = self._record(route, priority, body)
            ack()
            if request_id is None:
                return  # Slack retried a request already recorded: it is being (or was) carried out
            if request_id < 0:  # the database did not answer; the work may still manage, in memory
                if not self.lanes.offer(priority, object(), partial(self._carry_out_unrecorded, route, body)):
                    log.error("dropped a request neither recorded nor queued (%s): the bot is overloaded", route[:60])
            elif self.hand_off is not None:
                self.hand_off()
            else:
                self.lanes.offer(priority, request_id, partial(self.carry_out, request_id))

        return accept

    def _record(self, route: str, priority: int, body: dict[str, Any]) -> int | None:
        """The inbox row's id (a retry of a request not yet carried out gets the first one's); None for a retry
        of one carried out; -1 when the database could not record it."""
        team_id, key = team_of(body), _request_key(body)
        try:
            with write_transaction(self.deps.front, patience=RECORD_PATIENCE) as session:
                recorded = inbox.record(
                    session,
                    team_id=team_id,
                    key=key,
                    route=route,
                    priority=priority,
                    body=body,
                    owner=self.owner,
                    now=utcnow(),  # claims keep real time, whatever the bot's clock says
                    claimed=self.hand_off is None,
                )
                return recorded if recorded is not None else inbox.unfinished(session, team_id, key)
        except SQLAlchemyError as error:
            log.warning("could not record a request (%s); carrying it out unrecorded", type(error).__name__)
            return -1

    def carry_out(self, request_id: int) -> None:
        """Carries out a recorded request, unless another worker has it or it is done."""
        factory = self.deps.session_factory
        # bookkeeping of a few milliseconds: it goes before other writers, so a form can open in time
        with write_transaction(factory, patience=CLAIM_PATIENCE) as session:
            received = inbox.claim(session, request_id, self.owner, utcnow())
        if received is None:
            return
        done = False
        try:
            done = self._carry_out_unrecorded(received.route, received.body)
        finally:
            with write_transaction(factory, patience=CLAIM_PATIENCE) as session:
                # An event that failed is tried again (Slack's retry or the sweep); a person who was told a
                # command failed is not answered a second time, later, out of the blue.
                if done or not received.route.startswith("event:"):
                    inbox.finish(session, request_id, utcnow())
                else:
                    inbox.let_go(session, request_id, utcnow())

    def _carry_out_unrecorded(self, route: str, body: dict[str, Any]) -> bool:
        """Whether the listener ran to its end (an answered refusal counts; a failure does not)."""
        core = self.routes.get(route)
        if core is None:
            log.warning("no listener for a recorded request (%s)", route[:60])
            return True
        url = body.get("response_url")
        respond = Respond(response_url=url) if isinstance(url, str) and url else None
        event = body.get("event") if isinstance(body.get("event"), dict) else None
        return core(_ignore_ack, body, self.app.client, respond, log, event)

    def sweep(self, limit: int = 100) -> int:
        """Takes up recorded requests whose process lost them (killed, or a backlog past the claim), and any
        left out of a full queue; returns how many were offered."""
        with self.deps.session_factory() as session:
            found = inbox.lapsed(session, utcnow(), limit)
        offered = 0
        for request_id, priority in found:
            if not self.lanes.holds(request_id):
                offered += self.lanes.offer(priority, request_id, partial(self.carry_out, request_id))
        return offered

    def _guarded(self, listener: Callable[..., None]) -> Core:
        deps = self.deps

        def guarded(ack, body, client, respond, logger, event=None) -> bool:
            try:
                listener(ack, body, client, respond, logger, event)
                return True
            except Exception as error:  # after the ack: the person still gets an answer, Bolt never a raise
                answer_failure(deps, error, body, client, respond)
                return False

        return guarded

    # commands

    def _command_listener(self, name: str, routes: list[tuple[Spec, Body]]):
        deps = self.deps
        topic = name.lstrip("/")

        def listener(ack, body, client, respond, logger, _event) -> None:
            try:
                cmd = SlashCommand.from_body(body)
            except MalformedPayload as error:
                logger.warning("ignored %s: %s", name, error)
                return
            reader = deps.reader(client, cmd.team_id, cmd.user_id)
            word, rest = split_subcommand(cmd.text)
            call = Call(
                deps,
                Kind.COMMAND,
                cmd.team_id,
                cmd.user_id,
                reader,
                deps.clock(),
                cmd.channel_id,
                cmd.text,
                rest,
                client=client,
            )
            if word in HELP_WORDS:
                answer: Answer | DomainError = call.say(f"help.{topic}")
            elif (found := _route(routes, word)) is None:
                answer = call.say("common.unknown_subcommand", command=name, sub=plain(word, from_command=True)[:30])
            else:
                spec, listener_body = found
                if spec.otherwise and word not in spec.words:
                    call = replace(call, args=cmd.text)
                answer = run(spec, listener_body, call, f"cmd:{cmd.trigger_id}" if cmd.trigger_id else None)
            self._answer_command(client, respond, cmd, reader, answer)
            deps.refresh_profile(client, cmd.team_id, cmd.user_id)

        return listener

    def _answer_command(self, client, respond, cmd: SlashCommand, reader: Reader, answer) -> None:
        def reply(payload: dict[str, Any]) -> None:
            respond(response_type="ephemeral", replace_original=False, **payload)

        if isinstance(answer, Modal):
            try:
                open_modal(client, cmd.trigger_id, answer.view)
            except DomainError:
                reply({"text": t("common.trigger_expired", reader.locale)})
        elif isinstance(answer, Files):
            upload(client, cmd.user_id, answer.comment, answer.files)
            reply(answer.then.payload)
        elif isinstance(answer, DomainError):
            reply({"text": error_text(answer, reader.locale)})
        elif isinstance(answer, Reply):
            reply(answer.payload)

    # clicks

    def _click_listener(self, spec: Spec, listener_body: Body):
        deps = self.deps

        def listener(ack, body, client, respond, logger, _event) -> None:
            try:
                clicked = Click.from_body(body)
            except MalformedPayload as error:
                logger.warning("ignored a click on %s: %s", spec.key, error)
                return
            if spec.needs_record and record_id(clicked.value) is None:
                logger.warning("ignored a click on %s: its value is no record id", clicked.action_id[:40])
                return
            # after the ack, so someone never seen may be asked of Slack (users.info) without keeping Slack waiting
            reader = deps.reader(client, clicked.team_id, clicked.user_id)
            call = Call(
                deps,
                Kind.CLICK,
                clicked.team_id,
                clicked.user_id,
                reader,
                deps.clock(),
                clicked.channel_id,
                value=clicked.value,
                selected=clicked.selected,
                view=clicked.view,
                client=client,
            )
            answer = run(spec, listener_body, call, None)
            if isinstance(answer, Modal):
                try:
                    open_modal(client, clicked.trigger_id, answer.view)
                    return
                except DomainError as error:
                    answer = error
            if isinstance(answer, Redraw):
                client.views_update(view_id=clicked.view.get("id"), hash=clicked.view.get("hash"), view=answer.view)
            elif isinstance(answer, Publish):
                client.views_publish(user_id=clicked.user_id, view=answer.view)
            elif isinstance(answer, Reply | DomainError):
                payload = answer.payload if isinstance(answer, Reply) else {"text": error_text(answer, reader.locale)}
                tell_user(
                    client,
                    clicked.user_id,
                    payload,
                    channel_id=clicked.channel_id,
                    respond=respond if clicked.has_response_url else None,
                )

        return listener

    # forms

    def _form_listener(self, spec: Spec, listener_body: Body):
        deps = self.deps

        def listener(ack, body, client, logger) -> None:
            acked: list[bool] = []

            def answer_form(**kwargs: Any) -> None:
                acked.append(True)
                ack(**kwargs)

            try:
                self._form(spec, listener_body, answer_form, body, client, logger)
            except Exception as error:
                logger.exception("form %s failed", spec.key)
                if not acked:
                    locale = deps.locale_of(body)
                    answer_form(
                        response_action="errors",
                        errors={spec.default_block: t("common.unexpected", locale, plain=True)[:FORM_ERROR_MAX]},
                    )
                elif not isinstance(error, DomainError):
                    answer_failure(deps, error, body, client, None)

        return listener

    def _form(self, spec: Spec, listener_body: Body, ack, body, client, logger) -> None:
        deps = self.deps
        try:
            submitted = Submission.from_body(body)
        except MalformedPayload as error:
            ack()
            logger.warning("ignored a form %s: %s", spec.key, error)
            return
        reader = deps.cached_reader(submitted.team_id, submitted.user_id)
        channel = submitted.metadata_str("channel_id")
        call = Call(
            deps,
            Kind.FORM,
            submitted.team_id,
            submitted.user_id,
            reader,
            deps.clock(),
            channel,
            form=submitted,
            client=client,
        )
        key = f"view:{submitted.view_id}" if submitted.view_id else None
        answer = run(spec, listener_body, call, key)
        if isinstance(answer, DomainError):
            name: Name = lambda person: deps.display_name(client, submitted.team_id, person)  # noqa: E731
            text = error_text(answer, reader.locale, plain=True, name=name)
            answer = FormError(spec.errors.get(answer.code, spec.default_block), text)
        if isinstance(answer, FormError):
            ack(response_action="errors", errors={answer.block: answer.text[:FORM_ERROR_MAX]})
            return
        ack()
        # Slack closes the form only when this request is answered: what the form says next waits for a lane
        if isinstance(answer, Reply):
            then = partial(tell_user, client, submitted.user_id, answer.payload, channel_id=channel)
        elif isinstance(answer, Publish):
            then = partial(client.views_publish, user_id=submitted.user_id, view=answer.view)
        else:
            return
        if not self.lanes.offer(URGENT, object(), self._guarded_after_form(then, body, client)):
            log.error("a form's confirmation was not sent: the bot is overloaded")

    def _guarded_after_form(self, then: Callable[[], Any], body: dict[str, Any], client) -> Callable[[], None]:
        def after() -> None:
            try:
                then()
            except Exception as error:
                answer_failure(self.deps, error, body, client, None)

        return after

    # events

    def _event_listener(self, spec: Spec, listener_body: Body):
        deps = self.deps

        def listener(ack, body, client, respond, logger, event) -> None:
            event = event if isinstance(event, dict) else {}
            team_id, user_id = team_of(body), user_of(event) or str(event.get("user") or "")
            if not team_id:
                return
            if spec.fresh_reader and user_id:
                reader = deps.reader(client, team_id, user_id)
            else:
                reader = Reader(user_id, deps.org.locale, deps.org.timezone)
            call = Call(deps, Kind.EVENT, team_id, user_id, reader, deps.clock(), event=event, client=client)
            if spec.when is not None and not spec.when(call):
                return
            answer = run(spec, listener_body, call, None)
            if isinstance(answer, Publish) and user_id:
                client.views_publish(user_id=user_id, view=answer.view)
            elif isinstance(answer, DomainError):
                logger.info("event %s refused: %s", spec.key, answer.code)

        return listener


def _key_text(key: Any) -> str:
    return key.pattern if hasattr(key, "pattern") else str(key)


def _request_key(body: dict[str, Any]) -> str:
    """What makes a request itself, so Slack's retry of it is not recorded twice: the event's id, the
    trigger of a command or click; a request with neither is always new."""
    for name, prefix in (("event_id", "event"), ("trigger_id", "trigger")):
        value = body.get(name)
        if isinstance(value, str) and value:
            return f"{prefix}:{value}"
    return f"new:{uuid.uuid4().hex}"


def _command_priority(routes: list[tuple[Spec, Body]], body: dict[str, Any]) -> int:
    """A command that only reads (a list, a form to open before its trigger expires) goes before writes."""
    word = split_subcommand(str(body.get("text") or ""))[0]
    found = None if word in HELP_WORDS else _route(routes, word)
    return _priority(found[0]) if found is not None else READ


def _priority(spec: Spec) -> int:
    return WRITE if spec.writes and not spec.prompt else READ


def _route(routes: list[tuple[Spec, Body]], word: str) -> tuple[Spec, Body] | None:
    """The listener a command's first word asks for."""
    if not word:
        return next((r for r in routes if r[0].default), None)
    found = next((r for r in routes if word in r[0].words), None)
    return found or next((r for r in routes if r[0].otherwise), None)
