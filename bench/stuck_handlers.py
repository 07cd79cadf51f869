"""Acks while handlers are stuck: 50 signed commands at once, 10 of which wait 5 s on Slack (views.open
answering slowly), against a bare Bolt app that only acks. Every ack must stay under Slack's 3 s, and
the issue asks for under 1 s; the figure is printed, not asserted (these machines are noisy)."""

from __future__ import annotations

import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.ack_latency import SECRET, _percentile, _serve, bare_bolt
from bot.fakeslack.payloads import SlackRequests
from bot.fakeslack.web_api import FakeSlack
from bot.runtime import build_runtime
from bot.settings import Settings
from bot.web import make_wsgi_app

TOTAL = 50
STUCK = 10
STUCK_SECONDS = 5.0


def _burst(base_url: str, fake: FakeSlack) -> list[float]:
    slack = SlackRequests(base_url, SECRET, fake=fake)
    for n in range(TOTAL):
        fake.add_user(f"US{n:03d}", name=f"us{n:03d}", team_id="T1")

    def one(n: int) -> float:
        started = time.perf_counter()
        # the first STUCK open the project form (views.open takes 5 s); the rest list projects
        reply = slack.command("/project", "" if n < STUCK else "list", user_id=f"US{n:03d}")
        assert reply.status == 200, reply.status
        return time.perf_counter() - started

    with ThreadPoolExecutor(TOTAL) as pool:
        return sorted(pool.map(one, range(TOTAL)))


def run() -> list[tuple[str, str, str, str]]:
    with FakeSlack() as fake:
        fake.delay("views.open", STUCK_SECONDS)
        with tempfile.TemporaryDirectory() as folder:
            settings = Settings(
                slack_bot_token="xoxb-bench",
                slack_signing_secret=SECRET,
                slack_api_url=fake.url,
                database_url=f"sqlite:///{Path(folder) / 'bench.db'}",
            )
            runtime = build_runtime(settings)
            server = _serve(make_wsgi_app(runtime.app, runtime.engine, runtime.settings))
            try:
                _burst(f"http://127.0.0.1:{server.effective_port}", fake)  # warm up: profiles, pools
                time.sleep(STUCK_SECONDS + 1)
                times = _burst(f"http://127.0.0.1:{server.effective_port}", fake)
                time.sleep(STUCK_SECONDS + 1)  # let the stuck handlers finish before the database goes
            finally:
                server.close()
                runtime.close()
        fake.reset()
        base = bare_bolt(fake)
    label = f"{TOTAL} commands at once, {STUCK} stuck {STUCK_SECONDS:g} s on Slack"
    rows = []
    for name, value, baseline in (
        ("ack p50 (ms)", _percentile(times, 0.5) * 1000, base.p50_ms),
        ("ack p95 (ms)", _percentile(times, 0.95) * 1000, base.p95_ms),
        ("ack max (ms)", times[-1] * 1000, base.max_ms),
        ("acks under 1 s", sum(t < 1.0 for t in times), TOTAL),
    ):
        rows.append((f"{label}: {name}", f"{value:.1f}", f"{baseline:.1f}", f"{value / baseline:.2f}"))
    return rows


if __name__ == "__main__":
    for row in run():
        print(" | ".join(row))
