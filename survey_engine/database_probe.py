"""A cheap look at whether the database can serve reads and writes now (for ``GET /health``)."""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from piccolo.engine.base import Engine
from piccolo.engine.sqlite import SQLiteEngine

from survey_engine.tables import Agency
from survey_engine.transactions import unavailable_cause

PROBE_SECONDS = 1.0


@dataclass(frozen=True)
class DatabaseState:
    """``status``: ``ok``, ``degraded`` (reads work, writes would wait or fail) or ``unavailable``;
    ``state``: ``ok`` or the cause named by :func:`survey_engine.transactions.unavailable_cause`
    (``timeout`` when the probe itself did not finish in time)."""

    status: str
    state: str


OK = DatabaseState("ok", "ok")


async def probe_database(engine: Engine[Any], seconds: float = PROBE_SECONDS) -> DatabaseState:
    """A short read on both engines. Errors that are not about availability propagate."""
    try:
        if isinstance(engine, SQLiteEngine):
            busy = float(engine.connection_kwargs.get("timeout", seconds))
            return await asyncio.wait_for(
                asyncio.to_thread(_probe_sqlite, engine.path, min(seconds, busy)), 2 * seconds + 1
            )
        await asyncio.wait_for(Agency.raw("SELECT 1"), seconds)
        return OK
    except TimeoutError:
        return DatabaseState("unavailable", "timeout")
    except Exception as exc:
        cause = unavailable_cause(exc)
        if cause is None:
            raise
        return DatabaseState("unavailable", cause)


def _probe_sqlite(path: str, busy_seconds: float) -> DatabaseState:
    # mode=rw: a missing file is reported, never created empty. Only a read: taking the write lock here
    # would make every health check queue behind (and hold up) ingestion's writers. A write lock held past
    # the busy timeout shows up as the writes it refuses, which the app remembers (``degraded``).
    uri = f"file:{quote(str(Path(path).resolve()))}?mode=rw"
    conn = sqlite3.connect(uri, uri=True, timeout=busy_seconds, isolation_level=None)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # reads a page: takes a read lock
        return OK
    finally:
        conn.close()
