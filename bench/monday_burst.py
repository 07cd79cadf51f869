"""Monday morning at scale (issue 16): every member of a project sends `/progress KEY NN% 주간 보고 0007` at
once, 25 requests in flight, against `onnuri run --http` (a real process, its delivery worker on, timed jobs
off) and, in the same run, against a bare Bolt process that only acks (the same burst, the same server).

Two layouts: everyone in one project and one channel (300 members), and the same people spread over 15
projects of 20 members with channels of their own; on SQLite and on PostgreSQL (skipped with a message when
the server at 127.0.0.1:5432 does not answer). The organisation is registered through the services before
the bot starts, every member already joined, and what registering queued is delivered before the burst.
Before the burst, members open the bot's App Home (signed app_home_opened events; everyone by default), as
people do on a Monday morning: the bot redraws the Homes of people who opened theirs lately.

Figures: ack p50/p99/max, acks over 1 s and over 3 s, non-200 answers; how long until each report is visible
in its project's channel (from the request's send time until the fake Slack recorded a successful
chat.postMessage or chat.update to that channel whose text or blocks mention the report's unique text, so a
message carrying several reports counts for each), p50/p99, how many within 15 s and by the end of the wait;
outbox rows written per report and how many of them are home.refresh (a 300-member project next to a
20-member one shows whether the rows per action grow with the members).

Quick:  python -m bench.monday_burst --members 60 --wait 60
Full:   python -m bench.monday_burst            (300 members, 15 projects, 25 in flight, 120 s wait)
Also by environment (what `python -m bench` uses): BENCH_MEMBERS, BENCH_PROJECTS, BENCH_IN_FLIGHT,
BENCH_WAIT, BENCH_BACKENDS (comma-separated: sqlite,postgresql), BENCH_LAYOUTS (one,spread),
BENCH_HOME_OPENED (share of members who opened App Home before the burst, 0 to 1; default 1).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bench.fleet import (
    Commands,
    HealthProbe,
    Job,
    Layout,
    OutboxCount,
    Row,
    Sent,
    Visibility,
    ack_rows,
    database,
    env_float,
    env_int,
    env_list,
    layout,
    open_homes,
    outbox_count,
    postgres_available,
    print_rows,
    progress_jobs,
    row,
    running,
    say,
    seed,
    start_bare_bolt,
    start_bot,
    visibility_rows,
    wait_drained,
)
from bot.fakeslack.web_api import FakeSlack

BACKEND_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
SETUP_DRAIN_SECONDS = 180.0


@dataclass(frozen=True)
class Params:
    members: int = 300
    projects: int = 15
    in_flight: int = 25
    wait: float = 120.0
    backends: tuple[str, ...] = ("sqlite", "postgresql")
    layouts: tuple[str, ...] = ("one", "spread")
    home_opened: float = 1.0  # the share of members who opened App Home before the burst

    @classmethod
    def from_env(cls) -> Params:
        return cls(
            members=env_int("BENCH_MEMBERS", cls.members),
            projects=env_int("BENCH_PROJECTS", cls.projects),
            in_flight=env_int("BENCH_IN_FLIGHT", cls.in_flight),
            wait=env_float("BENCH_WAIT", cls.wait),
            backends=tuple(env_list("BENCH_BACKENDS", ",".join(cls.backends))),
            layouts=tuple(env_list("BENCH_LAYOUTS", ",".join(cls.layouts))),
            home_opened=env_float("BENCH_HOME_OPENED", cls.home_opened),
        )


@dataclass
class Outcome:
    label: str
    plan: Layout
    sent: list[Sent]
    base: list[Sent]
    vis: Visibility
    waited: float
    before: OutboxCount
    after: OutboxCount
    slack_calls: Counter
    log: dict[str, int]
    burst_seconds: float
    setup_drained: bool
    health: str
    homes_opened: int
    drained_after: float | None  # seconds after the burst until no outbox row was pending, None: not within the wait
    wait: float


def _warm_up(commands: Commands, plan: Layout, in_flight: int) -> None:
    """First requests pay for imports and pools; `/progress help` changes nothing."""
    spec = plan.projects[0]
    jobs = [
        Job(spec.members[n % len(spec.members)], "/progress", "help", spec.channel, f"warm {n}", spec.channel)
        for n in range(in_flight)
    ]
    commands.burst(jobs, in_flight)


def scenario(backend: str, plan: Layout, params: Params) -> Outcome:
    label = f"{BACKEND_NAMES.get(backend, backend)}, {plan.describe()}"
    say(f"monday_burst: {label}: setting up")
    with (
        FakeSlack() as fake,
        tempfile.TemporaryDirectory(prefix="bench-monday-") as folder,
        database(backend, f"monday_{plan.name}") as url,
    ):
        hooks = fake.url.removesuffix("/api/")
        seed(url, plan, fake)
        bot = start_bot("onnuri", url, fake.url, Path(folder))
        bare = start_bare_bolt("bare-bolt", fake.url, Path(folder))
        with running(bot, bare):
            bot.wait_ready()
            bare.wait_ready()
            drained, seconds = wait_drained(url, SETUP_DRAIN_SECONDS)
            say(f"monday_burst: {label}: setup rows delivered in {seconds:.0f} s" + ("" if drained else " (NOT all)"))
            everyone = [m for p in plan.projects for m in p.members]
            watchers = everyone[:: max(1, round(1 / params.home_opened))] if params.home_opened > 0 else []
            homes = open_homes(bot.base_url, fake, watchers, params.in_flight) if watchers else 0
            say(f"monday_burst: {label}: {homes} of {len(everyone)} members opened App Home")
            drained = drained and wait_drained(url, SETUP_DRAIN_SECONDS)[0]
            jobs = progress_jobs(plan)
            bare_commands, bot_commands = Commands(bare.base_url, hooks), Commands(bot.base_url, hooks)
            _warm_up(bare_commands, plan, params.in_flight)
            base = bare_commands.burst(jobs, params.in_flight)
            _warm_up(bot_commands, plan, params.in_flight)
            time.sleep(1.0)
            before = outbox_count(url)
            vis = Visibility(fake, start_index=len(fake.calls))
            mark = len(fake.calls)
            with HealthProbe([bot]) as probe:
                started = time.monotonic()
                sent = bot_commands.burst(jobs, params.in_flight)
                burst_seconds = time.monotonic() - started
                say(f"monday_burst: {label}: {len(sent)} reports acked in {burst_seconds:.1f} s; waiting for delivery")
                vis.expect(sent)
                waited = vis.wait(params.wait)
            say(f"monday_burst: {label}: {len(vis.seen)}/{len(sent)} visible after {waited:.0f} s")
            after = outbox_count(url)  # every report's rows are written by now: its card was seen, or time is up
            emptied, more = wait_drained(url, max(0.0, params.wait - waited))
            drained_after = waited + more if emptied else None
            slack_calls = Counter(c.method for c in fake.calls[mark:])
            log = bot.log_problems()
            for count, line in bot.error_summary():
                say(f"monday_burst: {label}: bot log, {count} x: {line}")
    health = probe.summary()
    return Outcome(
        label,
        plan,
        sent,
        base,
        vis,
        waited,
        before,
        after,
        slack_calls,
        log,
        burst_seconds,
        drained,
        health,
        homes,
        drained_after,
        params.wait,
    )


def _rows(outcome: Outcome, per_action_baseline: float | None, refresh_baseline: float | None) -> list[Row]:
    name = outcome.label
    actions = len(outcome.sent)
    rows = ack_rows(name, outcome.sent, outcome.base)
    rows.append(row(f"{name}: reports acked per second", actions / outcome.burst_seconds))
    rows += visibility_rows(name, outcome.vis, actions, outcome.waited)
    written = outcome.after.total - outcome.before.total
    refreshes = outcome.after.home_refresh - outcome.before.home_refresh
    rows += [
        row(f"{name}: outbox rows written per report", written / actions, per_action_baseline, 2),
        row(f"{name}: members who had opened App Home (redraws go only to them)", outcome.homes_opened),
        row(f"{name}: home.refresh rows written", refreshes),
        row(f"{name}: home.refresh rows per report", refreshes / actions, refresh_baseline, 2),
        row(
            f"{name}: seconds after the burst until no outbox row was pending (Home redraws too)",
            outcome.drained_after if outcome.drained_after is not None else f"> {outcome.wait:.0f}",
        ),
        row(
            f"{name}: Slack calls after the burst (chat.postMessage / chat.update / views.publish)",
            " / ".join(str(outcome.slack_calls[m]) for m in ("chat.postMessage", "chat.update", "views.publish")),
        ),
        row(f"{name}: GET /healthz during burst and wait, p50 / max (ms)", outcome.health),
        row(f"{name}: bot log lines with ERROR / Traceback", f"{outcome.log['ERROR']} / {outcome.log['Traceback']}"),
    ]
    if not outcome.setup_drained:
        rows.append(row(f"{name}: NOTE", "setup rows were still pending when the burst started"))
    return rows


def run(params: Params | None = None) -> list[Row]:
    """Rows of (figure, value, baseline, ratio); the baseline of an ack figure is the bare Bolt app's, that of
    rows per report in the one-project layout is the spread layout's (20 members a project)."""
    params = params or Params.from_env()
    backends = list(params.backends)
    rows: list[Row] = []
    if "postgresql" in backends and not postgres_available():
        rows.append(("PostgreSQL", "skipped: no server answers at 127.0.0.1:5432", "-", "-"))
        backends.remove("postgresql")
    plans = {
        "spread": layout("spread", params.members, params.projects, prefix="WK"),
        "one": layout("one", params.members, 1, prefix="MON"),
    }
    for backend in backends:
        outcomes = {
            name: scenario(backend, plans[name], params) for name in ("spread", "one") if name in params.layouts
        }
        spread = outcomes.get("spread")
        for name in params.layouts:
            outcome = outcomes[name]
            per_action = refresh = None
            if name == "one" and spread is not None:
                per_action = (spread.after.total - spread.before.total) / len(spread.sent)
                refresh = (spread.after.home_refresh - spread.before.home_refresh) / len(spread.sent)
            rows += _rows(outcome, per_action, refresh)
    return rows


