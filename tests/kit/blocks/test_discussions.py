"""Discussion builders as plain data: the card with its poll (named and anonymous), the closed card and
the thread summary, lists, the forms, escaping of what people typed, and Slack's limits, in both languages."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from bot.fakeslack.web_api import Call
from kit.blocks import discussions as blocks
from kit.ids import Action, Block, Callback
from kit.reader import Reader
from models import Cadence, DiscussionStatus, MemberRole, ProjectStatus
from services import discussions, poll_options
from services.discussions import DiscussionInfo, OptionInfo
from services.projects import Member, ProjectInfo
from tests.fakes.blockkit import all_problems

KO = Reader("U2", "ko", "Asia/Seoul")
EN = Reader("U2", "en", "Europe/London")
TODAY = date(2026, 11, 23)
OPENED = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
CLOSED_AT = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)  # already the 24th in Seoul, still the 23rd in London
MARKUP = "<!channel> <@U1> <http://evil.example|click> & more"
MARKUP_ESCAPED = "&lt;!channel&gt; &lt;@U1&gt; &lt;http://evil.example|click&gt; &amp; more"


# --- plain data ---------------------------------------------------------------------------------


def options(*voters: tuple[str, ...], labels: tuple[str, ...] = ()) -> tuple[OptionInfo, ...]:
    labels = labels or tuple(f"{chr(ord('A') + n)}안" for n in range(len(voters)))
    pairs = enumerate(zip(labels, voters, strict=True))
    return tuple(OptionInfo(100 + n, n + 1, label, tuple(v)) for n, (label, v) in pairs)


def info(**overrides: Any) -> DiscussionInfo:
    values: dict[str, Any] = dict(
        id=3,
        team_id="T1",
        project_key="ATOPY",
        project_name="아토피 예방",
        opener="U2",
        topic="시범 학교 선정 순서",
        background="작년 결과를 참고합니다.",
        channel_id="C9",
        thread_ts="1763859600.000100",
        status=DiscussionStatus.OPEN,
        closes_on=None,
        anonymous=False,
        conclusion="",
        closed_by=None,
        closed_at=None,
        created_at=OPENED,
        options=(),
        replies=(("U3", 2), ("U4", 1)),
    )
    values.update(overrides)
    return DiscussionInfo(**values)


def closed(**overrides: Any) -> DiscussionInfo:
    values: dict[str, Any] = dict(
        status=DiscussionStatus.CLOSED, conclusion="A안으로 진행합니다.", closed_by="U1", closed_at=CLOSED_AT
    )
    values.update(overrides)
    return info(**values)


def project(name: str = "아토피 예방", key: str = "ATOPY") -> ProjectInfo:
    return ProjectInfo(
        id=1,
        team_id="T1",
        key=key,
        name=name,
        description="",
        status=ProjectStatus.ACTIVE,
        channel_id="C9",
        target_date=None,
        lead_department=None,
        cooperating_departments=(),
        members=(Member("U1", "kim", None, MemberRole.LEAD), Member("U2", "lee", None, MemberRole.MEMBER)),
        created_at=OPENED,
        cadence=Cadence.WEEKLY,
        timezone="Asia/Seoul",
    )


# --- what Slack will see ------------------------------------------------------------------------


def message_problems(payload: dict[str, Any]) -> list[str]:
    return all_problems([Call("chat.postMessage", {"channel": "C9", **payload}, "xoxb-t", 200, 0.0)])


def view_problems(view: dict[str, Any]) -> list[str]:
    return all_problems([Call("views.open", {"trigger_id": "1.2", "view": view}, "xoxb-t", 200, 0.0)])


def valid(payload: dict[str, Any]) -> dict[str, Any]:
    assert str(payload.get("text") or "").strip(), "no text fallback"
    assert not message_problems(payload), message_problems(payload)
    return payload


def mrkdwn(payload: Any) -> str:
    """Every text Slack parses as markup (mrkdwn objects and the fallback), joined."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if value.get("type") == "mrkdwn":
                found.append(value["text"])
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(payload)
    if isinstance(payload, dict) and isinstance(payload.get("text"), str):
        found.append(payload["text"])
    return "\n".join(found)


