"""Which database engine the tables use: one call binds them all, so that ``api`` never handles a table."""

from __future__ import annotations

from typing import Any

from piccolo.apps.migrations.tables import Migration
from piccolo.engine.base import Engine
from piccolo.table import Table

from survey_engine.tables import ALL_TABLES


def bind_engine(engine: Engine[Any]) -> None:
    """Bind ``engine`` to every table, and to Piccolo's own migration bookkeeping (tests switch engines)."""
    tables: tuple[type[Table], ...] = (*ALL_TABLES, Migration)
    for table in tables:
        table._meta.db = engine
