"""Property-based tests of every parser of user text (issue 9, bad input): command words, Slack markup,
escaping and cutting for display, months, poll options, quiet hours, and the console's mrkdwn and widths.

Each parser is fed arbitrary text and must either give a value that keeps its documented invariants or
refuse with the documented error (DomainError, or ValueError where the docstring says so), nothing else.

The number of examples comes from the hypothesis profile (tests/hardening/conftest.py): the default
``ci`` profile is quick; the long run generates at least 10,000 inputs over the folder::

    HYPOTHESIS_PROFILE=full .venv/bin/python -m pytest -q tests/hardening
"""

from __future__ import annotations

import re
from datetime import date, time

from hypothesis import example, given
from hypothesis import strategies as st

from bot.console.render import clip, mrkdwn, pad, width
from handlers.parsing import parse_date, split_subcommand, tokenize
from kit.text import Raw, escape, escape_within, plain, truncate
from services.errors import DomainError
from services.ledger import Month
from services.poll_options import LABEL_MAX, MAX_OPTIONS, MIN_OPTIONS, clean_options
from services.working_time import QuietHours
from tests.hardening import budget
from tests.hardening.strategies import words

ENTITY = re.compile(r"&(?:amp|lt|gt);")
OPTION_NAMES = ("key", "due", "kind", "until")


def unescape(text: str) -> str:
    return re.sub(r"&(amp|lt|gt);", lambda m: {"amp": "&", "lt": "<", "gt": ">"}[m.group(1)], text)


def no_live_markup(text: str) -> bool:
    """No <, > at all, and every & starts one of the three entities."""
    return "<" not in text and ">" not in text and "&" not in ENTITY.sub("", text)


command_text = st.one_of(words(("new", "show", "list", "request", "close", "me", "help")), st.text(max_size=300))


# -- handlers/parsing.py ---------------------------------------------------------------------------


@given(command_text, st.lists(st.sampled_from(OPTION_NAMES), max_size=4).map(tuple))
def test_tokenize_puts_every_word_in_exactly_one_place(text, option_names):
    budget.tick()
    tokens = tokenize(text, option_names)
    option_words = [w for w in text.split() if re.fullmatch(r"([a-z]+)=(\S+)", w) and w.split("=")[0] in option_names]
    assert len(tokens.users) + len(tokens.channels) + len(option_words) + len(tokens.words) == len(text.split())
    assert all(re.fullmatch(r"[UW][A-Z0-9]+", u) for u in tokens.users)
    assert all(re.fullmatch(r"[CG][A-Z0-9]+", c) for c in tokens.channels)
    assert set(tokens.options) <= set(option_names)
    assert all(v and not any(ch.isspace() for ch in v) for v in tokens.options.values())
    # what is left is free text: reading it again finds no mention, channel or option in it
    again = tokenize(" ".join(tokens.words), option_names)
    assert (again.users, again.channels, again.options, again.words) == ([], [], {}, tokens.words)
    assert tokens.text == tokens.text.strip()
    assert no_live_markup(escape(tokens.text))


@given(
    st.lists(st.sampled_from(["U1", "U2", "W3", "UABC9"]), max_size=4),
    st.lists(st.sampled_from(["C1", "G2"]), max_size=3),
    st.lists(st.text(alphabet="abc가나 ", max_size=8).filter(lambda w: w.strip()), max_size=4),
)
def test_tokenize_finds_mentions_and_channels_in_order(users, channels, free):
    budget.tick()
    parts = [f"<@{u}|name>" for u in users] + [f"<#{c}|ch>" for c in channels] + free
    tokens = tokenize(" ".join(parts))
    assert tokens.users == users
    assert tokens.channels == channels
    assert tokens.text == " ".join(" ".join(free).split())


@given(command_text)
def test_split_subcommand_gives_a_lowercase_head_and_the_rest(text):
    budget.tick()
    head, rest = split_subcommand(text)
    assert " " not in head
    assert rest == rest.strip()
    if all(c == " " or not c.isspace() for c in text):  # words apart by spaces only (see the xfail below)
        first, *others = text.split() or [""]
        assert head == first.lower()
        assert rest.split() == others


@given(st.sampled_from(["show", "list", "help"]), st.sampled_from(["\t", "\n", "\u3000"]), st.sampled_from(["ATOPY"]))
def test_split_subcommand_splits_on_any_whitespace(sub, space, rest):
    budget.tick()
    assert split_subcommand(f"{sub}{space}{rest}") == (sub, rest)


@given(
    st.one_of(st.dates().map(date.isoformat), st.text(max_size=40), st.from_regex(r"\d{4}-\d{2}-\d{2}", fullmatch=True))
)
@example("2027-02-30")
@example("٢٠٢٧-٠١-٣١")
def test_parse_date_gives_a_date_or_none(value):
    budget.tick()
    parsed = parse_date(value)
    assert parsed is None or isinstance(parsed, date)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value, flags=re.ASCII) and parsed is not None:
        assert parsed.isoformat() == value


