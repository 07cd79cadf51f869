"""Every catalog string, rendered in both languages with sample values, reads as a provincial office writes:
particles that fit the word before them (never `을(를)`), one polite register (합니다체, never 회원님), the
glossary's terms, and English nouns in the number their count calls for (never `member(s)`)."""

from __future__ import annotations

import re
from string import Formatter

import pytest

from kit.i18n import catalog, placeholders, t
from kit.i18n.korean import PARTICLES

V, C, L = "vowel", "consonant", "rieul"  # how the word ends: no 받침, a 받침, ㄹ

# the test's own reading of each sample, independent of kit/i18n/korean.py
SAMPLES = [
    ("경기도", V),
    ("보건정책과", V),
    ("서울시청", C),
    ("협약안", C),
    ("호텔", L),
    ("결재선 검토", V),
    *((n, reading) for n, reading in enumerate([C, L, V, C, V, V, C, L, L, V, C])),  # 영 일 이 삼 사 오 육 칠 팔 구 십
    (100, C),
    (1000, C),
    ("L", L),
    ("M", C),
    ("N", C),
    ("R", L),
    ("A", V),
    ("ATOPY", V),
    ("HTML", L),
    ("P-1", L),
    ("P-3", C),
]
# each particle form, and the form each ending calls for
FORMS = {
    "으로": {V: "로", C: "으로", L: "로"},
    "로": {V: "로", C: "으로", L: "로"},
    "을": {V: "를", C: "을", L: "을"},
    "를": {V: "를", C: "을", L: "을"},
    "이": {V: "가", C: "이", L: "이"},
    "가": {V: "가", C: "이", L: "이"},
    "은": {V: "는", C: "은", L: "은"},
    "는": {V: "는", C: "은", L: "은"},
    "과": {V: "와", C: "과", L: "과"},
    "와": {V: "와", C: "과", L: "과"},
}
PARTICLE_AFTER = re.compile(r"(으로|로|을|를|이|가|은|는|과|와)(?![가-힣])")
CLOSING = "*_~`”’\"'"
PAIRED = re.compile(r"[을를이가은는과와]\((을|를|이|가|은|는|과|와)\)|\((으)\)로")


def _render(key: str, locale: str, value) -> str:
    return t(key, locale, **dict.fromkeys(placeholders(catalog(locale)[key]), value))


def _wrong_particles(text: str, value, ending: str) -> list[str]:
    """Particles right after `value` (past closing markup) that do not fit how it ends."""
    shown = str(value)
    wrong = []
    for found in re.finditer(re.escape(shown), text):
        after = found.end()
        if text[after : after + 1].isdigit() or (text[found.start() - 1 : found.start()] or " ").isalnum():
            continue  # part of a longer number or word
        while after < len(text) and text[after] in CLOSING:
            after += 1
        if text[after : after + 1] == ")":
            continue  # in parentheses: the particle follows the word before them
        particle = PARTICLE_AFTER.match(text, after)
        if particle and FORMS[particle.group(1)][ending] != particle.group(1):
            wrong.append(text[found.start() : after + len(particle.group(1)) + 3])
    return wrong


@pytest.mark.parametrize("locale", ["ko", "en"])
def test_no_catalog_string_writes_a_particle_pair(locale):
    written = {key: s for key, s in catalog(locale).items() if PAIRED.search(s)}
    rendered = {key for key in catalog(locale) for value, _ in SAMPLES if PAIRED.search(_render(key, locale, value))}
    assert not written and not rendered


def test_every_korean_string_takes_the_particle_its_value_calls_for():
    wrong = {}
    for key in catalog("ko"):
        for value, ending in SAMPLES:
            if found := _wrong_particles(_render(key, "ko", value), value, ending):
                wrong[(key, value)] = found
    assert not wrong


def test_a_number_written_in_a_string_takes_the_right_particle():
    literal = re.compile(r"(?<![{\w])(\d+)(으로|로|을|를|이|가|은|는|과|와)(?![가-힣])")
    readings = dict(enumerate([C, L, V, C, V, V, C, L, L, V, C]))
    wrong = [
        (key, m.group(0))
        for key, text in catalog("ko").items()
        for m in literal.finditer(text)
        if FORMS[m.group(2)][readings.get(int(m.group(1)) % 10 if int(m.group(1)) % 10 else 10, C)] != m.group(2)
    ]
    assert not wrong


def test_no_particle_follows_a_mention_whose_name_slack_draws():
    """A mention shows a name the bot never sees, so a string puts 님 after it (`{who}님이`), not a particle."""
    people = {"who", "by", "proxy", "approver", "requester", "member", "people", "author", "waiting", "assignees"}
    people |= {"final", "lead", "line", "names", "channel"}
    found = set()
    for key, text in catalog("ko").items():
        before = None  # the field the text so far ends with, past closing markup
        for literal, field, _, _ in Formatter().parse(text):
            if literal.strip(CLOSING):
                before = None
            if field in PARTICLES and before in people:
                found.add(key)
            if field:
                before = field
    assert not found


def test_korean_strings_keep_one_polite_office_register():
    ko = catalog("ko")
    consumer = {key for key, s in ko.items() if "회원님" in s}
    casual = {key for key, s in ko.items() if re.search(r"(세요|해요|에요|예요|어요|아요|지요)(?![가-힣])", s)}
    assert not consumer and not casual


def test_korean_strings_use_the_glossarys_terms():
    ko = catalog("ko")
    # sending a directive back is 보완 요청 everywhere; accepting it is 완료 확인
    assert not {key for key, s in ko.items() if re.search(r"돌려보내|돌려보낸|수용", s)}
    assert ko["directive.button_return"] == ko["directive.modal.return_title"] == ko["directive.status.returned"]
    assert ko["directive.button_return"] == ko["directive.event.returned"] == "보완 요청"
    assert ko["directive.button_accept"] == ko["directive.event.accepted"] == "완료 확인"
    # a request is drafted by its 기안자 and submitted (상신) or resubmitted (재상신)
    assert ko["approval.requester"] == "기안자" and not {key for key, s in ko.items() if "요청자" in s}
    assert ko["approval.event.requested"] == "상신" and ko["approval.event.resubmitted"] == "재상신"
    assert "상신" in ko["approval.requested"] and "상신" in ko["approval.ask"] and "상신" in ko["approval.modal.title"]


def test_english_strings_never_hedge_a_plural():
    assert not {key for key, s in catalog("en").items() if "(s)" in s or "(es)" in s}


@pytest.mark.parametrize(
    ("count", "wrong"), [(1, r"\b1 (\w+ )?(\w+s)\b"), (3, r"\b3 (\w+ )?(member|project|reply|vote)\b")]
)
def test_english_nouns_follow_their_count(count, wrong):
    nouns = {"members", "projects", "replies", "votes", "updates", "notifications", "people", "hours", "points"}
    mismatched = {}
    for key in catalog("en"):
        text = _render(key, "en", count)
        for m in re.finditer(wrong, text):
            if count != 1 or m.group(2) in nouns:
                mismatched[key] = m.group(0)
    assert not mismatched


def test_english_statuses_are_capitalised():
    en = catalog("en")
    statuses = [k for k in en if k.startswith(("approval.status.", "directive.status.", "project.status_"))]
    assert statuses and all(en[k][0].isupper() for k in statuses)
