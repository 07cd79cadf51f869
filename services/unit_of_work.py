"""The unit of work the floors above open around a service call: a write transaction that commits once
(and retries SQLite's busy lock), and the real clock. The caller owns the transaction; services never
commit."""

from models.base import utcnow
from models.db import make_session_factory, write_transaction

__all__ = ["make_session_factory", "utcnow", "write_transaction"]
