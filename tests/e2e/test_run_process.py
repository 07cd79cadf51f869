"""`onnuri run` as a real process: migrates, serves HTTP, answers Slack, stops cleanly, leaks nothing."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.fakeslack.payloads import SlackRequests
from tests.conftest import BOT_TOKEN, SIGNING_SECRET

ROOT = Path(__file__).parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def running(tmp_path, fake_slack):
    port = free_port()
    env = {
        "PATH": "",
        "PYTHONPATH": str(ROOT),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake_slack.url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}",
        "PORT": str(port),
        "ONNURI_LOG_LEVEL": "DEBUG",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--no-scheduler"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    slack = SlackRequests(f"http://127.0.0.1:{port}", SIGNING_SECRET, fake=fake_slack)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if slack.get("/healthz").status == 200:
                break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        pytest.fail("onnuri run did not become healthy: " + (process.communicate()[0] or ""))
    yield process, slack
    if process.poll() is None:
        process.kill()
        process.communicate()


def test_run_serves_commands_and_stops_on_sigterm_without_leaking_secrets(running, fake_slack):
    process, slack = running
    reply = slack.command("/project", "new 신청사 건립 key=HALL <@U2|lee>")
    assert reply.status == 200
    answer = fake_slack.wait_for("response_url", lambda c: c.params["_key"] == reply.response_key)[0]
    assert "HALL" in answer.params["text"]
    fake_slack.wait_for("chat.postMessage", lambda c: c.params["channel"] == "U2")
    assert slack.raw("x=1", content_type="application/x-www-form-urlencoded", signature="v0=bad").status == 401
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=20)
    assert process.returncode == 0, output
    print(output)
    assert "listening on" in output
    for secret in (BOT_TOKEN, SIGNING_SECRET, "xoxb-", "/response/", "%2Fresponse%2F"):
        assert secret not in output
