"""The Slack Web API client every part of Onnuri uses."""

from __future__ import annotations

from slack_sdk import WebClient

TIMEOUT_SECONDS = 10  # a listener's calls: Slack wants its answer within 3 s in any case
# The outbox's calls: longer than Slack itself may take (10 s and more when busy), so that an answer that comes
# is heard; one that never comes is an unknown outcome, which the outbox settles by looking before posting again.
OUTBOX_TIMEOUT_SECONDS = 30


def make_client(token: str | None, base_url: str, *, retries: bool = True, timeout: float | None = None) -> WebClient:
    """`retries=False` is the outbox's client (also run-once's and doctor's): no retry handler, since the outbox
    retries itself and must not post twice on a reset, and the patient OUTBOX_TIMEOUT_SECONDS.

    Neither client ever sleeps on a Retry-After: slack_sdk's default handlers retry a broken connection once
    and do not handle 429 at all, so a 429 reaches the caller at once (the outbox caps what it waits)."""
    if timeout is None:
        timeout = TIMEOUT_SECONDS if retries else OUTBOX_TIMEOUT_SECONDS
    client = WebClient(token=token, base_url=base_url, timeout=timeout)
    if not retries:
        client.retry_handlers.clear()
    return client