def action_blocks(payload: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for b in payload["blocks"] if b["type"] == "actions"]


def buttons(payload: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for b in action_blocks(payload) for e in b["elements"]]


def vote_buttons(payload: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for b in buttons(payload) if b["action_id"].startswith(f"{Action.DISCUSSION_VOTE}_")]


# --- the card -----------------------------------------------------------------------------------


def test_vote_action_ids_are_distinct_and_keep_the_listener_prefix():
    ids = [blocks.vote_action(n) for n in range(1, poll_options.MAX_OPTIONS + 1)]
    assert len(set(ids)) == poll_options.MAX_OPTIONS
    assert ids[0] == "discussion_vote_1" and ids[-1] == "discussion_vote_10"
    assert blocks.vote_action(1) not in {Action.DISCUSSION_POLL, Action.DISCUSSION_CLOSE}


def test_open_card_with_a_poll_has_a_vote_button_per_option_and_a_close_button():
    card = valid(blocks.card(info(options=options(("U3",), (), ("U4", "U5"))), KO, TODAY))

    votes = vote_buttons(card)
    assert [b["action_id"] for b in votes] == [blocks.vote_action(1), blocks.vote_action(2), blocks.vote_action(3)]
    assert [b["value"] for b in votes] == ["100", "101", "102"]  # the option ids, nothing else
    assert [b["text"]["text"] for b in votes] == ["A안", "B안", "C안"]
    # every action_id in one actions block must differ, or Slack refuses the message
    for block in action_blocks(card):
        ids = [e["action_id"] for e in block["elements"]]
        assert len(ids) == len(set(ids))
    others = [(b["action_id"], b["value"]) for b in buttons(card) if b not in votes]
    assert others == [(Action.DISCUSSION_CLOSE, "3")]  # no second poll on a discussion that has one


def test_open_card_without_a_poll_offers_to_add_one_and_to_close():
    card = valid(blocks.card(info(), EN, TODAY))

    assert vote_buttons(card) == []
    assert [(b["action_id"], b["value"], b["text"]["text"]) for b in buttons(card)] == [
        (Action.DISCUSSION_POLL, "3", "Add a poll"),
        (Action.DISCUSSION_CLOSE, "3", "Close with a conclusion"),
    ]
    text = mrkdwn(card)
    assert "Reply in this thread to take part." in text and "3 replies" in text and "Opened by <@U2>" in text
    assert card["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Discussion: 시범 학교 선정 순서", "emoji": True},
    }


def test_a_named_card_shows_who_voted_for_what():
    card = valid(blocks.card(info(options=options(("U3",), (), ("U4", "U5"))), KO, TODAY))

    sections = [b["text"]["text"] for b in card["blocks"] if b["type"] == "section"]
    a, b, c = (next(s for s in sections if s.startswith(f"*{label}*")) for label in ("A안", "B안", "C안"))
    assert "<@U3>" in a and "1 (33%)" in a and "<@U4>" not in a
    assert "<@" not in b and "0 (0%)" in b
    assert "<@U4> <@U5>" in c and "2 (67%)" in c and "`▓▓▓▓▓▓▓░░░`" in c
    assert "기명 투표" in mrkdwn(card) and "투표 3표" in mrkdwn(card)


def test_an_anonymous_card_shows_counts_but_never_the_voters():
    card = valid(blocks.card(info(anonymous=True, options=options(("U3",), (), ("U4", "U5"))), EN, TODAY))

    dumped = json.dumps(card)
    assert all(f"<@{voter}>" not in dumped and voter not in dumped for voter in ("U3", "U4", "U5"))
    sections = [b["text"]["text"] for b in card["blocks"] if b["type"] == "section"]
    assert any(s.startswith("*A안*") and "1 (33%)" in s for s in sections)
    assert any(s.startswith("*C안*") and "2 (67%)" in s for s in sections)
    assert "Anonymous poll" in mrkdwn(card) and "3 votes" in mrkdwn(card)
    assert len(vote_buttons(card)) == 3  # still open for voting


