"""Write transactions that behave the same on both engines.

SQLite: concurrent DEFERRED read-then-write transactions fail at once with "database is locked";
an IMMEDIATE transaction takes the write lock up front and waits (busy timeout) instead.
"""

from __future__ import annotations

from typing import Any

from piccolo.engine.base import Engine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType


def write_transaction(engine: Engine) -> Any:
    if isinstance(engine, SQLiteEngine):
        return engine.transaction(transaction_type=TransactionType.immediate)
    return engine.transaction()


def is_unique_violation(exc: BaseException) -> bool:
    """True for a UNIQUE constraint failure on either engine (sqlite3 or asyncpg)."""
    name = type(exc).__name__
    text = str(exc).lower()
    return (
        name == "UniqueViolationError"
        or ("unique constraint" in text)
        or ("unique" in text and "failed" in text)
    )