@given(st.dates())
def test_parse_date_reads_every_iso_date(day):
    budget.tick()
    assert parse_date(day.isoformat()) == day


# -- bot/text.py ------------------------------------------------------------------------------------


@given(st.text())
def test_escape_leaves_no_markup_and_round_trips(text):
    budget.tick()
    shown = escape(text)
    assert no_live_markup(shown)
    assert unescape(shown) == text
    assert escape(Raw("<@U1>")) == "<@U1>"


# One piece of what a person typed, as Slack sends it (should_escape: true), and what they meant.
markup_soup = st.lists(
    st.sampled_from(["&", "lt;", "gt;", "amp;", "<", ">", "@U1", "!", "|", "a", "가", " "]), max_size=12
)
typed_literal = st.one_of(st.text(max_size=20), markup_soup.map("".join)).map(lambda s: (escape(s), s))
typed_token = st.sampled_from(
    [
        ("<@U123|kim>", "@kim"),
        ("<@U123>", "@U123"),
        ("<#C1|general>", "#general"),
        ("<#C1>", "#C1"),
        ("<!channel>", "@channel"),
        ("<!here|here>", "@here"),
        ("<!everyone>", "@everyone"),
        ("<!subteam^S1|@ops>", "@ops"),
        ("<!subteam^S1>", "@team"),
        ("<!date^1392734382^{date_short}|Feb 18, 2014>", "Feb 18, 2014"),
        ("<http://evil.example|safe.go.kr>", "http://evil.example"),
        ("<https://a.example/x?y=1&amp;z=2>", "https://a.example/x?y=1&z=2"),
        ("<mailto:a@b.kr|write>", "mailto:a@b.kr"),
    ]
)


@given(st.lists(st.one_of(typed_literal, typed_token), max_size=8))
def test_plain_gives_back_what_the_person_meant(pieces):
    budget.tick()
    sent = "".join(raw for raw, _ in pieces)
    meant = "".join(text for _, text in pieces)
    assert plain(sent, from_command=True) == meant
    # and shown again it is inert: nothing pings, nothing hides a link
    assert no_live_markup(escape(plain(sent, from_command=True)))


@given(st.one_of(st.text(max_size=200), markup_soup.map("".join)))
def test_plain_never_fails_and_is_inert_once_escaped(text):
    budget.tick()
    for from_command in (True, False):
        flattened = plain(text, from_command=from_command)
        assert no_live_markup(escape(flattened))
    # text without Slack tokens (what should_escape makes of anything typed) comes back exactly
    assert plain(escape(text), from_command=True) == text


@given(st.text(max_size=300), st.integers(min_value=1, max_value=400))
def test_truncate_stays_within_the_limit(text, limit):
    budget.tick()
    cut = truncate(text, limit)
    assert len(cut) <= limit
    if len(text) <= limit:
        assert cut == text
    else:
        assert cut.endswith("…") and text.startswith(cut[:-1]) and len(cut) == limit


@given(
    st.text(alphabet=st.sampled_from("ab가&<>\n🙂"), max_size=400) | st.text(max_size=300),
    st.integers(min_value=1, max_value=400),
)
@example("&" * 50, 7)
@example("<" * 10 + "a", 5)
def test_escape_within_stays_within_its_limit_and_never_cuts_an_entity(text, limit):
    budget.tick()
    shown = escape_within(text, limit)
    assert len(shown) <= limit
    full = escape(text)
    if len(full) <= limit:
        assert shown == full
    else:
        assert shown.endswith("…")
        body = shown[:-1]
        assert no_live_markup(body)  # an entity cut in half would leave a bare "&"
        assert text.startswith(unescape(body))
        assert len(shown) >= limit - 4  # it keeps as much as fits (an entity is at most 5 characters)


@given(st.text(min_size=3, max_size=50), st.integers(min_value=-3, max_value=0))
def test_escape_within_a_limit_below_one(text, limit):
    budget.tick()
    assert len(escape_within(text, limit)) <= max(limit, 1)


# -- services: months, poll options, quiet hours ----------------------------------------------------


@given(st.one_of(st.from_regex(r"\d{4}-\d{1,2}", fullmatch=True), st.text(max_size=30), st.integers().map(str)))
@example("2026-13")
@example("٢٠٢٦-٠١")
@example("9" * 5000 + "-1")
def test_month_parse_gives_a_month_in_range_or_refuses(text):
    budget.tick()
    try:
        month = Month.parse(text)
    except DomainError as error:
        assert error.code == "report.bad_month"
        assert len(error.params["value"]) <= 20
        return
    assert 2000 <= month.year <= 2100 and 1 <= month.month <= 12
    assert Month.parse(str(month)) == month
    assert re.fullmatch(r"\d{4}-\d{2}", str(month))
    start, end = month.bounds("Asia/Seoul")
    assert start < end


@given(st.integers(2000, 2100), st.integers(1, 12))
def test_month_parse_reads_every_month_it_writes(year, month):
    budget.tick()
    assert Month.parse(f" {year}-{month} ") == Month(year, month)
    assert str(Month.parse(f"{year}-{month:02d}")) == f"{year}-{month:02d}"


