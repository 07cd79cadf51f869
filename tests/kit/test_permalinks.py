"""Links to the bot's messages: Slack is asked once, the rest are made the way Slack makes them."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from kit.permalinks import ASKED_AT_MOST, message_links


class Client:
    """chat.getPermalink as Slack answers it; `missing` messages are not found."""

    def __init__(self, missing: set[str] = frozenset()) -> None:
        self.asked: list[tuple[str, str]] = []
        self.missing = missing

    def chat_getPermalink(self, *, channel: str, message_ts: str) -> dict:
        self.asked.append((channel, message_ts))
        if message_ts in self.missing:
            response = SlackResponse(
                client=None,
                http_verb="POST",
                api_url="chat.getPermalink",
                req_args={},
                data={"ok": False, "error": "message_not_found"},
                headers={},
                status_code=200,
            )
            raise SlackApiError("message_not_found", response)
        return {"ok": True, "permalink": f"https://onnuri.slack.com/archives/{channel}/p{message_ts.replace('.', '')}"}


def test_a_list_of_cards_costs_one_question_to_slack():
    client = Client()
    cards = [(1, "C9", "1763859600.000100"), (2, "C9", "1763859700.000200"), (3, "C8", "1763859800.000300")]

    links = message_links(client, cards)

    assert client.asked == [("C9", "1763859600.000100")]
    assert links == {
        1: "https://onnuri.slack.com/archives/C9/p1763859600000100",
        2: "https://onnuri.slack.com/archives/C9/p1763859700000200",
        3: "https://onnuri.slack.com/archives/C8/p1763859800000300",
    }


def test_a_card_slack_cannot_find_gets_no_link_and_the_next_is_asked_a_few_times_at_most():
    gone = {f"17638596{n:02d}.000100" for n in range(10)}
    client = Client(missing=gone - {"1763859609.000100"})
    cards = [(n, "C9", f"17638596{n:02d}.000100") for n in range(10)]

    assert message_links(client, cards) == {}
    assert len(client.asked) == ASKED_AT_MOST
    assert message_links(None, cards) == {}  # no client (a test's Call, the console): no links


def test_after_a_missing_card_the_next_one_found_gives_the_workspace_address():
    client = Client(missing={"1.1"})
    links = message_links(client, [(1, "C9", "1.1"), (2, "C9", "2.2"), (3, "C9", "3.3")])
    assert links == {2: "https://onnuri.slack.com/archives/C9/p22", 3: "https://onnuri.slack.com/archives/C9/p33"}
