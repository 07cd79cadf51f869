"""Splitting command text into mentions, channels, options and free text."""

from __future__ import annotations

from handlers.parsing import parse_date, split_subcommand, tokenize


def test_tokenize_separates_mentions_channels_and_options():
    tokens = tokenize("아토피 <@U2|lee> 없는 key=atopy <#C9|atopy> 경기도 <@U3>", option_names=("key",))
    assert tokens.users == ["U2", "U3"]
    assert tokens.channels == ["C9"]
    assert tokens.options == {"key": "atopy"}
    assert tokens.text == "아토피 없는 경기도"


def test_unknown_options_stay_in_the_text():
    assert tokenize("a=b c", option_names=("key",)).text == "a=b c"


def test_free_text_flattens_broadcasts_and_links():
    assert tokenize("<!channel> <http://x|y>").text == "@channel http://x"


def test_split_subcommand_is_case_insensitive():
    assert split_subcommand("  SHOW  atopy ") == ("show", "atopy")
    assert split_subcommand("") == ("", "")


def test_dates():
    assert parse_date("2027-01-31").isoformat() == "2027-01-31"
    assert parse_date("2027-02-30") is None
