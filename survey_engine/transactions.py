"""Write transactions that behave the same on both engines, and what the drivers' errors mean.

SQLite: concurrent DEFERRED read-then-write transactions fail at once with "database is locked";
an IMMEDIATE transaction takes the write lock up front and waits (busy timeout) instead. Past the busy
timeout, or with a full disk or a lost connection, the error is one of "not now" (:func:`unavailable_cause`).
"""

from __future__ import annotations

import sqlite3
from typing import Any

from piccolo.engine.base import Engine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType


def write_transaction(engine: Engine[Any]) -> Any:
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


# SQLite reports these conditions as ``sqlite3.OperationalError`` with a fixed message (sqlite3_errstr).
_SQLITE_CAUSES = (
    ("database is locked", "locked"),  # SQLITE_BUSY past the busy timeout
    ("database table is locked", "locked"),
    ("database or disk is full", "disk_full"),
    ("disk i/o error", "io_error"),
    ("unable to open database file", "unreachable"),
    ("attempt to write a readonly database", "read_only"),
)
# PostgreSQL error classes (SQLSTATE) that say "not now" rather than "not this request".
_SQLSTATE_CAUSES = (
    ("53100", "disk_full"),
    ("53", "overloaded"),  # too many connections, out of memory, configuration limit
    ("08", "unreachable"),  # connection exceptions
    ("57P0", "unreachable"),  # shutting down, crashed, starting up
    ("25006", "read_only"),  # a read-only standby or transaction
)


def unavailable_cause(exc: BaseException) -> str | None:
    """Why the database cannot serve this request now (worth a retry later), or None for any other error.

    The causes: ``locked`` (busy past the busy timeout), ``disk_full``, ``io_error``, ``read_only``,
    ``overloaded`` (too many connections, out of memory) and ``unreachable`` (refused, dropped or
    timed-out connections). Errors wrapped with ``raise … from`` are followed to their cause.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        cause = _own_cause(current)
        if cause is not None:
            return cause
        current = current.__cause__
    return None


def _own_cause(exc: BaseException) -> str | None:
    if isinstance(exc, sqlite3.OperationalError):
        text = str(exc).lower()
        return next((cause for needle, cause in _SQLITE_CAUSES if needle in text), None)
    if not _raised_in_asyncpg(exc):
        return None
    sqlstate = getattr(exc, "sqlstate", None)
    if isinstance(sqlstate, str):
        return next((cause for prefix, cause in _SQLSTATE_CAUSES if sqlstate.startswith(prefix)), None)
    if isinstance(exc, OSError | TimeoutError):  # refused, unknown host, connect timeout
        return "unreachable"
    if type(exc).__name__ == "InterfaceError" and "connection is closed" in str(exc):
        return "unreachable"
    return None


def _raised_in_asyncpg(exc: BaseException) -> bool:
    """asyncpg's own exceptions, and socket errors raised while it was connecting (not a file's OSError)."""
    if type(exc).__module__.startswith("asyncpg"):
        return True
    tb = exc.__traceback__
    while tb is not None:
        if str(tb.tb_frame.f_globals.get("__name__", "")).startswith("asyncpg"):
            return True
        tb = tb.tb_next
    return False