def test_a_named_card_shows_eight_voters_and_counts_the_rest():
    many = tuple(f"U{n}" for n in range(10, 22))
    card = valid(blocks.card(info(options=options(many, ())), EN, TODAY))

    line = next(
        b["text"]["text"] for b in card["blocks"] if b["type"] == "section" and b["text"]["text"].startswith("*A안*")
    )
    assert line.count("<@") == blocks.VOTERS_SHOWN and "<@U17>" in line and "<@U18>" not in line
    assert line.endswith("and 4 more")


def test_a_poll_past_its_closing_date_shows_results_without_vote_buttons():
    frozen = info(closes_on=TODAY - timedelta(days=1), options=options(("U3",), ()))

    card = valid(blocks.card(frozen, EN, TODAY))
    on_the_day = blocks.card(frozen, EN, TODAY - timedelta(days=1))

    assert vote_buttons(card) == []
    assert [b["action_id"] for b in buttons(card)] == [Action.DISCUSSION_CLOSE]  # still to be concluded
    assert "Voting closed" in mrkdwn(card) and "Voting until 2026-11-22" in mrkdwn(card)
    assert "<@U3>" in mrkdwn(card)
    assert len(vote_buttons(on_the_day)) == 2 and " · Open" in mrkdwn(on_the_day)


def test_a_closed_card_offers_only_reopening_and_shows_the_conclusion():
    card = valid(blocks.card(closed(options=options(("U3",), ("U4",))), KO, TODAY))

    assert buttons(card) == [] and action_blocks(card) == []
    reopen = card["blocks"][-1]["accessory"]  # beside the conclusion: whoever may close it may reopen it
    assert (reopen["action_id"], reopen["value"], reopen["text"]["text"]) == (
        Action.DISCUSSION_REOPEN,
        str(closed().id),
        "다시 열기",
    )
    last = card["blocks"][-1]["text"]["text"]
    assert last.startswith(":memo: *결론* (<@U1>, 2026-11-24)")  # the date in the reader's zone
    assert last.endswith("A안으로 진행합니다.")
    assert card["blocks"][-2] == {"type": "divider"}
    assert "종료" in mrkdwn(card) and "이 스레드에 댓글로" not in mrkdwn(card)
    assert "*A안*" in mrkdwn(card)  # the results stay on the card


def test_a_closed_card_dates_the_conclusion_in_the_readers_zone():
    card = blocks.card(closed(), EN, TODAY)
    assert "(<@U1>, 2026-11-23)" in card["blocks"][-1]["text"]["text"]


def test_the_card_in_both_languages():
    ko = valid(blocks.card(info(), KO, TODAY))
    en = valid(blocks.card(info(), EN, TODAY))

    assert ko["text"] == "토론 #3: 시범 학교 선정 순서" and en["text"] == "Discussion #3: 시범 학교 선정 순서"
    assert "제안 <@U2>" in mrkdwn(ko) and "댓글 3개" in mrkdwn(ko) and "진행 중" in mrkdwn(ko)
    assert [b["text"]["text"] for b in buttons(ko)] == ["투표 추가", "결론 정리 후 종료"]


def test_what_people_typed_is_escaped_everywhere_on_the_card():
    typed = info(
        topic=f"주제 {MARKUP}",
        background=f"배경 {MARKUP}",
        options=options(("U3",), (), labels=(f"가 {MARKUP}"[:75], "<!here>")),
    )
    card = blocks.card(typed, KO, TODAY)

    text = mrkdwn(card)
    assert MARKUP_ESCAPED in text and "&lt;!here&gt;" in text
    for raw in ("<!channel>", "<!here>", "<@U1>", "<http://evil.example"):
        assert raw not in text
    assert card["text"] == f"토론 #3: 주제 {MARKUP_ESCAPED}"
    assert not message_problems(card), message_problems(card)


def test_a_closed_cards_conclusion_is_escaped():
    card = blocks.card(closed(conclusion=MARKUP, closed_by="U9"), EN, TODAY)

    assert card["blocks"][-1]["text"]["text"].endswith(MARKUP_ESCAPED)
    assert "<@U1>" not in mrkdwn(card) and not message_problems(card)


