"""The checker every test's teardown runs must itself catch what it is for."""

from __future__ import annotations

from bot.fakeslack.web_api import Call
from tests.fakes.blockkit import all_problems


def call(method: str, **params) -> Call:
    return Call(method, params, "xoxb-t", 200, 0.0)


def test_valid_message_passes():
    ok = call("chat.postMessage", text="hi", blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}])
    assert all_problems([ok]) == []


def test_missing_fallback_too_many_blocks_and_oversized_text_are_caught():
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}
    problems = all_problems([call("chat.postMessage", blocks=[section] * 51)])
    assert any("no text fallback" in p for p in problems)
    assert any("51 blocks" in p for p in problems)
    assert any("3000" in p for p in problems)


def test_invalid_view_is_caught():
    view = {"type": "modal", "title": {"type": "plain_text", "text": "x" * 30}, "blocks": []}
    assert all_problems([call("views.open", view=view)])


def test_live_markup_and_double_escaping_in_mrkdwn_are_caught_but_plain_text_is_fine():
    live = call("response_url", text="<!channel> hi")
    twice = call(
        "chat.postMessage", text="ok", blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "a &amp;lt; b"}}]
    )
    literal = call(
        "chat.postMessage", text="ok", blocks=[{"type": "header", "text": {"type": "plain_text", "text": "<!channel>"}}]
    )
    assert all_problems([live]) and all_problems([twice])
    assert all_problems([literal]) == []
