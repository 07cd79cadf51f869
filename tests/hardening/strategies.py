"""Hypothesis strategies for what people (and forgers) send: Slack-escaped command text, ids, dates, options."""

from __future__ import annotations

from hypothesis import strategies as st

# Anything a person can type, including control characters, right-to-left marks, emoji and wide characters.
# (Surrogates cannot be sent over HTTP, so st.text() leaves them out as Slack would.)
any_text = st.text(max_size=60)
korean = st.text(alphabet=st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3), min_size=1, max_size=12)
whitespace = st.sampled_from([" ", "  ", "\t", "\n", "\u3000", "\u00a0", " \n "])

# Users the test workspace knows (and a few it does not); the bot may mention these legitimately.
KNOWN_USERS = ("U1", "U2", "U3", "U9", "UADMIN")
MENTIONABLE = (*KNOWN_USERS, "UNOBODY1", "W0ABC")
# Markup the bot must never send back live, glued into words so it is never read as a mention argument.
INJECTIONS = (
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<!here|here>",
    "<!subteam^S1|@ops>",
    "<@U666>",
    "<@U666|evil>",
    "<http://evil.example|safe.go.kr>",
    "<https://phish.example|gov>",
    "&lt;!channel&gt;",
    "&lt;@U666&gt;",
    "&amp;lt;",
    "*bold* _it_ ~s~ `code` ```pre```",
    ":white_check_mark:",
)

mention = st.builds(
    lambda user, label: f"<@{user}|{label}>" if label else f"<@{user}>",
    st.sampled_from(MENTIONABLE),
    st.one_of(st.just(""), st.sampled_from(["kim", "lee", "park", "김민수", "x y"])),
)
channel = st.builds(
    lambda ch, label: f"<#{ch}|{label}>" if label else f"<#{ch}>",
    st.sampled_from(["C1", "C9", "G1", "CNOPE"]),
    st.one_of(st.just(""), st.sampled_from(["general", "atopy", "비밀"])),
)
glued_injection = st.builds(
    lambda a, inj, b: f"{a}{inj}{b}",
    st.sampled_from(["x", "가", "("]),
    st.sampled_from(INJECTIONS),
    st.sampled_from(["", "!", "y"]),
)

valid_date = st.dates().map(lambda d: d.isoformat())
odd_date = st.sampled_from(
    [
        "2027-02-30",
        "2027-13-01",
        "2027-1-1",
        "20270131",
        "2027-W01-1",
        "0000-01-01",
        "9999-12-31",
        "1999-12-31",
        "yesterday",
        "２０２７-０１-３１",
        "2027-01-31T10:00",
        "2027/01/31",
        "",
        "-",
    ]
)
date_text = st.one_of(valid_date, odd_date)
number = st.one_of(
    st.integers(min_value=-5, max_value=30).map(str),
    st.sampled_from(
        [
            "#1",
            "#2",
            "0",
            "-1",
            "²",
            "١",
            "٣",
            "1e3",
            "0x1",
            "+1",
            "1.0",
            "01",
            "2147483647",
            "2147483648",
            "9223372036854775808",
            "99999999999999999999999999",
            "#",
            "##1",
        ]
    ),
)
percent = st.one_of(
    st.integers(min_value=-5, max_value=130).map(lambda n: f"{n}%"),
    st.sampled_from(["%", "50%%", "²%", "٤٠%", "40 %", "1e2%", "100.0%", "99999999999999999999%"]),
)
month = st.one_of(
    st.builds(lambda y, m: f"{y}-{m:02d}", st.integers(1990, 2110), st.integers(0, 13)),
    st.sampled_from(["2026-1", "2026-001", "٢٠٢٦-٠١", "2026-", "-01", "2026--01", "9999999999-01", "2026-01-01"]),
)
key = st.sampled_from(["ATOPY", "atopy", "P-1", "P-999999999999", "NOPE", "OTHER", "<#C1|atopy>", "A" * 25, "키"])


def option(names: tuple[str, ...]) -> st.SearchStrategy[str]:
    value = st.one_of(date_text, key, number, st.sampled_from(["report", "plan", "action", "REPORT", "x"]), any_text)
    return st.builds(lambda n, v: f"{n}={v}", st.sampled_from(names), value)


def words(subcommands: tuple[str, ...], options: tuple[str, ...] = ()) -> st.SearchStrategy[str]:
    """Command text: a subcommand (or not), then a mix of the pieces people and forgers type."""
    piece = st.one_of(
        [
            key,
            mention,
            channel,
            glued_injection,
            number,
            percent,
            month,
            date_text,
            korean,
            any_text,
            *([option(options)] if options else []),
        ]
    )
    long_text = st.builds(
        lambda c, n: c * n, st.sampled_from(["가", "a", "&lt;", "<@U1|kim> ", "é", "🙂"]), st.integers(500, 4000)
    )
    body = st.lists(piece, max_size=8).flatmap(
        lambda parts: st.lists(whitespace, min_size=len(parts), max_size=len(parts)).map(
            lambda spaces: "".join(s + p for s, p in zip(spaces, parts, strict=True))
        )
    )
    head = st.one_of(st.sampled_from(subcommands), st.sampled_from(subcommands).map(str.upper), st.just(""), key)
    return st.one_of(
        st.builds(lambda h, b: f"{h}{b}", head, body),
        st.builds(lambda h, b: f"{h} {b}", head, long_text),
        any_text,
    )