# --- the summary in the thread ------------------------------------------------------------------


def test_summary_lists_participants_replies_and_votes():
    ended = closed(options=options(("U3", "U5"), ("U4",)), replies=(("U3", 2), ("U6", 1)))

    summary = valid(blocks.summary(ended, EN))

    first = summary["blocks"][0]["text"]["text"]
    assert first.startswith(":checkered_flag: *Discussion #3 is closed*")
    assert "Participants (5): <@U2>, <@U3>, <@U6>, <@U5>, <@U4>" in first
    assert "Replies: 3" in first
    assert "Votes (3): A안 2 · B안 1" in first
    assert summary["blocks"][1]["text"]["text"].endswith("A안으로 진행합니다.")
    assert summary["text"] == "Discussion #3 closed: A안으로 진행합니다."


def test_summary_counts_participants_replies_and_votes():
    """What the summary says, apart from how the mentions are written."""
    ended = closed(options=options(("U3", "U5"), ("U4",)), replies=(("U3", 2), ("U6", 1)))

    ko = valid(blocks.summary(ended, KO))
    en = valid(blocks.summary(ended, EN))

    assert "Participants (5): " in en["blocks"][0]["text"]["text"]
    assert "Replies: 3" in en["blocks"][0]["text"]["text"]
    assert "Votes (3): A안 2 · B안 1" in en["blocks"][0]["text"]["text"]
    assert "참여자 5명" in ko["blocks"][0]["text"]["text"] and "댓글: 3개" in ko["blocks"][0]["text"]["text"]
    assert ko["text"] == "토론 #3 종료: A안으로 진행합니다."
    assert ":memo: *결론* (<@U1>, 2026-11-24)" in ko["blocks"][1]["text"]["text"]


def test_summary_without_a_poll_has_no_votes_line():
    summary = valid(blocks.summary(closed(), EN))

    first = summary["blocks"][0]["text"]["text"]
    assert "Votes" not in first and "Participants (3)" in first and "Replies: 3" in first


def test_summary_names_thirty_participants_and_counts_the_rest():
    crowd = tuple((f"U{n}", 1) for n in range(100, 140))  # 40 repliers and the opener

    summary = valid(blocks.summary(closed(replies=crowd), EN))

    first = summary["blocks"][0]["text"]["text"]
    assert "Participants (41)" in first and "and 11 more" in first
    assert "U128" in first and "U129" not in first  # the opener, then the first 29 repliers


def test_summary_escapes_option_labels_once():
    ended = closed(options=options(("U3",), (), labels=("R&D", "<!channel>")))

    summary = blocks.summary(ended, EN)

    assert "Votes (1): R&amp;D 1 · &lt;!channel&gt; 0" in summary["blocks"][0]["text"]["text"]
    assert not message_problems(summary), message_problems(summary)


def test_an_anonymous_polls_summary_does_not_name_people_who_only_voted():
    ended = closed(anonymous=True, options=options(("U2", "U5"), ()), replies=(("U3", 1),))

    summary = blocks.summary(ended, EN)

    first = summary["blocks"][0]["text"]["text"]
    assert "Votes (2): A안 2 · B안 0" in first
    assert "U5" not in json.dumps(summary)  # U5 never replied: naming them says they voted A안


def test_summary_escapes_the_conclusion_and_its_fallback():
    summary = blocks.summary(closed(conclusion=MARKUP), EN)

    assert summary["blocks"][1]["text"]["text"].endswith(MARKUP_ESCAPED)
    assert summary["text"] == f"Discussion #3 closed: {MARKUP_ESCAPED}"


# --- lists and answers --------------------------------------------------------------------------


def test_decision_log_is_empty_without_decisions():
    assert blocks.decision_log([], KO) == []


