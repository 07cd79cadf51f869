"""Block Kit to terminal text (bot/console/render.py), on plain data: every block and element type the bot
sends, Slack mrkdwn, and display widths with Korean (two-column) characters."""

from __future__ import annotations

from typing import Any

import pytest

from bot.console import render
from bot.console.render import Control, Controls, clip, mrkdwn, pad, width

NAMES = {"U1": "김민수", "U2": "이서연"}.get


def names(uid: str) -> str:
    return NAMES(uid) or uid


def md(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def button(label: str, action_id: str, value: str = "", style: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "button", "text": plain(label), "action_id": action_id}
    if value:
        element["value"] = value
    if style:
        element["style"] = style
    return element


def show(items: list[dict[str, Any]], controls: Controls | None = None, columns: int = render.WIDTH) -> list[str]:
    return render.blocks(items, controls if controls is not None else Controls(), {"channel": "C1"}, names, columns)


def column_of(line: str, text: str) -> int:
    """The display column at which `text` starts in `line`."""
    return width(line[: line.index(text)])


# -- widths ---------------------------------------------------------------------------------


def test_width_counts_korean_as_two_columns_and_ascii_as_one():
    assert width("가나") == 4
    assert width("ab") == 2
    assert width("과제 ATOPY") == 4 + 1 + 5
    assert width("") == 0


def test_width_counts_full_width_forms_and_wide_emoji_as_two_and_combining_marks_as_zero():
    assert width("ＡＢ") == 4  # full-width Latin
    assert width("✅") == 2
    assert width("e\u0301") == 1  # e + combining acute accent


def test_pad_fills_to_display_columns_not_characters():
    assert pad("가나", 6) == "가나  "
    assert pad("ab", 6) == "ab    "
    assert width(pad("아토피 없는 경기도", 30)) == 30
    assert pad("가나다", 4) == "가나다"  # never cuts, never pads negatively


def test_clip_keeps_text_that_fits_and_cuts_wide_text_on_a_character_boundary():
    assert clip("가나다", 6) == "가나다"
    assert clip("가나다라", 6) == "가나…"
    assert width(clip("가나다라", 6)) <= 6
    # an odd budget cannot take half a Korean character
    assert clip("가나다라", 5) == "가나…"
    assert clip("abcdefgh", 5) == "abcd…"


@pytest.mark.parametrize("columns", range(2, 20))
def test_clip_never_exceeds_its_budget(columns):
    for text in ("시범 학교 공기청정기 구매", "Alex Smith 국제협력관", "a가b나c다d라"):
        assert width(clip(text, columns)) <= columns


# -- mrkdwn ---------------------------------------------------------------------------------


def test_mention_becomes_at_name_through_the_names_function():
    assert mrkdwn("결재선 <@U1> → <@U2>", names) == "결재선 @김민수 → @이서연"


def test_mention_of_an_unknown_user_falls_back_to_the_id():
    assert mrkdwn("<@U9>", names) == "@U9"
    assert mrkdwn("<@U1>") == "@U1"  # default names function


def test_mention_with_a_label_of_someone_the_names_function_does_not_know_shows_the_label():
    assert mrkdwn("<@U9|park> 님", names) == "@park 님"
    assert mrkdwn("<@U9|park>") == "@park"


def test_channel_link_with_and_without_label():
    assert mrkdwn("<#C1|general>") == "#general"
    assert mrkdwn("카드는 <#C0ATOPY>에 있습니다") == "카드는 #C0ATOPY에 있습니다"


def test_links_show_label_and_address_or_just_the_address():
    assert mrkdwn("<https://x.example/a|보기>") == "보기 (https://x.example/a)"
    assert mrkdwn("<https://x.example/a>") == "https://x.example/a"
    assert mrkdwn("<https://x.example/a|https://x.example/a>") == "https://x.example/a"


def test_special_mentions():
    assert mrkdwn("<!channel> 확인") == "@channel 확인"
    assert mrkdwn("<!here>") == "@here"


def test_entities_are_decoded_after_tokens_so_escaped_brackets_stay_text():
    assert mrkdwn("a &lt; b &amp;&amp; c &gt; d") == "a < b && c > d"
    # what a person typed as "<@U1>" arrives escaped and must not turn into a mention
    assert mrkdwn("&lt;@U1&gt;", names) == "<@U1>"
    # a literal "&lt;" typed by someone arrives as "&amp;lt;" and must stay "&lt;"
    assert mrkdwn("&amp;lt;") == "&lt;"


def test_bold_is_unwrapped():
    assert mrkdwn("*결재선*") == "결재선"
    assert mrkdwn("*a* and *b*") == "a and b"


def test_bold_followed_directly_by_a_korean_particle_is_unwrapped():
    assert mrkdwn("*시범 학교 공기청정기 구매*를 승인했습니다.") == "시범 학교 공기청정기 구매를 승인했습니다."
    assert mrkdwn("과제 *아토피 없는 경기도*의 보고") == "과제 아토피 없는 경기도의 보고"


def test_bold_around_a_mention():
    assert mrkdwn("*<@U1>*님이 승인", names) == "@김민수님이 승인"


def test_italic_is_unwrapped_but_underscores_inside_words_stay():
    assert mrkdwn("_(✅ 이번 기간 보고함)_") == "(✅ 이번 기간 보고함)"
    assert mrkdwn("key=MY_KEY_2") == "key=MY_KEY_2"


def test_known_emoji_codes_become_emoji_and_unknown_ones_stay():
    assert mrkdwn(":white_check_mark: 완료 :memo:") == "✅ 완료 📝"
    assert mrkdwn(":large_green_circle: :red_circle:") == "🟢 🔴"
    assert mrkdwn(":no_such_emoji:") == ":no_such_emoji:"


def test_times_are_not_taken_for_emoji_codes():
    assert mrkdwn("마감 2026-11-30 10:00 · 09:00-18:00") == "마감 2026-11-30 10:00 · 09:00-18:00"


def test_inline_code_keeps_its_backticks():
    assert mrkdwn("`ATOPY`") == "`ATOPY`"


# -- blocks ---------------------------------------------------------------------------------


def test_header_is_underlined_to_its_display_width():
    lines = show([{"type": "header", "text": plain("아토피 없는 경기도")}])
    assert lines == ["아토피 없는 경기도", "═" * width("아토피 없는 경기도")]
    assert len(lines[1]) == 18


def test_short_header_gets_a_minimal_rule_and_a_long_one_stops_at_the_screen_width():
    assert show([{"type": "header", "text": plain("OK")}])[1] == "═" * 4
    assert show([{"type": "header", "text": plain("가" * 60)}], columns=40)[1] == "═" * 40


def test_header_text_is_plain_text_so_stars_stay():
    assert show([{"type": "header", "text": plain("*별*")}])[0] == "*별*"


def test_section_with_mrkdwn_text_keeps_its_lines():
    lines = show([{"type": "section", "text": md("*결재선*\n1. <@U1>\n2. <@U2>")}])
    assert lines == ["결재선", "1. @김민수", "2. @이서연"]


def test_section_with_plain_text_is_not_converted():
    assert show([{"type": "section", "text": plain("*그대로* <@U1>")}]) == ["*그대로* <@U1>"]


def test_section_fields_two_a_row():
    lines = show(
        [{"type": "section", "fields": [md("*과제*\nATOPY"), md("*요청*\n<@U2>"), md("*상태*\n진행 중")]}],
        columns=40,
    )
    assert lines == [
        pad("과제", 20) + "요청",
        pad("ATOPY", 20) + "@이서연",
        "상태",
        "진행 중",
    ]


def test_fields_line_up_at_the_same_display_column_whether_the_left_one_is_korean_or_ascii():
    lines = show(
        [
            {
                "type": "section",
                "fields": [md("과제"), md("요청"), md("Project"), md("Who"), md("가나다라마바사아자차카타"), md("끝")],
            }
        ],
        columns=40,
    )
    assert column_of(lines[0], "요청") == column_of(lines[1], "Who") == column_of(lines[2], "끝") == 20


def test_a_field_too_wide_for_its_half_is_clipped_and_the_right_one_still_lines_up():
    long_korean = "아주 긴 과제 이름이 반 칸을 넘어갑니다 정말로 깁니다"
    lines = show([{"type": "section", "fields": [md(long_korean), md("요청"), md("x"), md("Who")]}], columns=40)
    assert "…" in lines[0]
    assert column_of(lines[0], "요청") == column_of(lines[1], "Who") == 20
    assert width(lines[0]) <= 40


def test_section_with_text_and_fields_shows_text_first():
    lines = show([{"type": "section", "text": md("제목"), "fields": [md("a"), md("b")]}], columns=20)
    assert lines == ["제목", pad("a", 10) + "b"]


def test_section_with_a_button_accessory_numbers_it():
    controls = Controls()
    lines = show(
        [{"type": "section", "block_id": "b9", "text": md("과제"), "accessory": button("상세 보기", "show", "ATOPY")}],
        controls,
    )
    assert lines == ["과제", "  [1] 상세 보기"]
    control, where = controls.items[1]
    assert (control.action_id, control.block_id, control.value, control.kind) == ("show", "b9", "ATOPY", "button")
    assert where == {"channel": "C1"}


def test_context_elements_are_indented_and_mentions_converted():
    lines = show([{"type": "context", "elements": [md("2026-11-27 · <@U1>"), plain("*그대로*"), {"type": "image"}]}])
    assert lines == ["  2026-11-27 · @김민수", "  *그대로*"]


def test_divider_spans_the_screen():
    assert show([{"type": "divider"}], columns=30) == ["─" * 30]


def test_actions_number_buttons_and_mark_primary_and_danger_styles():
    controls = Controls()
    lines = show(
        [
            {
                "type": "actions",
                "block_id": "approval",
                "elements": [
                    button("승인", "approve", "1", "primary"),
                    button("반려", "reject", "1", "danger"),
                    button("의견", "comment", "1"),
                ],
            }
        ],
        controls,
    )
    assert lines == ["  [1] 승인*  [2] 반려!  [3] 의견"]
    assert [(c.label, c.action_id, c.style) for c, _ in controls.items.values()] == [
        ("승인", "approve", "primary"),
        ("반려", "reject", "danger"),
        ("의견", "comment", None),
    ]
    assert all(c.block_id == "approval" for c, _ in controls.items.values())


def test_static_select_numbers_each_option_after_its_placeholder():
    controls = Controls()
    select = {
        "type": "static_select",
        "action_id": "pick",
        "placeholder": plain("과제 선택"),
        "options": [
            {"text": plain("아토피 없는 경기도"), "value": "ATOPY"},
            {"text": plain("신청사 건립"), "value": "HALL"},
        ],
    }
    lines = show([{"type": "actions", "elements": [button("새로", "new"), select]}], controls)
    assert lines == ["  [1] 새로  과제 선택: [2] 아토피 없는 경기도 [3] 신청사 건립"]
    option = controls.items[3][0]
    assert (option.kind, option.action_id, option.value, option.label) == ("select", "pick", "HALL", "신청사 건립")


def test_select_without_placeholder_and_overflow_menus():
    controls = Controls()
    overflow = {"type": "overflow", "action_id": "more", "options": [{"text": plain("삭제"), "value": "del"}]}
    lines = show([{"type": "section", "text": md("카드"), "accessory": overflow}], controls)
    assert lines == ["카드", "  …: [1] 삭제"]
    assert controls.items[1][0].kind == "select"


def test_unknown_element_types_are_named():
    lines = show([{"type": "actions", "elements": [{"type": "datepicker", "action_id": "d"}, button("저장", "s")]}])
    assert lines == ["  (datepicker)  [1] 저장"]


def test_input_blocks_show_their_label_and_optional_mark():
    lines = show(
        [
            {"type": "input", "block_id": "name", "label": plain("과제 이름"), "element": {"type": "plain_text_input"}},
            {
                "type": "input",
                "block_id": "key",
                "label": plain("과제 키"),
                "element": {"type": "plain_text_input"},
                "optional": True,
            },
            {
                "type": "input",
                "block_id": "x",
                "label": plain("목표일"),
                "element": {"type": "datepicker"},
                "optional": False,
            },
        ]
    )
    assert lines == ["▸ 과제 이름", "▸ 과제 키 (optional)", "▸ 목표일"]


def test_image_shows_its_alt_text():
    assert show([{"type": "image", "image_url": "https://x/a.png", "alt_text": "추이"}]) == ["[image: 추이]"]


def test_unknown_block_types_are_shown_as_their_type():
    assert show([{"type": "rich_text", "elements": []}, {"type": "video"}]) == ["(rich_text)", "(video)"]


# -- messages, views, controls --------------------------------------------------------------


def test_message_with_blocks_shows_the_blocks_not_the_fallback_text():
    payload = {"text": "대체 텍스트", "blocks": [{"type": "section", "text": md("*본문*")}]}
    assert render.message(payload, Controls(), {}, names) == ["본문"]


def test_message_without_blocks_shows_its_text_as_mrkdwn():
    payload = {"text": ":white_check_mark: *#1*을 <@U1>님이 승인\n둘째 줄"}
    assert render.message(payload, Controls(), {}, names) == ["✅ #1을 @김민수님이 승인", "둘째 줄"]
    assert render.message({"text": "x", "blocks": []}, Controls(), {}, names) == ["x"]


def test_view_has_a_title_line_then_its_blocks():
    view = {
        "type": "modal",
        "title": plain("과제 등록"),
        "blocks": [{"type": "input", "label": plain("과제 이름"), "element": {"type": "plain_text_input"}}],
    }
    assert render.view(view, Controls(), {}, names) == ["┌ 과제 등록 ┐", "▸ 과제 이름"]


def test_home_view_without_title_has_no_title_line():
    view = {"type": "home", "blocks": [{"type": "header", "text": plain("온누리")}]}
    assert render.view(view, Controls(), {}, names) == ["온누리", "═" * 6]


def test_controls_numbering_continues_across_messages_and_keeps_where_each_came_from():
    controls = Controls()
    first = {"blocks": [{"type": "actions", "elements": [button("승인", "a"), button("반려", "r")]}]}
    second = {"blocks": [{"type": "section", "text": md("x"), "accessory": button("상세 보기", "s")}]}
    assert render.message(first, controls, {"channel": "D1", "ts": "1.0"}, names) == ["  [1] 승인  [2] 반려"]
    assert render.message(second, controls, {"channel": "D1", "ts": "2.0"}, names) == ["x", "  [3] 상세 보기"]
    assert [controls.items[n][1]["ts"] for n in (1, 2, 3)] == ["1.0", "1.0", "2.0"]
    assert controls.items[3][0].label == "상세 보기"


def test_controls_clear_starts_again_at_one():
    controls = Controls()
    render.message(
        {"blocks": [{"type": "actions", "elements": [button("a", "a"), button("b", "b")]}]}, controls, {}, names
    )
    controls.clear()
    assert controls.items == {}
    assert render.message({"blocks": [{"type": "actions", "elements": [button("c", "c")]}]}, controls, {}, names) == [
        "  [1] c"
    ]
    assert controls.items[1][0].action_id == "c"


def test_controls_add_assigns_the_number():
    controls = Controls()
    added = controls.add(Control(99, "x", "b", "라벨"), {"kind": "home"})
    assert added.number == 1 and controls.items[1] == (added, {"kind": "home"})


def test_every_emoji_the_catalogs_use_is_drawn_in_the_console():
    import re
    from pathlib import Path

    from bot.console.render import EMOJI

    catalogs = Path(__file__).parents[3] / "kit" / "i18n"
    used = {code for p in catalogs.glob("*.toml") for code in re.findall(r":([a-z0-9_]+):", p.read_text())}
    assert used - set(EMOJI) == set()
