"""One pipeline for every Slack request. A listener (handlers/listener.py) is a top-level function of a few
lines that takes a Call and returns an Answer; it says once, in its decorator, what it listens to, whether it
writes and whether a replayed request must change nothing.

The pipeline does the rest, the same way for every listener:
1. acknowledges at once (a form after its answer is known, within Slack's 3 s);
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
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from slack_bolt import App

from handlers.answering import open_modal, tell_user, upload
from handlers.deps import Deps
from handlers.failures import answer_failure
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
from services import idempotency
from services.errors import DomainError
from services.unit_of_work import write_transaction

log = logging.getLogger(__name__)

FORM_ERROR_MAX = 150  # Slack cuts an input's error text around here
HELP_WORDS = ("help", "도움말")


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


class Pipeline:
    """Registers every declared listener on the Bolt app, each through the same steps."""

    def __init__(self, app: App, deps: Deps) -> None:
        self.app, self.deps = app, deps

    def register(self, declared: list[tuple[Spec, Body]]) -> None:
        commands: dict[str, list[tuple[Spec, Body]]] = {}
        for spec, body in declared:
            if spec.kind is Kind.COMMAND:
                commands.setdefault(str(spec.key), []).append((spec, body))
            elif spec.kind is Kind.CLICK:
                self.app.action(spec.key)(self._guarded(self._click_listener(spec, body)))
            elif spec.kind is Kind.FORM:
                self.app.view(spec.key)(self._form_listener(spec, body))
            else:
                self.app.event(spec.key)(self._guarded(self._event_listener(spec, body)))
        for name, routes in commands.items():
            self.app.command(name)(self._guarded(self._command_listener(name, routes)))

    def _guarded(self, listener: Callable[..., None]) -> Callable[..., None]:
        deps = self.deps

        def guarded(ack, body, client, respond, logger, event=None) -> None:
            try:
                listener(ack, body, client, respond, logger, event)
            except Exception as error:  # after the ack: the person still gets an answer, Bolt never a raise
                answer_failure(deps, error, body, client, respond)

        return guarded

    # commands

    def _command_listener(self, name: str, routes: list[tuple[Spec, Body]]):
        deps = self.deps
        topic = name.lstrip("/")

        def route(word: str) -> tuple[Spec, Body] | None:
            if not word:
                return next((r for r in routes if r[0].default), None)
            found = next((r for r in routes if word in r[0].words), None)
            return found or next((r for r in routes if r[0].otherwise), None)

        def listener(ack, body, client, respond, logger, _event) -> None:
            ack()
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
            elif (found := route(word)) is None:
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
            ack()
            try:
                clicked = Click.from_body(body)
            except MalformedPayload as error:
                logger.warning("ignored a click on %s: %s", spec.key, error)
                return
            if spec.needs_record and record_id(clicked.value) is None:
                logger.warning("ignored a click on %s: its value is no record id", clicked.action_id[:40])
                return
            if spec.fresh_reader:
                reader = deps.reader(client, clicked.team_id, clicked.user_id)
            else:
                reader = deps.cached_reader(clicked.team_id, clicked.user_id)
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
        if isinstance(answer, Reply):
            tell_user(client, submitted.user_id, answer.payload, channel_id=channel)
        elif isinstance(answer, Publish):
            client.views_publish(user_id=submitted.user_id, view=answer.view)

    # events

    def _event_listener(self, spec: Spec, listener_body: Body):
        deps = self.deps

        def listener(ack, body, client, respond, logger, event) -> None:
            ack()
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