def test_decision_log_lists_conclusions_with_their_local_date():
    older = closed(id=1, topic="예산 배분", conclusion="균등 배분", closed_at=CLOSED_AT - timedelta(days=3))
    log = blocks.decision_log([closed(), older], KO)

    assert len(log) == 1 and log[0]["type"] == "section"
    assert log[0]["text"]["text"].splitlines() == [
        "*결정 사항*",
        "• 2026-11-24 *#3 시범 학교 선정 순서*: A안으로 진행합니다.",
        "• 2026-11-21 *#1 예산 배분*: 균등 배분",
    ]


def test_decision_log_cuts_and_escapes_long_topics_and_conclusions():
    line = blocks.decision_log([closed(topic="<!channel>" + "가" * 200, conclusion="&" + "나" * 400)], EN)[0]

    text = line["text"]["text"]
    assert "&lt;!channel&gt;" in text and "<!channel>" not in text and "&amp;" in text
    assert "&lt;!channel&gt;" + "가" * 69 + "…*" in text  # the topic cut at 80 characters, then escaped
    assert "나" * 198 + "…" in text and "나" * 199 not in text  # the conclusion cut at 200


def test_an_empty_discussion_list_says_how_to_start_one():
    payload = valid(blocks.discussion_list(project(), [], EN, TODAY))

    assert payload["text"].startswith("No discussions on `ATOPY` yet. Start one with `/discuss ATOPY")
    assert [b["type"] for b in payload["blocks"]] == ["header", "section"]
    assert payload["blocks"][1]["text"]["text"] == payload["text"]


def test_discussion_list_shows_open_ones_with_counts_then_the_decision_log():
    listed = [
        info(id=5, topic="홍보 방법", replies=()),
        info(id=4, options=options(("U3",), ("U4", "U5"))),
        closed(id=2, topic="예산 배분", conclusion="균등 배분"),
    ]

    payload = valid(blocks.discussion_list(project(), listed, EN, TODAY))

    assert payload["blocks"][0]["text"]["text"] == "Discussions: 아토피 예방 (ATOPY)"
    open_section, log = (b["text"]["text"] for b in payload["blocks"][1:])
    assert open_section.splitlines() == [
        "*Open (2)*",
        "• *#5* 홍보 방법 · 0 replies",
        "• *#4* 시범 학교 선정 순서 · 3 replies · 3 votes",
    ]
    assert log.splitlines() == ["*Decision log*", "• 2026-11-23 *#2 예산 배분*: 균등 배분"]


def test_discussion_list_shows_at_most_fifteen_of_each():
    many_open = [info(id=n) for n in range(100, 120)]
    many_closed = [closed(id=n) for n in range(200, 220)]

    payload = valid(blocks.discussion_list(project(), many_open + many_closed, KO, TODAY))

    open_section, log = (b["text"]["text"] for b in payload["blocks"][1:])
    assert "진행 중 (20)" in open_section and open_section.count("\n• ") == blocks.LIST_SHOWN
    assert log.count("\n• ") == blocks.LIST_SHOWN


LINK = "https://onnuri.slack.com/archives/C9/p1763859600000100"


def test_discussion_list_links_each_discussion_to_its_card():
    listed = [info(id=1), info(id=2), closed(id=3), closed(id=4)]
    links = {1: LINK, 3: LINK.replace("C9", "C8"), 4: "javascript:alert(1)|x"}  # 2's card is not out yet
    text = mrkdwn(valid(blocks.discussion_list(project(), listed, KO, TODAY, links)))
    lines = {n: next(line for line in text.splitlines() if f"#{n}" in line) for n in (1, 2, 3, 4)}
    assert lines[1].endswith(f" · <{LINK}|카드 보기>") and lines[3].endswith(
        "/archives/C8/p1763859600000100|카드 보기>"
    )
    assert "카드 보기" not in lines[2] and "카드 보기" not in lines[4]  # no link, or nothing that looks like one
    assert "Open the card" in mrkdwn(blocks.discussion_list(project(), listed, EN, TODAY, links))


def test_show_is_the_card_with_a_link_to_it_in_its_channel():
    shown = valid(blocks.show(info(), KO, TODAY, LINK))
    assert shown["blocks"][1]["elements"][0]["text"] == f"채널의 토론 카드: <{LINK}|카드 보기>"
    assert shown["blocks"][2:] == blocks.card(info(), KO, TODAY)["blocks"][1:]
    assert valid(blocks.show(closed(), EN, TODAY, None)) == blocks.card(closed(), EN, TODAY)  # no card out: no link


