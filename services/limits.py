"""What people write is kept whole or refused with the limit and its length, never cut without a word."""

from __future__ import annotations

from services.errors import DomainError


def fitted(text: str, limit: int) -> str:
    """The text as written (without surrounding blanks) when it fits in `limit` characters; else refused."""
    text = text.strip()
    if len(text) > limit:
        raise DomainError("text.too_long", limit=limit, length=len(text))
    return text
