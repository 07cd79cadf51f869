"""Two replicas (issue 16): two `onnuri run --http` processes (timed jobs on in both) on one PostgreSQL database
of their own, behind HAProxy from the distribution's packages (round-robin, health-checked on /healthz),
both talking to the same fake Slack. The Monday burst (every member of 15 projects of 20 sends
`/progress KEY NN% 주간 보고 0007`, 25 in flight) goes through HAProxy.

Shown: that each process answered part of the burst (HAProxy names the replica in a response header), that
each process delivered part of the outbox (each replica has a token of its own, and the fake Slack records
which token made each post), that only one of them leads the scheduler (GET /healthz of each), that every
report is in its channel exactly once (messages now in the fake Slack mentioning each report's unique text:
0 lost, 0 doubled), and ack and delivery figures. The baseline, in the same run, is the same burst through
the same HAProxy to a single replica on a fresh database.

Skipped, with a message, when the haproxy binary is missing (`apt-get install -y haproxy`) or PostgreSQL does
not answer at 127.0.0.1:5432.

Quick:  python -m bench.replicas --members 60 --wait 60
Full:   python -m bench.replicas          (300 members over 15 projects, 25 in flight, 120 s wait)
Also by environment: BENCH_MEMBERS, BENCH_PROJECTS, BENCH_IN_FLIGHT, BENCH_WAIT, BENCH_REPLICA_LAYOUT
(spread, or one: everyone in one project and channel), BENCH_HOME_OPENED (share of members who opened App
Home before the burst, default 1).
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
    Process,
    Row,
    Sent,
    Visibility,
    ack_rows,
    copies,
    database,
    env_float,
    env_int,
    haproxy_binary,
    layout,
    open_homes,
    postgres_available,
    print_rows,
    progress_jobs,
    row,
    running,
    say,
    seed,
    start_bot,
    start_haproxy,
    visibility_rows,
    wait_drained,
)
from bot.fakeslack.web_api import FakeSlack

SETUP_DRAIN_SECONDS = 180.0
ROLE_WAIT_SECONDS = 30.0


@dataclass(frozen=True)
class Params:
    members: int = 300
    projects: int = 15
    in_flight: int = 25
    wait: float = 120.0
    layout: str = "spread"
    home_opened: float = 1.0  # the share of members who opened App Home before the burst

    @classmethod
    def from_env(cls) -> Params:
        import os

        return cls(
            members=env_int("BENCH_MEMBERS", cls.members),
            projects=env_int("BENCH_PROJECTS", cls.projects),
            in_flight=env_int("BENCH_IN_FLIGHT", cls.in_flight),
            wait=env_float("BENCH_WAIT", cls.wait),
            layout=os.environ.get("BENCH_REPLICA_LAYOUT", "").strip() or cls.layout,
            home_opened=env_float("BENCH_HOME_OPENED", cls.home_opened),
        )


@dataclass
class Outcome:
    replicas: int
    sent: list[Sent]
    vis: Visibility
    waited: float
    copies: dict[str, int]
    served_by: Counter
    posts_by_replica: Counter
    roles: list[dict[str, str]]  # each sample: replica -> role
    log_errors: dict[str, tuple[int, int]]
    health: str


def _roles(bots: list[Process]) -> dict[str, str]:
    return {b.name: str((b.health() or {}).get("scheduler", "?")) for b in bots}


def _settled_roles(bots: list[Process]) -> dict[str, str]:
    """Waits until one replica says it leads (each checks at start, then every 15 s)."""
    deadline = time.monotonic() + ROLE_WAIT_SECONDS
    roles = _roles(bots)
    while time.monotonic() < deadline and "leader" not in roles.values():
        time.sleep(0.5)
        roles = _roles(bots)
    return roles


def scenario(replicas: int, plan: Layout, params: Params) -> Outcome:
    name = f"{replicas} replica{'s' if replicas > 1 else ''}"
    say(f"replicas: {name}: setting up")
    with (
        FakeSlack() as fake,
        tempfile.TemporaryDirectory(prefix="bench-replicas-") as folder,
        database("postgresql", "replicas") as url,
    ):
        hooks = fake.url.removesuffix("/api/")
        seed(url, plan, fake)
        bots = [
            start_bot(f"bot{n + 1}", url, fake.url, Path(folder), scheduler=True, token=f"xoxb-bench-replica-{n + 1}")
            for n in range(replicas)
        ]
        with running(*bots):
            for bot in bots:
                bot.wait_ready()
            balancer = start_haproxy(bots, Path(folder))
            with running(balancer):
                balancer.wait_ready()
                drained, seconds = wait_drained(url, SETUP_DRAIN_SECONDS)
                say(f"replicas: {name}: setup rows delivered in {seconds:.0f} s" + ("" if drained else " (NOT all)"))
                everyone = [m for p in plan.projects for m in p.members]
                share = params.home_opened
                watchers = everyone[:: max(1, round(1 / share))] if share > 0 else []
                if watchers:
                    opened = open_homes(balancer.base_url, fake, watchers, params.in_flight)
                    say(f"replicas: {name}: {opened} of {len(everyone)} members opened App Home")
                    wait_drained(url, SETUP_DRAIN_SECONDS)
                roles = [_settled_roles(bots)]
                commands = Commands(balancer.base_url, hooks)
                spec = plan.projects[0]
                warm = [Job(spec.members[0], "/progress", "help", spec.channel, "-", spec.channel)] * (2 * replicas)
                commands.burst(warm, params.in_flight)
                time.sleep(1.0)
                vis = Visibility(fake, start_index=len(fake.calls))
                mark = len(fake.calls)
                with HealthProbe(bots) as probe:
                    sent = commands.burst(progress_jobs(plan), params.in_flight)
                    acked = sum(s.status == 200 for s in sent)
                    say(f"replicas: {name}: {acked}/{len(sent)} reports acked; waiting for delivery")
                    vis.expect(sent)
                    roles.append(_roles(bots))
                    waited = vis.wait(params.wait)
                    roles.append(_roles(bots))
                say(f"replicas: {name}: {len(vis.seen)}/{len(sent)} visible after {waited:.0f} s")
                channels = {p.channel for p in plan.projects}
                tokens = {b.name: f"xoxb-bench-replica-{n + 1}" for n, b in enumerate(bots)}
                by_token = Counter(
                    c.token
                    for c in fake.calls[mark:]
                    if c.method == "chat.postMessage" and c.ok and c.params.get("channel") in channels
                )
                posts = Counter({name: by_token[token] for name, token in tokens.items()})
                found = copies(fake, [s for s in sent if s.status == 200])
            log_errors = {}
            for bot in bots:
                problems = bot.log_problems()
                log_errors[bot.name] = (problems["ERROR"], problems["Traceback"])
                for count, line in bot.error_summary():
                    say(f"replicas: {bot.name}: bot log, {count} x: {line}")
    return Outcome(
        replicas=replicas,
        sent=sent,
        vis=vis,
        waited=waited,
        copies=found,
        served_by=Counter(s.replica or "?" for s in sent),
        posts_by_replica=posts,
        roles=roles,
        log_errors=log_errors,
        health=probe.summary(),
    )


def _split(counter: Counter, names: list[str]) -> str:
    return " / ".join(str(counter.get(n, 0)) for n in names)


def _role_samples(roles: list[dict[str, str]], names: list[str]) -> str:
    return "; ".join(" / ".join(sample.get(n, "?") for n in names) for sample in roles)


def run(params: Params | None = None) -> list[Row]:
    params = params or Params.from_env()
    if haproxy_binary() is None:
        message = "skipped: the haproxy binary is missing (apt-get install -y haproxy)"
        print(f"replicas: {message}")
        return [("two replicas behind HAProxy", message, "-", "-")]
    if not postgres_available():
        message = "skipped: PostgreSQL does not answer at 127.0.0.1:5432"
        print(f"replicas: {message}")
        return [("two replicas behind HAProxy", message, "-", "-")]
    projects = 1 if params.layout == "one" else params.projects
    plan = layout(params.layout, params.members, projects, prefix="RP")
    single = scenario(1, plan, params)
    pair = scenario(2, plan, params)
    names = ["bot1", "bot2"]
    label = f"2 replicas, {plan.describe()}"
    total = len(pair.sent)
    lost = sum(n == 0 for n in pair.copies.values())
    doubled = sum(n > 1 for n in pair.copies.values())
    rows = ack_rows(label, pair.sent, single.sent)
    rows += [
        row(f"{label}: requests answered by bot1 / bot2 (via HAProxy)", _split(pair.served_by, names)),
        row(f"{label}: channel posts made by bot1 / bot2", _split(pair.posts_by_replica, names)),
        row(
            f"{label}: scheduler role of bot1 / bot2 (before; after the burst; at the end)",
            _role_samples(pair.roles, names),
        ),
    ]
    rows += visibility_rows(label, pair.vis, total, pair.waited, single.vis, single.waited)
    rows += [
        row(f"{label}: reports acked 200 but lost (in no message)", lost, sum(n == 0 for n in single.copies.values())),
        row(f"{label}: reports doubled (in 2+ messages)", doubled, sum(n > 1 for n in single.copies.values())),
        row(f"{label}: GET /healthz during burst and wait, p50 / max (ms)", pair.health, single.health),
        row(
            f"{label}: bot log lines with ERROR / Traceback (bot1; bot2)",
            "; ".join(f"{e} / {t}" for e, t in pair.log_errors.values()),
        ),
    ]
    return rows


def main() -> None:
    defaults = Params.from_env()
    parser = argparse.ArgumentParser(prog="python -m bench.replicas", description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=defaults.members)
    parser.add_argument("--projects", type=int, default=defaults.projects)
    parser.add_argument("--in-flight", type=int, default=defaults.in_flight)
    parser.add_argument("--wait", type=float, default=defaults.wait, help="seconds to wait for delivery")
    parser.add_argument("--layout", choices=("spread", "one"), default=defaults.layout)
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
        layout=args.layout,
        home_opened=args.home_opened,
    )
    print_rows(run(params))


if __name__ == "__main__":
    main()
