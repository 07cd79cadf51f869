"""Flattening Slack markup in user text, and escaping it for display."""

from __future__ import annotations

import pytest

from kit.text import escape, plain, truncate


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("hi <@U123|kim>", "hi @kim"),
        ("hi <@U123>", "hi @U123"),
        ("see <#C1|general>", "see #general"),
        ("<!channel> now", "@channel now"),
        ("<!here|here> <!everyone>", "@here @everyone"),
        ("<!subteam^S1|@ops> team", "@ops team"),
        ("<http://evil.example|safe.gov>", "http://evil.example"),
        ("<mailto:a@b.kr|write>", "mailto:a@b.kr"),
        ("a &lt; b &amp;&amp; c &gt; d", "a < b && c > d"),
    ],
)
def test_command_text_becomes_what_the_person_meant(raw, shown):
    assert plain(raw, from_command=True) == shown


def test_modal_text_keeps_literal_entities():
    assert plain("a &amp; b", from_command=False) == "a &amp; b"


def test_escape_neutralises_markup():
    assert escape("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;"


def test_truncate_adds_ellipsis_within_limit():
    assert truncate("가나다라마", 3) == "가나…"
    assert truncate("short", 10) == "short"