def main() -> None:
    defaults = Params.from_env()
    parser = argparse.ArgumentParser(prog="python -m bench.monday_burst", description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=defaults.members, help="reports in the burst (people)")
    parser.add_argument("--projects", type=int, default=defaults.projects, help="projects in the spread layout")
    parser.add_argument("--in-flight", type=int, default=defaults.in_flight, help="requests in flight at once")
    parser.add_argument("--wait", type=float, default=defaults.wait, help="seconds to wait for delivery")
    parser.add_argument("--backends", default=",".join(defaults.backends), help="sqlite,postgresql")
    parser.add_argument("--layouts", default=",".join(defaults.layouts), help="one,spread")
    parser.add_argument(
        "--home-opened", type=float, default=defaults.home_opened, help="share of members who opened App Home"
    )
    parser.add_argument("--quick", action="store_true", help="60 members, 60 s wait")
    args = parser.parse_args()
    params = Params(
        members=60 if args.quick else args.members,
        projects=args.projects,
        in_flight=args.in_flight,
        wait=60.0 if args.quick else args.wait,
        backends=tuple(b.strip() for b in args.backends.split(",") if b.strip()),
        layouts=tuple(s.strip() for s in args.layouts.split(",") if s.strip()),
        home_opened=args.home_opened,
    )
    print_rows(run(params))


if __name__ == "__main__":
    main()