def test_discussion_list_escapes_topics():
    payload = blocks.discussion_list(project(), [info(topic=MARKUP)], EN, TODAY)

    assert MARKUP_ESCAPED in payload["blocks"][1]["text"]["text"]
    assert not message_problems(payload), message_problems(payload)


def test_discussion_list_fallback_escapes_the_project_name():
    payload = blocks.discussion_list(project(name="<!channel> 과제"), [info()], EN, TODAY)

    assert "<!channel>" not in payload["text"]
    assert not message_problems(payload), message_problems(payload)


def test_outcome_is_one_section_with_the_same_fallback_and_escapes_the_topic():
    payload = valid(blocks.outcome("discussion.vote_changed", info(topic=MARKUP), KO, option="B안 <!here>"))

    assert payload["text"] == "토론 #3의 투표를 “B안 &lt;!here&gt;”로 바꾸었습니다."
    assert payload["blocks"] == [{"type": "section", "text": {"type": "mrkdwn", "text": payload["text"]}}]
    closed_ok = valid(blocks.outcome("discussion.closed_ok", info(), EN))
    assert closed_ok["text"].startswith(":checkered_flag: Discussion #3 is closed")


# --- forms --------------------------------------------------------------------------------------


def test_discuss_form_is_valid_and_preselects_the_chosen_project():
    choices = [project("아토피 예방", "ATOPY"), project("청년 일자리", "JOBS")]

    view = blocks.discuss_modal(EN, choices, channel_id="C77", chosen="JOBS")

    assert not view_problems(view), view_problems(view)
    assert view["callback_id"] == Callback.DISCUSSION_NEW
    assert json.loads(view["private_metadata"]) == {"channel_id": "C77"}
    elements = {b["block_id"]: b["element"] for b in view["blocks"]}
    assert elements[Block.DISCUSSION_PROJECT]["initial_option"]["value"] == "JOBS"
    assert [o["value"] for o in elements[Block.DISCUSSION_PROJECT]["options"]] == ["ATOPY", "JOBS"]
    # the form takes no more than the service keeps
    assert elements[Block.DISCUSSION_TOPIC]["max_length"] == discussions.TOPIC_MAX
    assert elements[Block.DISCUSSION_BACKGROUND]["max_length"] == discussions.TEXT_MAX
    optional = {b["block_id"]: b["optional"] for b in view["blocks"]}
    assert not optional[Block.DISCUSSION_TOPIC] and optional[Block.DISCUSSION_OPTIONS]


def test_discuss_form_defaults_to_the_first_project_and_takes_no_channel():
    view = blocks.discuss_modal(KO, [project("아토피 예방", "ATOPY")], channel_id=None, chosen="GONE")

    assert not view_problems(view), view_problems(view)
    project_block = next(b for b in view["blocks"] if b["block_id"] == Block.DISCUSSION_PROJECT)
    assert project_block["element"]["initial_option"]["value"] == "ATOPY"
    assert json.loads(view["private_metadata"]) == {"channel_id": None} and view["title"]["text"] == "토론"


def test_discuss_form_with_many_long_named_projects_stays_valid():
    choices = [project("과" * 200, f"K{n}") for n in range(120)]

    view = blocks.discuss_modal(KO, choices, channel_id="C1", chosen="K119")

    assert not view_problems(view), view_problems(view)
    picker = next(b for b in view["blocks"] if b["block_id"] == Block.DISCUSSION_PROJECT)["element"]
    assert len(picker["options"]) == 100 and all(len(o["text"]["text"]) <= 75 for o in picker["options"])


def test_poll_form_requires_options_and_keeps_the_discussion_id():
    for reader in (KO, EN):
        view = blocks.poll_modal(reader, 3, "C9")
        assert not view_problems(view), view_problems(view)
        assert view["callback_id"] == Callback.DISCUSSION_POLL
        assert json.loads(view["private_metadata"]) == {"discussion_id": 3, "channel_id": "C9"}
        options_block = next(b for b in view["blocks"] if b["block_id"] == Block.DISCUSSION_OPTIONS)
        assert options_block["optional"] is False


