"""The HTTP front door: health, signatures, and Slack markup typed by users."""

from __future__ import annotations

import json
import time

from sqlalchemy import func, select

from bot.web import make_wsgi_app
from models import Project
from models.db import make_engine


def _projects(bot) -> int:
    with bot.session_factory() as session:
        return session.scalar(select(func.count()).select_from(Project))


def test_healthz_answers_200_json_when_database_answers(bot):
    reply = bot.slack.get("/healthz")
    assert reply.status == 200 and reply.json["outbox"]["dead"] == 0
    assert {k: reply.json[k] for k in ("status", "database", "scheduler")} == {
        "status": "ok",
        "database": True,
        "scheduler": "off",
    }


def test_healthz_answers_503_when_database_is_down(bot):
    down = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none", connect_args={"connect_timeout": 1})
    wsgi = make_wsgi_app(bot.runtime.app, down, bot.runtime.settings)
    statuses = []
    body = b"".join(wsgi({"PATH_INFO": "/healthz", "REQUEST_METHOD": "GET"}, lambda s, h: statuses.append(s)))
    assert statuses == ["503 Service Unavailable"]
    assert json.loads(body)["database"] is False


def _form(text="new 몰래 key=SNEAK"):
    return f"command=%2Fproject&text={text}&team_id=T1&user_id=U1&trigger_id=t1&response_url=http%3A%2F%2Fx"


def test_bad_signature_is_refused_and_changes_nothing(bot):
    reply = bot.slack.raw(_form(), content_type="application/x-www-form-urlencoded", signature="v0=deadbeef")
    assert reply.status == 401
    bot.settle()
    assert _projects(bot) == 0


def test_stale_timestamp_is_refused(bot):
    reply = bot.slack.raw(
        _form(), content_type="application/x-www-form-urlencoded", timestamp=str(int(time.time()) - 6 * 60)
    )
    assert reply.status == 401
    bot.settle()
    assert _projects(bot) == 0


def test_non_numeric_timestamp_is_refused_not_a_500(bot):
    reply = bot.slack.raw(_form(), content_type="application/x-www-form-urlencoded", timestamp="yesterday")
    assert reply.status == 401


def test_unsigned_request_is_refused(bot):
    reply = bot.slack.raw(_form(), content_type="application/x-www-form-urlencoded", signed=False)
    assert reply.status == 401


def test_unknown_path_is_404(bot):
    assert bot.slack.get("/nope").status == 404


def test_markup_typed_by_users_never_comes_back_live(bot):
    bot.command("/project", "new <!channel> 공지 <http://evil.example|safe.go.kr> key=EVIL <#C9|evil>")
    name = {"value": {"type": "plain_text_input", "value": "<@U666> <!here> <https://phish.example|gov>"}}
    reply = bot.slack.view_submission("project_new", {"project_name": name}, private_metadata='{"channel_id": "C1"}')
    assert reply.status == 200
    bot.command("/project", "list")
    bot.command("/project", "show EVIL", user="U3")
    bot.fake.wait_for("chat.postMessage", lambda c: c.params["channel"] == "C9")
    bot.fake.wait_for("chat.postEphemeral")
    sent = [c for c in bot.fake.calls if c.method in ("response_url", "chat.postMessage", "chat.postEphemeral")]
    blob = json.dumps([c.params for c in sent], ensure_ascii=False)
    assert "@channel 공지 http://evil.example" in blob
    assert "&lt;@U666&gt; &lt;!here&gt; &lt;https://phish.example|gov&gt;" in blob  # modal text is literal
    for raw in ("<!channel>", "<!here>", "<@U666", "<http://evil.example|", "<https://phish.example|"):
        assert raw not in blob


def test_a_form_slack_no_longer_opens_gets_a_clear_answer(bot):
    """A click whose trigger expired (the bot took over 3 s, or it was used): the person is told, not ignored."""
    from kit.ids import Action

    bot.command("/project", "new 아토피 없는 경기도 key=ATOPY <@U2|lee>")
    bot.command("/directive", "ATOPY <@U2|lee> kind=report 보고")
    bot.fake.error("views.open", error="expired_trigger_id")
    reply = bot.slack.block_action(Action.DIRECTIVE_COMPLETION, value="1", user_id="U2", channel_id="D2")
    assert reply.status == 200
    assert "다시 눌러" in bot.answer(reply)["text"]
