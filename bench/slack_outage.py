"""A Slack outage and the recovery after it (issue 16): `onnuri run --http` (a real process) talks to the fake
Slack through a gate of ours. For the first half of the outage the gate answers every Web API call and
response_url post with HTTP 500 internal_error; for the second half it refuses connections (its socket is
closed). Progress cards (`/progress KEY NN% 장애 보고 0007`, shown in the project's channel) and approval
requests (`/approval request KEY @lead 결재 요청 0003`, asked of the approver in a DM) are sent during both
halves, so they queue in the outbox while Slack is away. Then Slack comes back, and we wait for delivery.

Figures: how many were lost (in no message) or doubled (in 2+ messages) once Slack is back, how long after its
return the last one became visible, outbox rows given up (dead), ack times while Slack is down. The baseline,
in the same run and on the same bot, is the same batch sent while Slack is up.

The outage lasts 300 s in the full run; delivery retries back off (doubling, up to minutes), so the wait after
recovery is long too (it ends early once no outbox row is pending).

Quick:  python -m bench.slack_outage --outage 20 --recovery-wait 120
Full:   python -m bench.slack_outage            (300 s outage, up to 660 s for recovery)
Also by environment: BENCH_OUTAGE (seconds), BENCH_RECOVERY_WAIT, BENCH_OUTAGE_REPORTS (progress reports per
batch, default 20 over 4 projects), BENCH_OUTAGE_APPROVALS (default 8), BENCH_OUTAGE_BACKEND (sqlite or
postgresql).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.fleet import (
    Commands,
    Job,
    Layout,
    Row,
    Sent,
    SlackGate,
    Visibility,
    copies,
    database,
    env_float,
    env_int,
    layout,
    median,
    outbox_count,
    postgres_available,
    print_rows,
    progress_jobs,
    row,
    running,
    say,
    seed,
    start_bot,
    wait_drained,
)
from bot.fakeslack.web_api import FakeSlack

PROJECTS = 4
SETUP_DRAIN_SECONDS = 120.0
BASELINE_WAIT = 120.0
IN_FLIGHT = 10


@dataclass(frozen=True)
class Params:
    outage: float = 300.0
    recovery_wait: float = 660.0
    reports: int = 20
    approvals: int = 8
    backend: str = "sqlite"

    @classmethod
    def from_env(cls) -> Params:
        return cls(
            outage=env_float("BENCH_OUTAGE", cls.outage),
            recovery_wait=env_float("BENCH_RECOVERY_WAIT", cls.recovery_wait),
            reports=env_int("BENCH_OUTAGE_REPORTS", cls.reports),
            approvals=env_int("BENCH_OUTAGE_APPROVALS", cls.approvals),
            backend=os.environ.get("BENCH_OUTAGE_BACKEND", "").strip() or cls.backend,
        )


def _approval_jobs(plan: Layout, count: int, *, label: str, start: int) -> list[Job]:
    """Members ask their project's lead to approve; the ask lands in the lead's DM."""
    jobs = []
    for n in range(count):
        spec = plan.projects[n % len(plan.projects)]
        lead = spec.members[0]
        requester = spec.members[1 + (n // len(plan.projects)) % (len(spec.members) - 1)]
        token = f"{label} {start + n:04d}"
        text = f"request {spec.key} <@{lead}|{lead.lower()}> {token}"
        jobs.append(Job(requester, "/approval", text, spec.channel, token, lead))
    return jobs


def _batch(plan: Layout, params: Params, *, phase: str, start: int) -> list[Job]:
    reports = progress_jobs(plan, label=f"{phase} 보고", start=start)[: params.reports]
    approvals = _approval_jobs(plan, params.approvals, label=f"{phase} 결재 요청", start=start)
    mixed: list[Job] = []
    for n in range(max(len(reports), len(approvals))):  # interleaved, as people would send them
        mixed += reports[n : n + 1] + approvals[n : n + 1]
    return mixed


@dataclass
class Phase:
    sent: list[Sent]
    vis: Visibility
    copies: dict[str, int]
    dead: int

    @property
    def lost(self) -> int:
        return sum(n == 0 for n in self.copies.values())

    @property
    def doubled(self) -> int:
        return sum(n > 1 for n in self.copies.values())


def run(params: Params | None = None) -> list[Row]:
    params = params or Params.from_env()
    backend = params.backend
    if backend == "postgresql" and not postgres_available():
        message = "skipped: PostgreSQL does not answer at 127.0.0.1:5432"
        print(f"slack_outage: {message}")
        return [("Slack outage", message, "-", "-")]
    members = max(params.reports, 2 * PROJECTS)
    plan = layout("outage", members, PROJECTS, prefix="OUT")
    label = f"Slack down {params.outage:g} s (500s, then refused connections)"
    with (
        FakeSlack() as fake,
        tempfile.TemporaryDirectory(prefix="bench-outage-") as folder,
        database(backend, "outage") as url,
    ):
        gate = SlackGate(fake)
        hooks = gate.url.removesuffix("/api/")
        seed(url, plan, fake)
        bot = start_bot("onnuri", url, gate.url, Path(folder))
        with running(bot):
            bot.wait_ready()
            drained, seconds = wait_drained(url, SETUP_DRAIN_SECONDS)
            say(f"slack_outage: setup rows delivered in {seconds:.0f} s" + ("" if drained else " (NOT all)"))
            commands = Commands(bot.base_url, hooks)

            # the baseline: the same batch while Slack is up
            dead_before = outbox_count(url).dead
            vis = Visibility(fake, start_index=len(fake.calls))
            sent = commands.burst(_batch(plan, params, phase="평상시", start=0), IN_FLIGHT)
            vis.expect(sent)
            vis.wait(BASELINE_WAIT)
            baseline = Phase(sent, vis, copies(fake, sent), outbox_count(url).dead - dead_before)
            say(f"slack_outage: baseline: {len(vis.seen)}/{len(sent)} visible")

            # the outage: half the batch while Slack answers 500, half while it refuses connections
            dead_before = outbox_count(url).dead
            batch = _batch(plan, params, phase="장애", start=1000)
            half = len(batch) // 2
            vis = Visibility(fake, start_index=len(fake.calls))
            say(f"slack_outage: Slack answers 500 for {params.outage / 2:g} s")
            began = time.monotonic()
            gate.set("500")
            sent = commands.burst(batch[:half], IN_FLIGHT)
            time.sleep(max(0.0, began + params.outage / 2 - time.monotonic()))
            say(f"slack_outage: Slack refuses connections for {params.outage / 2:g} s")
            gate.set("down")
            sent += commands.burst(batch[half:], IN_FLIGHT)
            time.sleep(max(0.0, began + params.outage - time.monotonic()))
            gate.set("up")
            back = time.time()
            answered_500 = gate.refused_500
            say(f"slack_outage: Slack is back; waiting up to {params.recovery_wait:g} s for delivery")
            vis.expect(sent)
            seen_during = {t for t, at in vis.seen.items() if at < back}
            last_check = [0.0]

            def nothing_pending() -> bool:
                if time.monotonic() - last_check[0] < 2.0:
                    return False
                last_check[0] = time.monotonic()
                return outbox_count(url).pending == 0

            waited = vis.wait(params.recovery_wait, stop=nothing_pending)
            after = outbox_count(url)
            outage = Phase(sent, vis, copies(fake, sent), after.dead - dead_before)
            say(f"slack_outage: {len(vis.seen)}/{len(sent)} visible {waited:.0f} s after Slack came back")
            problems = bot.log_problems()
            for count, line in bot.error_summary():
                say(f"slack_outage: bot log, {count} x: {line}")
        gate.close()
    after_return = sorted(at - back for t, at in outage.vis.seen.items())
    base_delays = baseline.vis.delays()
    recovered = after_return[-1] if len(outage.vis.seen) == len(outage.sent) and after_return else None
    rows = [
        row(f"{label}: messages queued while down (progress cards + approval asks)", len(outage.sent)),
        row(
            f"{label}: ack p50 while down (ms)",
            median([s.ack * 1000 for s in outage.sent]),
            median([s.ack * 1000 for s in baseline.sent]),
        ),
        row(
            f"{label}: ack max while down (ms)",
            max(s.ack * 1000 for s in outage.sent),
            max(s.ack * 1000 for s in baseline.sent),
        ),
        row(
            f"{label}: non-200 answers while down",
            sum(s.status != 200 for s in outage.sent),
            sum(s.status != 200 for s in baseline.sent),
        ),
        row(f"{label}: lost (in no message at the end)", outage.lost, baseline.lost),
        row(f"{label}: doubled (in 2+ messages)", outage.doubled, baseline.doubled),
        row(f"{label}: visible at the end (of {len(outage.sent)})", len(outage.vis.seen), len(baseline.vis.seen)),
        row(
            f"{label}: seconds from Slack's return until the last was visible",
            recovered if recovered is not None else f"not all within {waited:.0f}",
            max(base_delays) if base_delays else None,
        ),
        row(
            f"{label}: seconds from Slack's return until the last that did come was visible",
            after_return[-1] if after_return else None,
        ),
        row(
            f"{label}: seconds from Slack's return until half were visible",
            after_return[len(outage.sent) // 2] if len(after_return) > len(outage.sent) // 2 else None,
            median(base_delays) if base_delays else None,
        ),
        row(f"{label}: visible before Slack came back (should be 0)", len(seen_during)),
        row(f"{label}: outbox rows given up (dead)", outage.dead, baseline.dead),
        row(f"{label}: outbox rows still pending at the end", after.pending),
        row(f"{label}: Slack calls answered 500 by the gate", answered_500),
        row(f"{label}: bot log lines with ERROR / Traceback", f"{problems['ERROR']} / {problems['Traceback']}"),
    ]
    return rows


def main() -> None:
    defaults = Params.from_env()
    parser = argparse.ArgumentParser(prog="python -m bench.slack_outage", description=__doc__.split("\n\n")[0])
    parser.add_argument("--outage", type=float, default=defaults.outage, help="seconds Slack is down")
    parser.add_argument("--recovery-wait", type=float, default=defaults.recovery_wait)
    parser.add_argument("--reports", type=int, default=defaults.reports)
    parser.add_argument("--approvals", type=int, default=defaults.approvals)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default=defaults.backend)
    parser.add_argument("--quick", action="store_true", help="20 s outage, 120 s recovery wait")
    args = parser.parse_args()
    params = Params(
        outage=20.0 if args.quick else args.outage,
        recovery_wait=120.0 if args.quick else args.recovery_wait,
        reports=args.reports,
        approvals=args.approvals,
        backend=args.backend,
    )
    print_rows(run(params))


if __name__ == "__main__":
    main()
