"""Typed notifications: every outbox kind is one small type whose payload survives the database unchanged,
and services queue them only through notices.send / notices.row (no bare kind strings elsewhere)."""

from __future__ import annotations

import ast
import dataclasses
import json
from datetime import date
from pathlib import Path
from typing import get_args, get_type_hints

import pytest
from sqlalchemy import select

from models import OutboxMessage
from services import notices

SERVICES = Path(__file__).resolve().parents[2] / "services"
SAMPLES = {int: 7, str: "U2", date: date(2026, 11, 30)}


def example(cls: type[notices.Notice]) -> notices.Notice:
    """An instance with every field set, optional ones too, so nothing is lost unseen."""
    hints = get_type_hints(cls)
    values = {}
    for f in dataclasses.fields(cls):
        kinds = get_args(hints[f.name]) or (hints[f.name],)
        values[f.name] = next(SAMPLES[k] for k in kinds if k in SAMPLES)
    return cls(**values)


def test_every_kind_is_named_once_and_read_back_as_its_own_type():
    assert len(notices.KINDS) >= 30
    for kind, cls in notices.KINDS.items():
        assert cls.kind == kind
        assert notices.parse(kind, example(cls).payload()).kind == kind


@pytest.mark.parametrize("kind", sorted(notices.KINDS))
def test_a_payload_round_trips_through_json(kind):
    notice = example(notices.KINDS[kind])
    stored = json.loads(json.dumps(notice.payload()))  # what the JSON column gives back
    assert notices.parse(kind, stored) == notice


def test_optional_fields_left_out_stay_out_and_come_back_as_their_defaults():
    refresh = notices.ApprovalRefresh(3, card="approval:3:status")
    assert refresh.payload() == {"request_id": 3, "card": "approval:3:status"}
    assert notices.parse(refresh.kind, refresh.payload()) == refresh


def test_a_row_queued_before_this_change_is_still_read():
    # rows already in a database were written as plain dicts; the same names must keep reading
    legacy = {"project_id": "12", "period_start": "2026-12-07", "stage": 2}
    assert notices.parse("nudge.progress", legacy) == notices.ProgressNudge(12, date(2026, 12, 7), stage=2)
    assert notices.parse("approval.refresh", {"request_id": 4, "card": "c", "step_id": None}).step_id is None


def test_an_unknown_kind_or_a_missing_field_is_refused():
    with pytest.raises(LookupError):
        notices.parse("no.such.kind", {})
    with pytest.raises(KeyError):
        notices.parse("progress.card", {})


def test_send_queues_the_kind_and_payload(session_factory):
    with session_factory.begin() as s:
        assert notices.send(s, "T1", "U2", notices.ProjectDigest(5, date(2026, 11, 23)), "d:1")
        assert not notices.send(s, "T1", "U2", notices.ProjectDigest(5, date(2026, 11, 23)), "d:1")
    with session_factory() as s:
        row = s.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == "d:1"))
    assert (row.kind, row.payload) == ("digest.project", {"project_id": 5, "week_start": "2026-11-23"})


def test_services_queue_notices_only_through_the_notices_module():
    found = []
    for path in sorted(SERVICES.glob("*.py")):
        if path.name in {"notices.py", "outbox.py"}:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            calls = isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            if calls and node.func.attr in {"enqueue", "enqueue_rows", "enqueue_many"}:
                found.append(f"{path.name}:{node.lineno}")
            if isinstance(node, ast.Dict) and any(isinstance(k, ast.Constant) and k.value == "kind" for k in node.keys):
                found.append(f"{path.name}:{node.lineno} builds a row by hand")
    assert not found, found