def test_close_form_asks_for_a_conclusion_as_long_as_the_service_keeps():
    for reader in (KO, EN):
        view = blocks.close_modal(reader, 3, None)
        assert not view_problems(view), view_problems(view)
        assert view["callback_id"] == Callback.DISCUSSION_CLOSE
        assert json.loads(view["private_metadata"]) == {"discussion_id": 3, "channel_id": None}
        [conclusion] = view["blocks"]
        assert conclusion["block_id"] == Block.DISCUSSION_CONCLUSION and not conclusion["optional"]
        assert conclusion["element"]["max_length"] == discussions.TEXT_MAX


# --- Slack's limits -----------------------------------------------------------------------------


def longest_poll(**overrides: Any) -> DiscussionInfo:
    labels = tuple(f"{n}" + "가" * 74 for n in range(poll_options.MAX_OPTIONS))
    voters = tuple(tuple(f"U{n}{m:02d}" for m in range(20)) for n in range(poll_options.MAX_OPTIONS))
    values: dict[str, Any] = dict(
        topic="주" * discussions.TOPIC_MAX,
        background="<&>" * (discussions.TEXT_MAX // 3),
        options=options(*voters, labels=labels),
        replies=tuple((f"U9{n:02d}", n + 1) for n in range(50)),
    )
    values.update(overrides)
    return info(**values)


@pytest.mark.parametrize("reader", [KO, EN])
@pytest.mark.parametrize("anonymous", [False, True])
def test_the_largest_open_card_is_valid_block_kit(reader, anonymous):
    largest = longest_poll(anonymous=anonymous)
    assert len(largest.options) == 10 and all(len(o.label) == 75 for o in largest.options)
    assert len(largest.background) == 3000

    card = valid(blocks.card(largest, reader, TODAY))

    assert len(vote_buttons(card)) == 10 and len(card["blocks"]) <= 50
    assert all(len(b["text"]["text"]) <= 3000 for b in card["blocks"] if b["type"] == "section")
    assert card["blocks"][0]["text"]["text"].endswith("…") and len(card["blocks"][0]["text"]["text"]) <= 150
    assert len(card["text"]) <= 3000


@pytest.mark.parametrize("reader", [KO, EN])
def test_the_largest_closed_card_and_summary_are_valid_block_kit(reader):
    largest = longest_poll(
        status=DiscussionStatus.CLOSED,
        conclusion="결" * discussions.TEXT_MAX,
        closed_by="U1",
        closed_at=CLOSED_AT,
    )

    card = valid(blocks.card(largest, reader, TODAY))
    summary = valid(blocks.summary(largest, reader))

    assert buttons(card) == []
    for payload in (card, summary):
        assert all(len(b["text"]["text"]) <= 3000 for b in payload["blocks"] if b["type"] == "section")
    assert summary["blocks"][1]["text"]["text"].endswith("…")  # the conclusion cut to fit its section


def test_a_conclusion_of_markup_is_cut_without_breaking_an_entity():
    card = valid(blocks.card(closed(conclusion="<" * discussions.TEXT_MAX), EN, TODAY))

    last = card["blocks"][-1]["text"]["text"]
    assert len(last) <= 3000 and last.endswith("&lt;…") and "<<" not in last


@pytest.mark.parametrize("reader", [KO, EN])
def test_the_largest_lists_are_valid_block_kit(reader):
    infos = [longest_poll(id=n) for n in range(20)] + [
        longest_poll(id=n, status=DiscussionStatus.CLOSED, conclusion="결" * 3000, closed_at=CLOSED_AT)
        for n in range(20, 40)
    ]

    listed = valid(blocks.discussion_list(project("과" * 200), infos, reader, TODAY))
    log = blocks.decision_log(infos[20:25], reader)

    assert all(len(b["text"]["text"]) <= 3000 for b in listed["blocks"] if b["type"] == "section")
    assert not message_problems({"text": "log", "blocks": log})
