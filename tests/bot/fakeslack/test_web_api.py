"""FakeSlack answers what the bot will call, the way slack_sdk's WebClient sees it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.client import RemoteDisconnected
from urllib.error import URLError

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import ConnectionErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.webhook import WebhookClient

from bot.fakeslack.web_api import FakeSlack

BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}]


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack(scopes=["chat:write", "commands"], team_id="T9") as server:
        yield server


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    """No retry handlers: each test sees exactly what one HTTP exchange produced."""
    return WebClient(token="xoxb-test", base_url=fake.url, retry_handlers=[])


def test_auth_test_reports_bot_identity_and_scopes_header_bolt_reads(client: WebClient) -> None:
    response = client.auth_test()

    assert (response["user_id"], response["bot_id"], response["team_id"]) == ("UBOT", "BBOT", "T9")
    assert response.headers.get("x-oauth-scopes") == "chat:write,commands"


def test_post_message_records_decoded_params_and_token(fake: FakeSlack, client: WebClient) -> None:
    client.chat_postMessage(channel="C1", text="hello", blocks=BLOCKS)

    [call] = fake.calls_to("chat.postMessage", channel="C1")
    assert call.token == "xoxb-test"
    assert call.params["blocks"] == BLOCKS
    assert "token" not in call.params
    assert call.ok and call.status == 200


def test_form_encoded_json_params_and_free_text_are_decoded_correctly(fake: FakeSlack, client: WebClient) -> None:
    with pytest.raises(SlackApiError):
        client.api_call("chat.meMessage", params={"channel": "C1", "text": "[1, 2]", "extra": '{"a": 1}'})

    [call] = fake.calls_to("chat.meMessage")
    assert call.params == {"channel": "C1", "text": "[1, 2]", "extra": {"a": 1}}
    assert call.response == {"ok": False, "error": "unknown_method"}


def test_post_message_assigns_increasing_unique_ts_and_keeps_messages(fake: FakeSlack, client: WebClient) -> None:
    first = client.chat_postMessage(channel="C1", text="one")
    second = client.chat_postMessage(channel="C2", text="two", blocks=BLOCKS)

    assert first["ts"] == "1700000000.000100"
    assert float(second["ts"]) > float(first["ts"])
    assert second["message"]["blocks"] == BLOCKS
    assert [m["text"] for m in fake.messages()] == ["one", "two"]
    assert [m["ts"] for m in fake.messages(channel="C2")] == [second["ts"]]


def test_posting_to_a_user_lands_in_the_same_dm_that_conversations_open_returns(
    fake: FakeSlack, client: WebClient
) -> None:
    posted = client.chat_postMessage(channel="U42", text="psst")
    opened = client.conversations_open(users="U42")

    assert posted["channel"] == opened["channel"]["id"] == FakeSlack.dm_channel("U42") == "D42"
    assert fake.message("D42", posted["ts"]) is not None


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_post_message_without_content_is_rejected_like_slack(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C1")

    assert raised.value.response["error"] == "no_text"


def test_update_and_delete_change_message_state(fake: FakeSlack, client: WebClient) -> None:
    ts = client.chat_postMessage(channel="C1", text="draft")["ts"]

    updated = client.chat_update(channel="C1", ts=ts, text="final", blocks=BLOCKS)
    assert updated["text"] == "final"
    [message] = fake.messages()
    assert (message["text"], message["blocks"]) == ("final", BLOCKS)
    assert "edited" in message

    client.chat_delete(channel="C1", ts=ts)
    assert fake.messages() == []


def test_update_of_unknown_message_fails_with_message_not_found(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.chat_update(channel="C1", ts="1.000000", text="x")

    assert raised.value.response["error"] == "message_not_found"


def test_ephemeral_and_permalink(fake: FakeSlack, client: WebClient) -> None:
    ephemeral = client.chat_postEphemeral(channel="C1", user="U1", text="only you")
    ts = client.chat_postMessage(channel="C1", text="x")["ts"]
    permalink = client.chat_getPermalink(channel="C1", message_ts=ts)

    assert ephemeral["message_ts"]
    assert [m["ts"] for m in fake.messages()] == [ts], "ephemeral messages are not stored"
    assert permalink["permalink"].endswith(f"/archives/C1/p{ts.replace('.', '')}")


def test_views_echo_the_view_with_server_assigned_id_and_hash(fake: FakeSlack, client: WebClient) -> None:
    modal = {"type": "modal", "callback_id": "new_project", "title": {"type": "plain_text", "text": "New"}}

    opened = client.views_open(trigger_id="123.456.abc", view=modal)
    updated = client.views_update(view_id=opened["view"]["id"], view=modal)
    home = client.views_publish(user_id="U1", view={"type": "home", "blocks": []})

    assert opened["view"]["id"].startswith("V") and opened["view"]["hash"]
    assert opened["view"]["callback_id"] == "new_project"
    assert updated["view"]["id"] == opened["view"]["id"]
    assert home["view"]["type"] == "home"
    assert fake.calls_to("views.open")[0].params["view"] == modal


def test_views_open_without_trigger_id_is_rejected(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.api_call("views.open", json={"view": {"type": "modal"}})

    assert raised.value.response["error"] == "invalid_arguments"


def test_users_info_sends_locale_only_when_asked(fake: FakeSlack, client: WebClient) -> None:
    fake.add_user("U1", name="kim", real_name="Kim Minji")

    plain = client.users_info(user="U1")["user"]
    with_locale = client.users_info(user="U1", include_locale=True)["user"]

    assert plain["profile"]["real_name"] == "Kim Minji"
    assert plain["profile"]["display_name"] == "kim"
    assert (plain["tz"], plain["tz_offset"]) == ("Asia/Seoul", 9 * 3600)
    assert "locale" not in plain
    assert with_locale["locale"] == "ko-KR"


def test_users_info_unknown_user(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.users_info(user="U404")

    assert raised.value.response["error"] == "user_not_found"


def test_conversations_info_and_join(client: WebClient) -> None:
    info = client.conversations_info(channel="C1")["channel"]
    joined = client.conversations_join(channel="C1")["channel"]

    assert (info["id"], info["is_channel"], info["is_im"]) == ("C1", True, False)
    assert joined["id"] == "C1"


def test_call_without_token_is_not_authed(fake: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as raised:
        WebClient(base_url=fake.url, retry_handlers=[]).auth_test()

    assert raised.value.response["error"] == "not_authed"


def test_files_upload_v2_goes_through_upload_url_and_completion(fake: FakeSlack, client: WebClient) -> None:
    result = client.files_upload_v2(channel="C1", filename="report.csv", content="a,b\n1,2\n", title="Report")

    [upload] = fake.calls_to("upload")
    [complete] = fake.calls_to("files.completeUploadExternal")
    assert upload.params["content"] == b"a,b\n1,2\n"
    assert complete.params["files"] == [{"id": upload.params["file_id"], "title": "Report"}]
    assert result["file"] == {"id": upload.params["file_id"], "name": "report.csv", "title": "Report"}


def test_rate_limit_surfaces_as_429_with_retry_after_then_recovers(fake: FakeSlack, client: WebClient) -> None:
    fake.fail("chat.postMessage", status=429, retry_after=7)

    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C1", text="x")
    client.chat_postMessage(channel="C1", text="x")

    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "7"
    assert raised.value.response["error"] == "ratelimited"
    assert [c.status for c in fake.calls_to("chat.postMessage")] == [429, 200]
    assert len(fake.messages()) == 1


def test_server_error_surfaces_as_500(fake: FakeSlack, client: WebClient) -> None:
    fake.fail("chat.postMessage", status=500, times=2)

    for _ in range(2):
        with pytest.raises(SlackApiError) as raised:
            client.chat_postMessage(channel="C1", text="x")
        assert raised.value.response.status_code == 500
    assert fake.messages() == []


def test_error_answers_200_not_ok_and_is_not_processed(fake: FakeSlack, client: WebClient) -> None:
    fake.error("chat.postMessage", "not_in_channel")

    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C1", text="x")

    assert raised.value.response.status_code == 200
    assert raised.value.response["error"] == "not_in_channel"
    assert fake.messages() == []


def test_delay_slows_answers_until_reset(fake: FakeSlack, client: WebClient) -> None:
    fake.delay("auth.test", 0.1)

    started = time.monotonic()
    client.auth_test()
    client.auth_test()
    delayed = time.monotonic() - started
    fake.reset()
    started = time.monotonic()
    client.auth_test()

    assert delayed >= 0.2
    assert time.monotonic() - started < 0.1


def test_delay_longer_than_client_timeout_times_out(fake: FakeSlack) -> None:
    fake.delay("chat.postMessage", 2, times=1)

    with pytest.raises(TimeoutError):
        WebClient(token="xoxb-test", base_url=fake.url, timeout=0.1, retry_handlers=[]).chat_postMessage(
            channel="C1", text="x"
        )


def test_reset_connection_drops_without_processing(fake: FakeSlack, client: WebClient) -> None:
    fake.reset_connection("chat.postMessage")

    with pytest.raises((URLError, ConnectionError)):
        client.chat_postMessage(channel="C1", text="x")

    assert [c.status for c in fake.calls_to("chat.postMessage")] == [0]
    assert fake.messages() == []


def test_reset_after_processing_posts_but_loses_the_response(fake: FakeSlack, client: WebClient) -> None:
    fake.reset_connection("chat.postMessage", after_processing=True)

    with pytest.raises(RemoteDisconnected):
        client.chat_postMessage(channel="C1", text="x")

    assert [m["text"] for m in fake.messages()] == ["x"]
    assert fake.wait_for("chat.postMessage", timeout=0)[0].status == 200


def test_slack_sdk_default_retry_after_lost_response_duplicates_the_post(fake: FakeSlack) -> None:
    """Why the bot needs idempotence: slack_sdk retries connection errors once by default."""
    retry = ConnectionErrorRetryHandler(interval_calculator=FixedValueRetryIntervalCalculator(0.01))
    fake.reset_connection("chat.postMessage", after_processing=True)

    WebClient(token="xoxb-test", base_url=fake.url, retry_handlers=[retry]).chat_postMessage(channel="C1", text="x")

    assert [m["text"] for m in fake.messages()] == ["x", "x"]


def test_faults_for_a_method_are_applied_in_order(fake: FakeSlack, client: WebClient) -> None:
    fake.fail("chat.update", status=429)
    fake.error("chat.update", "cant_update_message")
    ts = client.chat_postMessage(channel="C1", text="x")["ts"]

    errors = []
    for _ in range(2):
        with pytest.raises(SlackApiError) as raised:
            client.chat_update(channel="C1", ts=ts, text="y")
        errors.append(raised.value.response["error"])
    client.chat_update(channel="C1", ts=ts, text="y")

    assert errors == ["ratelimited", "cant_update_message"]
    assert fake.messages()[0]["text"] == "y"


def test_response_url_posts_are_recorded_with_their_key(fake: FakeSlack) -> None:
    response = WebhookClient(fake.response_url("cmd-1")).send(text="done", replace_original=True)

    [call] = fake.wait_for("response_url", lambda c: c.params["_key"] == "cmd-1")
    assert (response.status_code, response.body) == (200, "ok")
    assert call.params["text"] == "done" and call.params["replace_original"] is True


def test_wait_for_waits_for_calls_made_later_by_another_thread(fake: FakeSlack, client: WebClient) -> None:
    timer = threading.Timer(0.1, lambda: client.chat_postMessage(channel="C1", text="later"))
    timer.start()

    [call] = fake.wait_for("chat.postMessage", lambda c: c.params["text"] == "later", timeout=2)

    timer.join()
    assert call.params["channel"] == "C1"


def test_wait_for_ignores_failed_calls_and_explains_timeouts(fake: FakeSlack, client: WebClient) -> None:
    fake.fail("chat.postMessage", status=429)
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C1", text="x")
    client.auth_test()

    with pytest.raises(AssertionError) as raised:
        fake.wait_for("chat.postMessage", timeout=0.1)

    message = str(raised.value)
    assert "expected 1 successful chat.postMessage" in message
    assert "chat.postMessage(429 ratelimited), auth.test" in message


def test_wait_for_count(fake: FakeSlack, client: WebClient) -> None:
    for text in ("a", "b", "c"):
        client.chat_postMessage(channel="C1", text=text)

    assert len(fake.wait_for("chat.postMessage", count=3, timeout=0)) == 3
    with pytest.raises(AssertionError):
        fake.wait_for("chat.postMessage", count=4, timeout=0.05)


def test_reset_clears_calls_messages_and_faults_but_keeps_users(fake: FakeSlack, client: WebClient) -> None:
    fake.add_user("U1")
    client.chat_postMessage(channel="C1", text="x")
    fake.fail("auth.test", status=500)

    fake.reset()

    assert fake.calls == [] and fake.messages() == []
    assert client.auth_test()["ok"]
    assert client.users_info(user="U1")["user"]["name"] == "kim"


def test_stop_does_not_wait_for_a_delayed_handler() -> None:
    fake = FakeSlack().start()
    fake.delay("auth.test", 30)
    client = WebClient(token="xoxb-test", base_url=fake.url, retry_handlers=[])
    errors: list[Exception] = []

    def call() -> None:
        try:
            client.auth_test()
        except (URLError, ConnectionError) as error:
            errors.append(error)

    caller = threading.Thread(target=call, daemon=True)
    caller.start()
    time.sleep(0.1)  # let the request reach the handler and park in the delay

    started = time.monotonic()
    fake.stop()
    caller.join(timeout=1)

    assert time.monotonic() - started < 1
    assert len(errors) == 1, "the parked request is dropped on stop, not left hanging"


def test_url_requires_a_started_server() -> None:
    with pytest.raises(RuntimeError):
        _ = FakeSlack().url
