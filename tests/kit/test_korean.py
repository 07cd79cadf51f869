"""Korean particles chosen from the word they follow: 받침, ㄹ apart for 로, numbers and Latin letters by
their Korean reading, closing markup and parentheses skipped, and `{을}` fields in a catalog string."""

from __future__ import annotations

import pytest

from kit.i18n import placeholders, render, t
from kit.i18n.korean import CONSONANT, RIEUL, VOWEL, particle, sound
from kit.text import mention


@pytest.mark.parametrize(
    ("word", "ending"),
    [
        ("경기도", VOWEL),
        ("보건정책과", VOWEL),
        ("서울시청", CONSONANT),
        ("협약안", CONSONANT),
        ("호텔", RIEUL),
        ("시범 학교 공기청정기 구매", VOWEL),
    ],
)
def test_a_hangul_word_is_read_by_its_last_syllables_final_consonant(word, ending):
    assert sound(word) == ending


@pytest.mark.parametrize(
    ("number", "ending"),
    [
        ("0", CONSONANT),  # 영
        ("1", RIEUL),  # 일
        ("2", VOWEL),  # 이
        ("3", CONSONANT),  # 삼
        ("4", VOWEL),  # 사
        ("5", VOWEL),  # 오
        ("6", CONSONANT),  # 육
        ("7", RIEUL),  # 칠
        ("8", RIEUL),  # 팔
        ("9", VOWEL),  # 구
        ("10", CONSONANT),  # 십
        ("11", RIEUL),  # 십일
        ("20", CONSONANT),  # 이십
        ("100", CONSONANT),  # 백
        ("1000", CONSONANT),  # 천
        ("1,000", CONSONANT),
        ("10000", CONSONANT),  # 만
        ("100000000", CONSONANT),  # 억
        ("1000000000000", VOWEL),  # 조
        ("2.5", VOWEL),  # 이 점 오
        ("2026-12-07", RIEUL),  # … 칠
        ("40%", VOWEL),  # 사십 퍼센트
    ],
)
def test_a_number_is_read_as_it_is_said_in_korean(number, ending):
    assert sound(number) == ending


def test_latin_letters_are_read_by_their_korean_names():
    consonant_ended = {"L": RIEUL, "M": CONSONANT, "N": CONSONANT, "R": RIEUL}  # 엘 엠 엔 알
    for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        assert sound(letter) == consonant_ended.get(letter, VOWEL), letter
    assert sound("ATOPY") == VOWEL and sound("HTML") == RIEUL and sound("P-1") == RIEUL and sound("P-3") == CONSONANT


def test_an_english_word_is_read_by_a_small_rule_of_its_ending():
    assert [sound(w) for w in ("plan", "team", "meeting", "mail", "Google", "Slack")] == [
        CONSONANT,
        CONSONANT,
        CONSONANT,
        RIEUL,
        RIEUL,
        CONSONANT,
    ]
    assert [sound(w) for w in ("bot", "web", "app", "test", "report", "data", "here")] == [
        CONSONANT,
        CONSONANT,
        CONSONANT,
        VOWEL,
        VOWEL,
        VOWEL,
        VOWEL,
    ]


def test_closing_markup_quotes_and_punctuation_are_skipped():
    assert sound("*협약안*") == CONSONANT
    assert sound("`ATOPY`") == VOWEL
    assert sound("“화성시”") == VOWEL
    assert sound("_초안._") == CONSONANT
    assert sound("B안 &lt;!here&gt;") == VOWEL  # escaped text: > closes, "here" is 히어


def test_a_parenthesis_is_skipped_and_the_word_before_it_chooses():
    assert sound("*아토피 없는 경기도* (`P-3`)") == VOWEL  # 경기도를, not 삼을
    assert sound("기한(2026-12-07)") == CONSONANT
    assert sound("(P-1)") == RIEUL  # nothing before it: the words inside


def test_nothing_spoken_is_none():
    assert sound(mention("U1")) is None and sound(":memo:") is None and sound("") is None


@pytest.mark.parametrize(
    ("word", "forms"),
    [
        ("경기도", ("를", "가", "는", "와", "로")),
        ("협약안", ("을", "이", "은", "과", "으로")),
        ("호텔", ("을", "이", "은", "과", "로")),  # ㄹ takes 로
        ("1", ("을", "이", "은", "과", "로")),
        ("3", ("을", "이", "은", "과", "으로")),
        ("10", ("을", "이", "은", "과", "으로")),
        ("L", ("을", "이", "은", "과", "로")),
        ("M", ("을", "이", "은", "과", "으로")),
        ("A", ("를", "가", "는", "와", "로")),
    ],
)
def test_each_pair_takes_the_form_its_word_calls_for(word, forms):
    assert tuple(particle(word, p) for p in ("을", "이", "은", "과", "으로")) == forms
    assert tuple(particle(word, p) for p in ("를", "가", "는", "와", "로")) == forms  # either form names the pair


def test_a_catalog_string_writes_the_particle_as_a_field_and_it_is_not_a_value():
    assert placeholders("지시 #{id}{을} 확인했습니다.") == {"id"}
    assert render("지시 #{id}{을} 확인했습니다.", {"id": 3}) == "지시 #3을 확인했습니다."
    assert render("지시 #{id}{을} 확인했습니다.", {"id": 2}) == "지시 #2를 확인했습니다."
    assert render("“{option}”{으로} 투표했습니다.", {"option": "화성시"}) == "“화성시”로 투표했습니다."
    assert render("“{option}”{으로} 투표했습니다.", {"option": "수원시청"}) == "“수원시청”으로 투표했습니다."


def test_particles_follow_escaped_values_and_plain_strings_alike():
    assert t("error.approval.not_found", "ko", id=1).startswith("결재 #1을 찾을 수 없습니다.")
    assert t("error.approval.not_found", "ko", id=2).startswith("결재 #2를 찾을 수 없습니다.")
    assert t("discussion.voted", "ko", id=7, option="A안 <초안>") == "토론 #7에 “A안 &lt;초안&gt;”으로 투표했습니다."
    assert t("discussion.voted", "ko", plain=True, id=7, option="호텔") == "토론 #7에 “호텔”로 투표했습니다."


def test_english_plurals_are_chosen_by_count():
    assert render("{count:# member|# members}", {"count": 1}) == "1 member"
    assert render("{count:# member|# members}", {"count": 0}) == "0 members"
    assert render("{count:# member|# members}", {"count": 3}) == "3 members"
    assert render("{points:# point|# points}", {"points": "+1"}) == "+1 point"
    assert render("{points:# point|# points}", {"points": "-5"}) == "-5 points"
    assert render("over {count:the last period|the last # periods}", {"count": 1}) == "over the last period"
