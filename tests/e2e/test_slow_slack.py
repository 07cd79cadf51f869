"""Slow Slack must not hold up anyone else's acknowledgement."""

from __future__ import annotations

import threading

from bot.fakeslack.payloads import Reply


def test_stuck_listeners_do_not_delay_other_requests_acks(bot):
    # Ten people nobody has seen before: each listener waits on a slow users.info after acking.
    for n in range(10):
        bot.fake.add_user(f"USLOW{n}", name=f"slow{n}", team_id="T1")
    bot.fake.delay("users.info", 3.0)
    replies: list[Reply] = []
    threads = [
        threading.Thread(target=lambda n=n: replies.append(bot.slack.command("/project", "list", user_id=f"USLOW{n}")))
        for n in range(10)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert [r.status for r in replies] == [200] * 10
    # While every slow listener still waits inside users.info (none has been answered yet), a new
    # request is acknowledged: it did not queue behind them for a free listener thread.
    quick = bot.slack.command("/project", "help", user_id="U1")
    assert quick.status == 200
    assert bot.fake.calls_to("users.info") == []
    bot.settle()
    assert len(bot.fake.calls_to("response_url")) == 11
