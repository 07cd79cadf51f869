"""Carrying an answer to Slack: a word only the person sees, a modal on a trigger, files in their DM."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from services.errors import DomainError

log = logging.getLogger(__name__)

EXPIRED_TRIGGER_ERRORS = {"expired_trigger_id", "invalid_trigger_id", "exchanged_trigger_id"}


def tell_user(
    client: WebClient, user_id: str, payload: dict[str, Any], *, channel_id: str | None = None, respond=None
) -> None:
    """An answer only the person sees: through the response_url, as an ephemeral in the channel they were
    in, or else in their DM with the bot."""
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


def open_modal(client: WebClient, trigger_id: str, view: dict[str, Any]) -> None:
    """views.open; a trigger Slack no longer honours (over 3 s old, or used) is said as a refusal."""
    if not trigger_id:
        raise DomainError("form.expired")
    try:
        client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as error:
        if error.response.get("error") in EXPIRED_TRIGGER_ERRORS:
            raise DomainError("form.expired") from None
        raise


def upload(client: WebClient, user_id: str, comment: str, files: list[dict[str, Any]]) -> None:
    """Files in the person's DM with the bot (files_upload_v2 needs a channel id, not a user id)."""
    dm = client.conversations_open(users=user_id)["channel"]["id"]
    client.files_upload_v2(channel=dm, initial_comment=comment, file_uploads=files)
