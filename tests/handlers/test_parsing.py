"""Splitting command text into mentions, channels, options and free text."""

from __future__ import annotations

import pytest

from handlers.parsing import leading_percent, named_people, parse_date, split_subcommand, tokenize
from services.errors import DomainError


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


def test_korean_option_names_are_read_as_the_english_ones():
    tokens = tokenize(
        "현황 키=ATOPY 기한=2026-12-01 종류=보고 까지=2026-12-31", option_names=("key", "due", "kind", "until")
    )
    assert tokens.options == {"key": "ATOPY", "due": "2026-12-01", "kind": "보고", "until": "2026-12-31"}
    assert tokens.text == "현황"
    assert tokenize("기한=내일 보고", option_names=("kind",)).text == "기한=내일 보고"  # not an option here: text


def test_a_name_typed_as_text_is_refused_by_name():
    with pytest.raises(DomainError) as refused:
        named_people(tokenize("ATOPY <@U2|lee> @홍길동 @김철수, 협약안 @홍길동"))
    assert refused.value.code == "people.not_found"
    assert refused.value.params == {"names": "@홍길동, @김철수"}


def test_mentions_are_the_people_named_and_an_address_or_a_lone_at_is_no_name():
    assert named_people(tokenize("ATOPY <@U2|lee> <@U3> kim@example.go.kr @ 협약안")) == ["U2", "U3"]
    assert named_people(tokenize("ATOPY 협약안")) == []


@pytest.mark.parametrize("written", ["62%", "62 %", "62퍼센트", "62 퍼센트", "62％"])
def test_a_percent_is_read_however_it_is_written(written):
    assert leading_percent(f"{written} 협약서 초안 완료") == (written, "협약서 초안 완료")
    assert leading_percent(written) == (written, "")


@pytest.mark.parametrize("text", ["3 건 완료", "40%협약서 완료", "협약서 % 완료", "퍼센트 계산", ""])
def test_text_that_does_not_start_with_a_percent_keeps_it(text):
    assert leading_percent(text) == (None, text)


def test_a_word_ending_in_a_percent_sign_is_offered_as_a_percent_to_be_checked():
    assert leading_percent("abc% 완료") == ("abc%", "완료")  # refused by progress.validate_percent, as before
