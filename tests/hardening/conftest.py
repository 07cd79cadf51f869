"""Hypothesis profiles for the hardening tests, chosen with HYPOTHESIS_PROFILE.

- ``ci`` (the default): 100 examples per parser test and 20 per end-to-end test (60 for the tests that cover
  every button or every form), derandomized, so the folder runs in under a minute (about 2,700 inputs) and gives
  the same result on every run.
- ``full``: the long run of issue 9, 1,000 examples per parser test and 200 (600) per end-to-end test: about
  24,000 generated inputs, some 4,000 of them sent through the bot, in about 4 minutes on SQLite::

      HYPOTHESIS_PROFILE=full .venv/bin/python -m pytest -q tests/hardening

The summary line "hardening: N generated inputs ..." at the end of a run counts what was actually tried.
``HYPOTHESIS_EXAMPLES=N`` overrides the examples per parser test of either profile (end-to-end tests run a
fifth of it, at least 10). The profile is loaded for the whole session; no other test folder uses hypothesis.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from tests.hardening import budget

settings.register_profile(
    "ci",
    max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", budget.CI_EXAMPLES)),
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "full",
    max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", budget.FULL_EXAMPLES)),
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_terminal_summary(terminalreporter) -> None:
    if budget.generated:
        profile = settings.default
        through_bot = sum(
            n for test, n in budget.generated.items() if "test_commands" in test or "interactions" in test
        )
        terminalreporter.write_line(
            f"hardening: {sum(budget.generated.values())} generated inputs in {len(budget.generated)} tests, "
            f"{through_bot} of them sent through the bot (profile {os.environ.get('HYPOTHESIS_PROFILE', 'ci')}, "
            f"max_examples={profile.max_examples} per test)"
        )


@pytest.fixture(autouse=True)
def _count_examples(request):
    budget.current = request.node.nodeid
    yield
    budget.current = None
