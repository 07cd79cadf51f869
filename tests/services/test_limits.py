"""Text over a limit is refused with the limit and its length, never cut without a word (issue 17, item 10)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from services.errors import DomainError
from services.limits import fitted

SERVICES = Path(__file__).parents[2] / "services"


def test_text_that_fits_is_kept_whole_and_text_that_does_not_is_refused_with_its_length():
    assert fitted("  보고  ", 10) == "보고"
    assert fitted("가" * 10, 10) == "가" * 10
    with pytest.raises(DomainError) as refused:
        fitted("가" * 5500, 3000)
    assert (refused.value.code, refused.value.params) == ("text.too_long", {"limit": 3000, "length": 5500})


def test_no_service_cuts_what_people_wrote_by_slicing_it():
    slicing = re.compile(
        r"\.strip\(\)\[:\s*[A-Z_]+_MAX\]|\b(text|note|conclusion|background|details|links)\[:\s*[A-Z_]*MAX"
    )
    found = [
        f"{p.name}:{n}"
        for p in SERVICES.glob("*.py")
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if slicing.search(line)
    ]
    assert found == []
