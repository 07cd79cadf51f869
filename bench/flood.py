"""A flood of bad requests against the front door while real commands run: 1,000 unsigned requests of
1 MB and 1,000 signed malformed ones, with 20 real slash commands sent in the middle of it. The figures are
the real commands' ack times next to the same 20 commands on a quiet bot, in the same run, and what one
refused request costs.
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.ack_latency import SECRET, _serve
from bot.fakeslack.payloads import SlackRequests
from bot.fakeslack.web_api import FakeSlack
from bot.runtime import build_runtime
from bot.settings import Settings
from bot.web import make_wsgi_app

UNSIGNED = 1000
MALFORMED = 1000
REAL = 20
FLOOD_THREADS = 8
MEGABYTE = b"payload=" + b"x" * (1_000_000 - 8)


def _real_commands(slack: SlackRequests) -> list[float]:
    def one(n: int) -> float:
        started = time.perf_counter()
        reply = slack.command("/project", "list", user_id=f"UR{n:02d}")
        assert reply.status == 200, reply.status
        return time.perf_counter() - started

    with ThreadPoolExecutor(4) as pool:
        return sorted(pool.map(one, range(REAL)))


def run() -> list[tuple[str, str, str, str]]:
    with FakeSlack() as fake, tempfile.TemporaryDirectory() as folder:
        for n in range(REAL):
            fake.add_user(f"UR{n:02d}", name=f"ur{n:02d}", team_id="T1")
        settings = Settings(
            slack_bot_token="xoxb-bench",
            slack_signing_secret=SECRET,
            slack_api_url=fake.url,
            database_url=f"sqlite:///{Path(folder) / 'flood.db'}",
        )
        runtime = build_runtime(settings)
        runtime.delivery.start()
        server = _serve(make_wsgi_app(runtime.app, runtime.engine, runtime.settings))
        slack = SlackRequests(f"http://127.0.0.1:{server.effective_port}", SECRET, fake=fake)
        try:
            _real_commands(slack)  # warm up: profiles fetched, pools filled
            quiet = _real_commands(slack)
            refused: list[float] = []
            statuses: list[int] = []
            lock = threading.Lock()

            def bad(n: int) -> None:
                started = time.perf_counter()
                if n % 2:
                    reply = slack.raw(MEGABYTE, content_type="application/x-www-form-urlencoded", signed=False)
                else:
                    reply = slack.raw("payload=[1,2,3]", content_type="application/x-www-form-urlencoded")
                with lock:
                    refused.append(time.perf_counter() - started)
                    statuses.append(reply.status)

            fake.wait_for("response_url", count=2 * REAL, timeout=30)
            before = len(fake.calls)
            flood_started = time.perf_counter()
            with ThreadPoolExecutor(FLOOD_THREADS) as pool:
                flood = pool.map(bad, range(UNSIGNED + MALFORMED))
                time.sleep(0.5)  # the flood is under way
                busy = _real_commands(slack)
                list(flood)
            flood_seconds = time.perf_counter() - flood_started
            fake.wait_for("response_url", count=3 * REAL, timeout=30)
            during = fake.calls[before:]
        finally:
            server.close()
            runtime.close()
    assert statuses.count(401) == UNSIGNED and statuses.count(200) == MALFORMED, set(statuses)
    refused.sort()
    rows = [
        ("real command ack p50 (ms)", statistics.median(busy) * 1000, statistics.median(quiet) * 1000),
        ("real command ack max (ms)", busy[-1] * 1000, quiet[-1] * 1000),
        ("real commands acked over 1 s", sum(t > 1 for t in busy), sum(t > 1 for t in quiet)),
    ]
    table = [
        (name, f"{value:.1f}", f"{base:.1f}", f"{value / base:.2f}" if base else "-") for name, value, base in rows
    ]
    table += [
        ("bad requests answered (401 unsigned / 200 malformed)", f"{UNSIGNED} / {MALFORMED}", "-", "-"),
        ("one bad request, p50 (ms)", f"{statistics.median(refused) * 1000:.1f}", "-", "-"),
        ("bad requests per second", f"{len(refused) / flood_seconds:.0f}", "-", "-"),
        (
            "Slack calls other than the real commands' answers",
            str(sum(c.method != "response_url" for c in during)),
            "-",
            "-",
        ),
    ]
    return table


if __name__ == "__main__":
    for row in run():
        print(" | ".join(row))
