"""Parsing interactive payloads (buttons, modal submissions) and answering the person."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers.refusals import Name, error_text
from kit.i18n import t
from services import idempotency

log = logging.getLogger(__name__)


MAX_ID = 2**31 - 1  # a database integer: a larger "id" in a button is forged


class MalformedPayload(ValueError):
    """A payload without the workspace or the person it is about; it is acknowledged and ignored."""


def team_of(body: dict[str, Any]) -> str:
    """The workspace the request happened in (not the person's home team on Enterprise Grid)."""
    team = body.get("team")
    candidates = (
        team.get("id") if isinstance(team, dict) else None,
        body.get("team_id"),
        (body.get("view") or {}).get("team_id") if isinstance(body.get("view"), dict) else None,
        (body.get("user") or {}).get("team_id") if isinstance(body.get("user"), dict) else None,
    )
    return next((str(c) for c in candidates if isinstance(c, str) and c), "")


def user_of(body: dict[str, Any]) -> str:
    user = body.get("user")
    found = user.get("id") if isinstance(user, dict) else body.get("user_id")
    return found if isinstance(found, str) else ""


def identity(body: dict[str, Any]) -> tuple[str, str]:
    team_id, user_id = team_of(body), user_of(body)
    if not team_id or not user_id:
        raise MalformedPayload("payload names no team or no user")
    return team_id, user_id


def metadata_of(view: dict[str, Any]) -> dict[str, Any]:
    """A view's private_metadata as a dict (empty when missing or not ours)."""
    try:
        metadata = json.loads(view.get("private_metadata") or "{}")
    except (TypeError, ValueError):
        return {}
    return metadata if isinstance(metadata, dict) else {}


@dataclass(frozen=True)
class Click:
    team_id: str
    user_id: str
    action_id: str
    value: str
    selected: str  # the chosen option's value, for selects
    channel_id: str | None
    has_response_url: bool

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> Click:
        team_id, user_id = identity(body)
        actions = body.get("actions")
        action = actions[0] if isinstance(actions, list) and actions and isinstance(actions[0], dict) else {}
        channel = body.get("channel")
        return cls(
            team_id=team_id,
            user_id=user_id,
            action_id=str(action.get("action_id", "")),
            value=str(action.get("value") or ""),
            selected=str((action.get("selected_option") or {}).get("value") or "")
            if isinstance(action.get("selected_option"), dict)
            else "",
            channel_id=channel.get("id") if isinstance(channel, dict) else None,
            has_response_url=bool(body.get("response_url")),
        )


def id_click(body: dict[str, Any], logger) -> Click | None:
    """A click on a button that carries a record id; anything else is logged and ignored."""
    try:
        click = Click.from_body(body)
    except MalformedPayload as error:
        logger.warning("ignored a click: %s", error)
        return None
    return click if click.value.isascii() and click.value.isdigit() and 0 < int(click.value) <= MAX_ID else None


def answer_click(client: WebClient, click: Click, respond, payload: dict[str, Any]) -> None:
    """Answers the person who clicked, where they clicked (see tell_user)."""
    tell_user(
        client, click.user_id, payload, channel_id=click.channel_id, respond=respond if click.has_response_url else None
    )


@dataclass(frozen=True)
class Submission:
    team_id: str
    user_id: str
    view_id: str
    callback_id: str
    values: dict[str, Any]
    metadata: dict[str, Any]

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> Submission:
        team_id, user_id = identity(body)
        view = body.get("view") if isinstance(body.get("view"), dict) else {}
        metadata = metadata_of(view)
        state = view.get("state") if isinstance(view.get("state"), dict) else {}
        values = state.get("values") if isinstance(state.get("values"), dict) else {}
        return cls(
            team_id=team_id,
            user_id=user_id,
            view_id=str(view.get("id", "")),
            callback_id=str(view.get("callback_id", "")),
            values=values,
            metadata=metadata,
        )

    def first_time(self, session) -> bool:
        """False when this very form was saved before (a replayed submission changes nothing)."""
        return not self.view_id or idempotency.first_time(session, self.team_id, f"view:{self.view_id}")

    def element(self, block_id: str) -> dict[str, Any]:
        block = self.values.get(block_id)
        element = next(iter(block.values()), {}) if isinstance(block, dict) and block else {}
        return element if isinstance(element, dict) else {}

    def text(self, block_id: str) -> str:
        """What the person typed, as typed: modal input is literal text, escaped when it is shown."""
        value = self.element(block_id).get("value")
        return value if isinstance(value, str) else ""

    def users(self, block_id: str) -> list[str]:
        found = self.element(block_id).get("selected_users")
        return [u for u in found if isinstance(u, str)] if isinstance(found, list) else []

    def option(self, block_id: str) -> str | None:
        selected = self.element(block_id).get("selected_option")
        value = selected.get("value") if isinstance(selected, dict) else None
        return value if isinstance(value, str) and value else None

    def conversation(self, block_id: str) -> str | None:
        element = self.element(block_id)
        value = element.get("selected_conversation") or element.get("selected_channel")
        return value if isinstance(value, str) and value else None

    def checked(self, block_id: str) -> set[str]:
        """The values of the ticked checkboxes."""
        found = self.element(block_id).get("selected_options")
        options = found if isinstance(found, list) else []
        return {str(o.get("value")) for o in options if isinstance(o, dict) and o.get("value")}

    def date(self, block_id: str) -> str | None:
        value = self.element(block_id).get("selected_date")
        return value if isinstance(value, str) and value else None

    def metadata_int(self, name: str) -> int | None:
        value = self.metadata.get(name)
        valid = isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID
        return value if valid else None

    def metadata_ids(self, name: str) -> list[str]:
        value = self.metadata.get(name)
        return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []

    def metadata_str(self, name: str) -> str | None:
        value = self.metadata.get(name)
        return value if isinstance(value, str) and value else None


def tell_user(
    client: WebClient, user_id: str, payload: dict[str, Any], *, channel_id: str | None = None, respond=None
) -> None:
    """An answer only the person sees: through the response_url, as an ephemeral in the channel
    they were in, or else in their DM with the bot."""
    if respond is not None:
        respond(response_type="ephemeral", replace_original=False, **payload)
        return
    if channel_id:
        try:
            client.chat_postEphemeral(channel=channel_id, user=user_id, **payload)
            return
        except SlackApiError as error:
            log.info("ephemeral answer not possible in %s: %s", channel_id, error.response.get("error"))
    client.chat_postMessage(channel=user_id, **payload)


FORM_ERROR_MAX = 150  # Slack cuts an input's error text around here


def refuse_form(
    ack, error, locale: str, blocks_by_code: dict[str, str], default_block: str, *, name: Name | None = None
) -> None:
    """Keeps the form open with the refusal shown under the input it is about (people named by `name`)."""
    message = error_text(error, locale, plain=True, name=name)[:FORM_ERROR_MAX]
    ack(response_action="errors", errors={blocks_by_code.get(error.code, default_block): message})


def submission_of(ack, body: dict[str, Any], logger, what: str) -> Submission | None:
    """The submitted form, or None (acknowledged and logged) when the payload is not one we can read."""
    try:
        return Submission.from_body(body)
    except MalformedPayload as error:
        ack()
        logger.warning("ignored %s: %s", what, error)
        return None


EXPIRED_TRIGGER_ERRORS = {"expired_trigger_id", "invalid_trigger_id", "exchanged_trigger_id"}


def open_form(client: WebClient, body: dict[str, Any], view: dict[str, Any]) -> None:
    """Opens a modal for a click; a trigger Slack no longer honours (over 3 s old, or used) becomes a
    clear answer instead of silence."""
    from services.errors import DomainError

    trigger = body.get("trigger_id")
    if not isinstance(trigger, str) or not trigger:
        raise DomainError("form.expired")
    try:
        client.views_open(trigger_id=trigger, view=view)
    except SlackApiError as error:
        if error.response.get("error") in EXPIRED_TRIGGER_ERRORS:
            raise DomainError("form.expired") from None
        raise


def never_fails_a_submission(default_block: str, locale_of: Callable[[dict[str, Any]], str]):
    """Wraps a view_submission listener so an unexpected error still answers Slack (an error shown on
    `default_block`) instead of a 500, which would leave the person facing a form that says nothing."""

    def decorate(listener):
        def wrapped(ack, body, client, logger):
            acked = []

            def tracking_ack(*args, **kwargs):
                acked.append(True)
                return ack(*args, **kwargs)

            try:
                listener(tracking_ack, body, client, logger)
            except Exception:
                logger.exception("form %s failed", (body.get("view") or {}).get("callback_id"))
                if not acked:
                    text = t("common.unexpected", locale_of(body), plain=True)[:150]
                    ack(response_action="errors", errors={default_block: text})

        return wrapped

    return decorate
