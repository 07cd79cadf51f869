"""Logs never carry a token, the signing secret, a response_url or a file upload URL."""

from __future__ import annotations

import logging

import pytest

from bot.logs import RedactingFilter


@pytest.mark.parametrize(
    "message",
    [
        "token xoxb-1234-5678-abcdef in text",
        "user token xoxp-99-88 and app token xapp-1-A1-99 and refresh xoxe-1-abc",
        "body: response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1%2F123%2Fabc&trigger_id=1",
        '{"response_url": "https://hooks.slack.com/actions/T1/2/xyz"}',
        "posting to https://hooks.slack.com/commands/T1/123/abc now",
        "the signing secret is sup3r-s1gning-secret",
        "Received the following response - body: {'ok': True, 'upload_url': 'https://files.slack.com/upload/v1/CwAB'}",
        "Sending a request - url: https://files.slack.com/upload/v1/CwABGh7, query_params: {}",
    ],
)
def test_secrets_are_masked(message):
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "%s", (message,), None)
    RedactingFilter(("sup3r-s1gning-secret",)).filter(record)
    shown = record.getMessage()
    for secret in ("xoxb-1234", "xoxp-99", "xapp-1", "xoxe-1", "hooks.slack.com", "sup3r-s1gning-secret", "CwAB"):
        assert secret not in shown


def test_exception_text_is_masked_too():
    try:
        raise RuntimeError("failed with xoxb-123-secret")
    except RuntimeError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "boom", (), __import__("sys").exc_info())
    RedactingFilter().filter(record)
    assert "xoxb-123" not in record.exc_text and "[token]" in record.exc_text
