"""Every notice kind has a renderer, so a kind without one fails here rather than at delivery time."""

from __future__ import annotations

from scheduler.notifications import RENDERERS
from services import notices


def test_every_notice_kind_has_a_renderer():
    missing = sorted(kind for kind, cls in notices.KINDS.items() if cls not in RENDERERS)
    assert not missing, missing


def test_every_renderer_is_for_a_registered_kind():
    assert set(RENDERERS) <= set(notices.KINDS.values())
