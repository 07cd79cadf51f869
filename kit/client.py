"""The Slack Web API client every part of Onnuri uses."""

from __future__ import annotations

from slack_sdk import WebClient

TIMEOUT_SECONDS = 10


def make_client(token: str | None, base_url: str, *, retries: bool = True) -> WebClient:
    client = WebClient(token=token, base_url=base_url, timeout=TIMEOUT_SECONDS)
    if not retries:
        client.retry_handlers.clear()  # the outbox retries itself, and must not post twice on a reset
    return client
