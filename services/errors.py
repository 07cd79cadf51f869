"""Domain errors with stable codes; the handler layer turns a code into a catalog string."""

from __future__ import annotations

from typing import Any


class People(tuple):
    """Slack user ids among an error's parameters: the answer names them, the service only knows ids."""


class DomainError(Exception):
    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params

    def __repr__(self) -> str:
        return f"DomainError({self.code!r}, {self.params!r})"
