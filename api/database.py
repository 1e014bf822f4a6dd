"""Engine configuration: one Piccolo engine chosen from ``DATABASE_URL`` and bound to every table."""

from __future__ import annotations

import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

from api.settings import SettingsError
from survey_engine.engine import bind_engine


def sqlite_path(url: str) -> Path:
    """``sqlite:///relative/path`` or ``sqlite:////absolute/path`` → the file path."""
    rest = url[len("sqlite://") :]
    if not rest.startswith("/") or rest in ("/", "/:memory:"):
        raise SettingsError(f"unsupported SQLite URL {url!r}: use sqlite:///path/to/file.sqlite")
    # sqlite:///x → "/x" → relative "x"; sqlite:////x → "//x" → absolute "/x"
    path = rest[1:]
    if path == ":memory:":
        raise SettingsError("an in-memory SQLite database is not supported (Piccolo opens one per query)")
    return Path(path)


def engine_from_url(url: str) -> Engine[Any]:
    if url.startswith("sqlite://"):
        path = sqlite_path(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        # timeout: wait for the write lock instead of failing at once under concurrent writers.
        return SQLiteEngine(path=str(path), timeout=30)
    if url.startswith(("postgresql://", "postgres://")):
        parsed = urlparse(url)
        if not parsed.path.strip("/"):
            raise SettingsError(f"the PostgreSQL URL names no database: {url!r}")
        return PostgresEngine(config={"dsn": url})
    raise SettingsError(
        f"DATABASE_URL must start with sqlite:/// or postgresql:// (got {url.split(':')[0]!r})"
    )


def prepare_sqlite_file(engine: Engine[Any]) -> None:
    """WAL lets readers proceed during a write; it is a property of the file, so set it once."""
    if isinstance(engine, SQLiteEngine):
        with sqlite3.connect(engine.path) as conn:
            conn.execute("PRAGMA journal_mode=WAL")


def use_engine(engine: Engine[Any]) -> None:
    """Bind ``engine`` to every table, and to Piccolo's own migration bookkeeping."""
    bind_engine(engine)
    conf = sys.modules.get("api.piccolo_conf")
    if conf is not None:
        conf.DB = engine  # type: ignore[attr-defined]


class RecentDatabaseFailures:
    """The last cause of a request failing because the database was unavailable, remembered for a while so
    that ``/health`` reports what a probe cannot see (a full disk fails writes, not reads)."""

    def __init__(self, window_seconds: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.window_seconds = window_seconds
        self._clock = clock
        self._last: tuple[float, str] | None = None

    def record(self, cause: str) -> None:
        self._last = (self._clock(), cause)

    def recent(self) -> str | None:
        if self._last is None or self._clock() - self._last[0] > self.window_seconds:
            return None
        return self._last[1]