@given(st.lists(st.one_of(st.text(max_size=90), st.sampled_from(["A", " A ", "B", "", "   ", "x" * 76])), max_size=14))
def test_clean_options_gives_a_valid_poll_or_refuses(raw):
    budget.tick()
    try:
        labels = clean_options(raw)
    except DomainError as error:
        assert error.code in {"poll.too_few", "poll.too_many", "poll.option_too_long"}
        distinct = list(dict.fromkeys(r.strip() for r in raw if r.strip()))
        if error.code == "poll.too_few":
            assert 0 < len(distinct) < MIN_OPTIONS
        elif error.code == "poll.too_many":
            assert len(distinct) > MAX_OPTIONS
        else:
            assert any(len(label) > LABEL_MAX for label in distinct)
        return
    assert labels == [] or MIN_OPTIONS <= len(labels) <= MAX_OPTIONS
    assert len(set(labels)) == len(labels)
    assert all(label == label.strip() and label and len(label) <= LABEL_MAX for label in labels)
    assert labels == list(dict.fromkeys(r.strip() for r in raw if r.strip()))


naive_time = st.times()


@given(
    st.one_of(st.text(max_size=30), st.builds(lambda a, b: f"{a:%H:%M}-{b:%H:%M}", naive_time, naive_time)), naive_time
)
@example("off", time(12, 0))
@example("19:00-08:00", time(7, 59))
def test_quiet_hours_parse_gives_hours_that_answer_or_refuses(text, moment):
    budget.tick()
    try:
        quiet = QuietHours.parse(text)
    except ValueError:
        return
    assert isinstance(quiet.contains(moment), bool)
    assert re.fullmatch(r"\d{2}:\d{2}-\d{2}:\d{2}", str(quiet))


@given(naive_time, naive_time, naive_time)
def test_quiet_hours_wrap_midnight(start, end, moment):
    budget.tick()
    start, end = start.replace(second=0, microsecond=0), end.replace(second=0, microsecond=0)
    quiet = QuietHours.parse(f"{start:%H:%M}-{end:%H:%M}")
    assert (quiet.start, quiet.end) == (start, end)
    inside = quiet.contains(moment)
    if start == end:
        assert not inside
    elif start < end:
        assert inside == (start <= moment < end)
    else:
        assert inside == (moment >= start or moment < end)


@given(st.sampled_from(["19:00+09:00-08:00", "19:00-08:00+09:00", "22:00Z-06:00Z", "19:00-08:00-05:00"]), naive_time)
def test_quiet_hours_with_an_offset_are_refused_or_work(text, moment):
    budget.tick()
    try:
        quiet = QuietHours.parse(text)
    except ValueError:
        return
    quiet.contains(moment)


# -- the console's rendering (bot/console/render.py) ------------------------------------------------


@given(st.text(max_size=200))
def test_width_counts_columns_additively(text):
    budget.tick()
    total = width(text)
    assert 0 <= total <= 2 * len(text)
    assert total == sum(width(c) for c in text)
    half = len(text) // 2
    assert width(text[:half]) + width(text[half:]) == total
    if text.isascii() and text.isprintable():
        assert total == len(text)


@given(st.text(max_size=100), st.integers(min_value=1, max_value=100))
def test_pad_and_clip_fit_the_columns(text, columns):
    budget.tick()
    assert width(pad(text, columns)) == max(columns, width(text))
    clipped = clip(text, columns)
    assert width(clipped) <= columns
    if width(text) > columns:
        assert clipped.endswith("…") and text.startswith(clipped[:-1])


@given(st.one_of(words(("new", "show")), st.text(max_size=200)), st.booleans())
@example("<@U1|kim> <#C1|general> <!channel> <http://x|y> <!subteam^S1|@ops> <>", True)
@example("*a* _b_ :zzz: :nope: &amp;lt; &lt;b&gt;", False)
def test_mrkdwn_never_fails(text, known_names):
    budget.tick()
    names = (lambda uid: {"U1": "김민수"}.get(uid, uid)) if known_names else (lambda uid: uid)
    shown = mrkdwn(text, names)
    assert isinstance(shown, str)
    assert width(shown) >= 0


@given(st.text(alphabet=st.characters(blacklist_characters="*_:~`"), max_size=200))
def test_mrkdwn_shows_escaped_text_as_it_was_typed(text):
    budget.tick()
    assert mrkdwn(escape(text)) == text


@given(st.sampled_from(["U1", "U2", "UX"]), st.text(alphabet="abc김", min_size=1, max_size=6))
def test_mrkdwn_mentions_become_names(user, label):
    budget.tick()
    names = {"U1": "김민수"}.get
    shown = mrkdwn(f"hi <@{user}|{label}> in <#C1|{label}>", lambda uid: names(uid) or uid)
    expected = "김민수" if user == "U1" else label
    assert shown == f"hi @{expected} in #{label}"
