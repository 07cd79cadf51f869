"""Runs every benchmark and writes the table to docs/benchmarks.md (and prints it)."""

from __future__ import annotations

import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench import (
    ack_latency,
    flood,
    ledger_month,
    monday_burst,
    replicas,
    scheduler_tick,
    slack_outage,
    stuck_handlers,
)

BENCHMARKS = {
    "Acknowledging slash commands (vs. a bare Bolt app that only acks)": ack_latency.run,
    "Acknowledging while handlers are stuck on a slow Slack (vs. a bare Bolt app)": stuck_handlers.run,
    "A flood of bad requests while 20 real commands run (vs. the same commands on a quiet bot)": flood.run,
    "Scheduler: one tick and one cross-project digest (vs. a tenth of the organisation)": scheduler_tick.run,
    "Participation ledger: one month (vs. a tenth of the organisation)": ledger_month.run,
    "Monday morning: every member reports at once, 25 in flight, on `onnuri run --http` (vs. a bare Bolt app)": (
        monday_burst.run
    ),
    "Two replicas behind HAProxy on one PostgreSQL database (vs. one replica)": replicas.run,
    "A Slack outage and the recovery (vs. the same messages while Slack is up)": slack_outage.run,
}
OUT = Path(__file__).parents[1] / "docs" / "benchmarks.md"


def main() -> int:
    lines = [
        "# Benchmarks",
        "",
        f"Run with `python -m bench` on {datetime.now(UTC):%Y-%m-%d} ({platform.python_version()}, "
        f"{platform.machine()}). Figures from one run on a noisy machine: compare the ratio, not the absolute.",
        "The load generator, the fake Slack and the bot share one Python process (one GIL), as do the",
        "baseline's; ack latency under load is therefore mostly queueing behind the work done after each ack.",
        "",
    ]
    for title, bench in BENCHMARKS.items():
        lines += [f"## {title}", "", "| figure | value | baseline | ratio |", "|---|---|---|---|"]
        lines += [f"| {' | '.join(row)} |" for row in bench()]
        lines.append("")
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text("\n".join(lines))
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
