"""A poll's options, as a discussion is opened with them or a poll is added later: checked and stored."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from models import Discussion, PollOption
from services.errors import DomainError

MIN_OPTIONS = 2
MAX_OPTIONS = 10
LABEL_MAX = 75  # a button label's limit


def clean_options(raw: Sequence[str]) -> list[str]:
    """No poll, or 2 to 10 distinct labels that fit on a button."""
    labels = list(dict.fromkeys(label.strip() for label in raw if label.strip()))
    if not labels:
        return []
    if len(labels) < MIN_OPTIONS:
        raise DomainError("poll.too_few", minimum=MIN_OPTIONS)
    if len(labels) > MAX_OPTIONS:
        raise DomainError("poll.too_many", maximum=MAX_OPTIONS)
    too_long = next((label for label in labels if len(label) > LABEL_MAX), None)
    if too_long is not None:
        raise DomainError("poll.option_too_long", limit=LABEL_MAX, option=too_long[:30])
    return labels


def check_closing_date(closes_on: date | None, today: date) -> None:
    if closes_on is not None and closes_on < today:
        raise DomainError("poll.closes_past", date=closes_on.isoformat())


def add_options(discussion: Discussion, labels: Sequence[str]) -> None:
    for position, label in enumerate(labels, start=1):
        discussion.options.append(PollOption(team_id=discussion.team_id, position=position, label=label))
