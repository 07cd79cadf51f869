"""How many inputs the hardening tests generate, and a count of the ones they did (see conftest.py)."""

from __future__ import annotations

from collections import Counter

from hypothesis import settings

CI_EXAMPLES = 100  # per pure-function test in the default profile
FULL_EXAMPLES = 1000  # per pure-function test in HYPOTHESIS_PROFILE=full
END_TO_END_SHARE = 5  # a test through the real bot runs max_examples // 5 (at least 10): each costs a request

generated: Counter[str] = Counter()
current: str | None = None


def tick() -> None:
    """Called once per generated input, so the run can say how many it tried."""
    generated[current or "?"] += 1


def end_to_end(times: int = 1) -> settings:
    """Settings for a test that sends every example through the real bot; `times` for one that covers several
    handlers (every form, every button) with one fixture."""
    return settings(max_examples=max(10, times * settings.default.max_examples // END_TO_END_SHARE))
