"""Shared steps of the data-step migration tests: bind a migration's handle, add a province."""

from __future__ import annotations

from datetime import UTC, datetime
from types import ModuleType
from typing import Any

from piccolo.engine.base import Engine

from survey_engine.tables import Province

NOW = datetime(2026, 12, 7, tzinfo=UTC)


def bind(step: ModuleType, engine: Engine[Any]) -> None:
    """A migration's ``RawSQL`` handle is not one of the app's tables, so ``use_engine`` does not bind it."""
    step.RawSQL._meta.db = engine


async def add_province(code: str) -> int:
    await Province.insert(Province(code=code, name_vi=code, name_en=code, created_at=NOW))
    row = await Province.select(Province.id).where(Province.code == code).first()
    assert row is not None
    return int(row["id"])
