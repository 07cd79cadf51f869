"""Links to the bot's own messages (a discussion's card), for answers that point at them."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)

ASKED_AT_MOST = 3  # chat.getPermalink calls for one answer, however many messages it links to


def message_links(client: WebClient | None, messages: Iterable[tuple[int, str, str]]) -> dict[int, str]:
    """{record id: permalink} for messages given as (record id, channel, ts). Slack is asked for the first;
    the rest are made the way Slack makes them (`…/archives/CHANNEL/pTS`, the ts without its dot), so a list
    of thirty cards costs one call. A message Slack does not find, or Slack not answering, gives no link."""
    links: dict[int, str] = {}
    base, asked = None, 0
    for record, channel, ts in messages:
        if base is not None:
            links[record] = f"{base}/archives/{channel}/p{ts.replace('.', '')}"
            continue
        if client is None or asked >= ASKED_AT_MOST:
            break
        asked += 1
        try:
            url = client.chat_getPermalink(channel=channel, message_ts=ts).get("permalink")
        except SlackApiError as error:
            log.info("no permalink for a message in %s: %s", channel, error.response.get("error"))
            continue
        if isinstance(url, str) and url:
            links[record] = url
            if "/archives/" in url:
                base = url.split("/archives/", 1)[0]
    return links
