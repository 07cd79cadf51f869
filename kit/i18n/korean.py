"""Korean particles chosen from the word they follow, never written `을(를)`.

A catalog string writes the particle as a field of its own right where it goes, after whatever it
follows: `*{title}*{을} 승인했습니다`, `` `{key}`{은} ``, `“{option}”{으로}`, `지시 #{id}{를}`. Either
form of a pair names it (`{을}` = `{를}`). `t()` resolves the field after the values are filled in and
escaped, from the last spoken character before it:

- closing markup and punctuation are skipped (`*`, `_`, `~`, backquotes, quotes, `.`, `!`, `?`, …);
- a parenthesis is skipped whole: the particle agrees with the word before it, as 국립국어원 advises
  (`경기도(ATOPY)를`), or with what is inside when nothing comes before;
- a Hangul syllable by its final consonant (받침), ㄹ counted apart for 로 / 으로;
- a number by its Korean reading: 1 일, 3 삼, 6 육, 7 칠, 8 팔, 10 십, 100 백, 1000 천, 10000 만 …;
- a Latin letter by its Korean name (L 엘, M 엠, N 엔, R 알; the rest end in a vowel), so keys and
  acronyms read as they are said (`ATOPY-1`, `HTML`); a lower-case English word by a small rule of its
  ending (`plan` 플랜, `Slack` 슬랙, `bot` 봇, `team` 팀, `mail` 메일);
- `%` as 퍼센트.

When nothing spoken can be found (a mention Slack will draw, an emoji), the form after a consonant is
used; catalogs put 님 after a mention instead (`{who}님이`).
"""

from __future__ import annotations

import re

# the pair's form after a vowel, after a consonant, and after ㄹ
_PAIRS: dict[str, tuple[str, str, str]] = {
    "을": ("를", "을", "을"),
    "이": ("가", "이", "이"),
    "은": ("는", "은", "은"),
    "과": ("와", "과", "과"),
    "으로": ("로", "으로", "로"),
    "이나": ("나", "이나", "이나"),
    "이라는": ("라는", "이라는", "이라는"),
    "이며": ("며", "이며", "이며"),
}
_ALIASES = {"를": "을", "가": "이", "는": "은", "와": "과", "로": "으로", "나": "이나", "라는": "이라는", "며": "이며"}
PARTICLES = frozenset(_PAIRS) | frozenset(_ALIASES)

VOWEL, CONSONANT, RIEUL = "vowel", "consonant", "rieul"

_DIGITS = {
    "0": CONSONANT,  # 영
    "1": RIEUL,  # 일
    "2": VOWEL,  # 이
    "3": CONSONANT,  # 삼
    "4": VOWEL,  # 사
    "5": VOWEL,  # 오
    "6": CONSONANT,  # 육
    "7": RIEUL,  # 칠
    "8": RIEUL,  # 팔
    "9": VOWEL,  # 구
}
_LETTERS = {"L": RIEUL, "M": CONSONANT, "N": CONSONANT, "R": RIEUL}  # 엘 엠 엔 알; A 에이 … Z 제트 end in a vowel
_SYMBOLS = {"%": VOWEL}  # 퍼센트
_CLOSERS = set("*_~`'\"”’」』》〉>]}.,!?…:;") | {" ", "\n", "\t"}
_ENTITY = re.compile(r"&(lt|gt|amp);$")
_TOKEN = re.compile(r"<[^<>]*>$|:[a-z0-9_+-]+:$")  # a Slack mention or channel, an emoji
_NUMBER = re.compile(r"[0-9][0-9,]*(?:\.[0-9]+)?$")
_WORD = re.compile(r"[A-Za-z]+$")
_SHORT = {"a", "e", "i", "o", "u"}


def _hangul(char: str) -> str:
    final = (ord(char) - 0xAC00) % 28
    return VOWEL if final == 0 else RIEUL if final == 8 else CONSONANT


def _number(text: str) -> str:
    whole, _, fraction = text.replace(",", "").partition(".")
    if fraction:
        return _DIGITS[fraction[-1]]
    stripped = whole.lstrip("0")
    if not stripped:
        return _DIGITS["0"]
    zeros = len(stripped) - len(stripped.rstrip("0"))
    if zeros == 0:
        return _DIGITS[stripped[-1]]
    # read by its last unit: 십 백 천 만 (십만 … 천만) 억 (… 천억) end in a consonant, 조 (… 천조) in a vowel
    return VOWEL if 12 <= zeros < 16 else CONSONANT


def _latin(word: str) -> str:
    if not any(c.islower() for c in word):  # an acronym or a key: letter by letter
        return _LETTERS.get(word[-1].upper(), VOWEL)
    w = word.lower()
    if w.endswith(("m", "n", "ng")):  # 팀, 플랜, 미팅
        return CONSONANT
    if w.endswith(("l", "le")):  # 메일, 테이블
        return RIEUL
    if w.endswith("ck"):  # 슬랙
        return CONSONANT
    # a short vowel before a final p, t, b closes the syllable (봇, 웹, 앱); otherwise 프, 트, 브
    short = w.rstrip(w[-1]) if len(w) >= 2 and w[-1] == w[-2] else w[:-1]
    if w[-1] in "ptb" and short[-1:] in _SHORT and short[-2:-1] not in _SHORT:
        return CONSONANT
    return VOWEL


def _before_parenthesis(text: str) -> str | None:
    """The text before the parenthesis that `text` ends with, or None when it does not end with one."""
    depth = 0
    for index in range(len(text) - 1, -1, -1):
        if text[index] in ")）":
            depth += 1
        elif text[index] in "(（":
            depth -= 1
            if depth == 0:
                return text[:index]
    return None


def sound(text: str) -> str | None:
    """How `text` ends when read aloud: VOWEL, CONSONANT or RIEUL (ㄹ); None when nothing spoken ends it."""
    while text:
        entity = _ENTITY.search(text)
        if entity:  # escaped: > closes like a bracket, & is 앤드, < is not read out
            if entity.group(1) != "gt":
                return VOWEL if entity.group(1) == "amp" else None
            text = text[: entity.start()]
            continue
        if _TOKEN.search(text):  # Slack draws these: a name we do not know, a picture
            return None
        last = text[-1]
        if last in _CLOSERS:
            text = text[:-1]
            continue
        if last in ")）":
            before = _before_parenthesis(text)
            if before is None:
                text = text[:-1]
                continue
            spoken = sound(before)
            if spoken is not None:
                return spoken
            text = text[len(before) + 1 : -1]  # nothing before it: the words inside
            continue
        if "가" <= last <= "힣":
            return _hangul(last)
        if last.isdigit():
            return _number(_NUMBER.search(text).group(0)) if last in _DIGITS else None
        if last.isascii() and last.isalpha():
            return _latin(_WORD.search(text).group(0))
        return _SYMBOLS.get(last)
    return None


def particle(text: str, name: str) -> str:
    """The form of particle `name` (either form of its pair) that follows `text`."""
    after_vowel, after_consonant, after_rieul = _PAIRS[_ALIASES.get(name, name)]
    ending = sound(text)
    if ending == VOWEL:
        return after_vowel
    return after_rieul if ending == RIEUL else after_consonant
