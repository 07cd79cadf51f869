"""How fast Onnuri acknowledges slash commands, against a bare Bolt app that only acks.

Both run behind the same waitress server and the same fake Slack; requests are signed like
Slack's, sent from several threads at once, and timed from send to HTTP answer (Slack's 3 s rule).
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from slack_bolt import App
from slack_sdk import WebClient

from bot.fakeslack.payloads import SlackRequests
from bot.fakeslack.web_api import FakeSlack
from bot.runtime import build_runtime
from bot.settings import Settings
from bot.web import make_wsgi_app, run_until_closed, serve

SECRET = "bench-signing-secret"
REQUESTS = 400
CONCURRENCY = 20


@dataclass(frozen=True)
class Figures:
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    per_second: float


def _serve(wsgi):
    server = serve(wsgi, port=0, host="127.0.0.1")
    threading.Thread(target=run_until_closed, args=(server,), daemon=True).start()
    return server


def _percentile(ordered: list[float], fraction: float) -> float:
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def _measure(base_url: str, fake: FakeSlack, command: str, text: str) -> Figures:
    slack = SlackRequests(base_url, SECRET, fake=fake)
    users = [f"UB{n:03d}" for n in range(CONCURRENCY)]
    for user in users:
        fake.add_user(user, name=user.lower(), team_id="T1")

    def one(n: int) -> float:
        started = time.perf_counter()
        reply = slack.command(command, text, user_id=users[n % len(users)])
        assert reply.status == 200, reply.status
        return time.perf_counter() - started

    for n in range(CONCURRENCY):  # warm up: first-time profile fetches, connection pools
        one(n)
    started = time.perf_counter()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        times = sorted(pool.map(one, range(REQUESTS)))
    elapsed = time.perf_counter() - started
    return Figures(
        p50_ms=statistics.median(times) * 1000,
        p95_ms=_percentile(times, 0.95) * 1000,
        p99_ms=_percentile(times, 0.99) * 1000,
        max_ms=times[-1] * 1000,
        per_second=REQUESTS / elapsed,
    )


def bare_bolt(fake: FakeSlack) -> Figures:
    app = App(
        signing_secret=SECRET, client=WebClient(token="xoxb-bench", base_url=fake.url), token_verification_enabled=False
    )
    app.command("/project")(lambda ack: ack())
    app.command("/progress")(lambda ack: ack())
    from slack_bolt.adapter.wsgi import SlackRequestHandler

    server = _serve(SlackRequestHandler(app))
    try:
        return _measure(f"http://127.0.0.1:{server.effective_port}", fake, "/project", "list")
    finally:
        server.close()


def onnuri(fake: FakeSlack, command: str, text: str, prepare=None) -> Figures:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            slack_bot_token="xoxb-bench",
            slack_signing_secret=SECRET,
            slack_api_url=fake.url,
            database_url=f"sqlite:///{Path(folder) / 'bench.db'}",
        )
        runtime = build_runtime(settings)
        runtime.delivery.start()
        server = _serve(make_wsgi_app(runtime.app, runtime.engine, runtime.settings))
        try:
            base_url = f"http://127.0.0.1:{server.effective_port}"
            if prepare is not None:
                prepare(SlackRequests(base_url, SECRET, fake=fake), fake)
            figures = _measure(base_url, fake, command, text)
            # let every answer reach Slack before the server and its database go away
            fake.wait_for("response_url", count=REQUESTS + CONCURRENCY, timeout=180)
            return figures
        finally:
            server.close()
            runtime.close()
            fake.reset()


def _project_with_every_bench_user(slack: SlackRequests, fake: FakeSlack) -> None:
    members = " ".join(f"<@UB{n:03d}|ub{n:03d}>" for n in range(CONCURRENCY))
    reply = slack.command("/project", f"new 벤치 과제 key=BENCH <#CBENCH|bench> {members}", user_id="UBLEAD")
    fake.wait_for("response_url", lambda c: c.params["_key"] == reply.response_key, timeout=30)
    fake.reset()


def run() -> list[tuple[str, str, str, str]]:
    """Rows of (figure, value, baseline, ratio)."""
    with FakeSlack() as fake:
        base = bare_bolt(fake)
        fake.reset()
        measured = {
            "/project list": onnuri(fake, "/project", "list"),
            "/progress BENCH 40% text": onnuri(
                fake, "/progress", "BENCH 40% 벤치마크 보고", prepare=_project_with_every_bench_user
            ),
        }
        fake.delay("response_url", 0.5)
        fake.delay("users.info", 0.5)
        measured["/project list, Slack answering in 500 ms"] = onnuri(fake, "/project", "list")
    rows = []
    for name, figures in measured.items():
        for label, value, baseline in (
            ("ack p50 (ms)", figures.p50_ms, base.p50_ms),
            ("ack p95 (ms)", figures.p95_ms, base.p95_ms),
            ("ack p99 (ms)", figures.p99_ms, base.p99_ms),
            ("ack max (ms)", figures.max_ms, base.max_ms),
            ("requests per second", figures.per_second, base.per_second),
        ):
            rows.append((f"{name}: {label}", f"{value:.1f}", f"{baseline:.1f}", f"{value / baseline:.2f}"))
    return rows


if __name__ == "__main__":
    for row in run():
        print(" | ".join(row))
