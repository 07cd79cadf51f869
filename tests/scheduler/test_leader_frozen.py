"""A scheduler leader frozen with SIGSTOP, on PostgreSQL: the server ends its lock's session a lease after
its last renewal, so another process leads; resumed with SIGCONT, the old leader stands by before it runs
a job. Before idle_session_timeout, a frozen leader kept its lock for as long as it was stopped.

The frozen leader is this module run as a program: a SchedulerRunner whose lease is a few seconds, checking
every 0.2 s, whose job only says that it ran. Each test runs in a database of its own.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from scheduler.leader import AdvisoryLockLeader
from tests.scheduler.test_leader import new_database

ROOT = Path(__file__).parents[2]
LEASE = timedelta(seconds=3)
TAKEOVER_WITHIN = LEASE.total_seconds() + 7  # the check interval and a backend's exit, with room to spare
CHECK_PAUSE = 0.2


def run_frozen_leader(url: str, lease: timedelta, freeze_after_renewal: bool) -> None:
    """Checks every CHECK_PAUSE and prints its role when it changes and "job" when the job runs; with
    `freeze_after_renewal` it stops itself right after a renewal, where a job would follow."""
    from bot.compose import organisation
    from bot.settings import Settings
    from models.db import make_engine, make_session_factory
    from scheduler import jobs
    from scheduler.runner import SchedulerRunner

    def job(*_args) -> dict[str, int]:
        print("job", flush=True)
        return {}

    jobs.tick = job
    engine = make_engine(url)
    leader = AdvisoryLockLeader(engine, lease=lease)
    settings = Settings(slack_bot_token="xoxb-test", database_url=url, admins=frozenset())
    runner = SchedulerRunner(
        engine, make_session_factory(engine), organisation(settings), lambda: None, tick_seconds=1, leader=leader
    )
    if freeze_after_renewal:
        renew, renewals = leader.try_lead, []

        def renew_then_freeze() -> bool:
            led = renew()
            renewals.append(led)
            if led and len(renewals) == 2:  # led and ran the job once already
                print("frozen", flush=True)
                os.kill(os.getpid(), signal.SIGSTOP)
            return led

        leader.try_lead = renew_then_freeze  # type: ignore[method-assign]
    role = None
    deadline = time.monotonic() + 120  # never outlives a test that forgot it
    while time.monotonic() < deadline:
        runner.check()
        if runner.role != role:
            role = runner.role
            print(role, flush=True)
        time.sleep(CHECK_PAUSE)


class Child:
    def __init__(self, url: str, log: Path, *extra: str) -> None:
        self.log = log
        with log.open("w") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tests.scheduler.test_leader_frozen", url, str(LEASE.total_seconds()), *extra],
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def lines(self) -> list[str]:
        return self.log.read_text().splitlines()

    def stopped(self) -> bool:
        return Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "T"

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()  # a stopped process dies of SIGKILL too
        self.process.wait(timeout=10)


def wait_until(condition: Callable[[], bool], timeout: float, child: Child) -> float:
    started = time.monotonic()
    while not condition():
        assert child.process.poll() is None, child.lines()
        assert time.monotonic() - started < timeout, child.lines()
        time.sleep(0.05)
    return time.monotonic() - started


@pytest.fixture
def own_database(database_url: str) -> Iterator[str]:
    if not database_url.startswith("postgresql"):
        pytest.skip("a frozen advisory-lock holder needs PostgreSQL (set TEST_DATABASE_URL)")
    if not Path("/proc/self/stat").exists():
        pytest.skip("watching a process stop needs /proc")
    with new_database(database_url) as url:
        yield url


@pytest.fixture
def standby(own_database: str) -> Iterator[AdvisoryLockLeader]:
    from models.db import make_engine

    engine = make_engine(own_database)
    leader = AdvisoryLockLeader(engine)  # the default lease: it need not renew while the test waits
    yield leader
    leader.release()
    engine.dispose()


def take_over_from(child: Child, standby: AdvisoryLockLeader) -> None:
    took = wait_until(standby.try_lead, TAKEOVER_WITHIN, child)
    assert took <= TAKEOVER_WITHIN
    assert child.stopped()  # still frozen: the server, not the child, gave the lock up


def resumes_and_stands_by_without_a_job(child: Child, stopped_at: int) -> None:
    child.process.send_signal(signal.SIGCONT)
    wait_until(lambda: "standby" in child.lines()[stopped_at:], 10, child)
    assert "job" not in child.lines()[stopped_at:], child.lines()


def test_leader_stopped_with_sigstop_loses_the_lead_and_on_sigcont_stands_by(own_database, standby, tmp_path):
    child = Child(own_database, tmp_path / "frozen.log")
    try:
        wait_until(lambda: "job" in child.lines(), 30, child)
        assert standby.try_lead() is False
        child.process.send_signal(signal.SIGSTOP)
        wait_until(child.stopped, 5, child)
        stopped_at = len(child.lines())
        take_over_from(child, standby)
        resumes_and_stands_by_without_a_job(child, stopped_at)
        time.sleep(1)  # a few more checks: it stays standing by
        assert child.lines()[-1] == "standby" and standby.still_leads()
    finally:
        child.kill()


def test_leader_frozen_between_its_renewal_and_the_job_does_not_run_the_job(own_database, standby, tmp_path):
    child = Child(own_database, tmp_path / "frozen.log", "--freeze-after-renewal")
    try:
        wait_until(lambda: "frozen" in child.lines() and child.stopped(), 30, child)
        assert child.lines().count("job") == 1
        stopped_at = child.lines().index("frozen") + 1
        take_over_from(child, standby)
        resumes_and_stands_by_without_a_job(child, stopped_at)
    finally:
        child.kill()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("lease_seconds", type=float)
    parser.add_argument("--freeze-after-renewal", action="store_true")
    args = parser.parse_args()
    run_frozen_leader(args.url, timedelta(seconds=args.lease_seconds), args.freeze_after_renewal)
