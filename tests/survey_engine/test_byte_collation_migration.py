"""Client ids and dossier hashes are compared byte by byte on PostgreSQL (collation "C"), on every table
that holds them, so joins between those tables compare in one collation; SQLite already compares bytes.
Both engines."""

from __future__ import annotations

import importlib
from typing import Any

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine

from survey_engine.tables import Submission

STEP = importlib.import_module("survey_engine.piccolo_migrations.survey_engine_2026_12_07t06_00_00_000000")


async def test_every_copy_of_the_values_compares_bytes(engine: Engine[Any]) -> None:
    tables = sorted({table for table, _, _ in STEP.COLUMNS})
    assert tables == ["contact", "frame_unit", "paper_copy", "sample_unit", "submission"]
    if isinstance(engine, PostgresEngine):
        rows = await Submission.raw(
            "SELECT table_name, column_name, collation_name, character_maximum_length"
            " FROM information_schema.columns WHERE table_schema = 'public'"
            " AND column_name IN ('client_id', 'dossier_hash', 'submission_client_id')"
        )
        found = {(r["table_name"], r["column_name"]): r for r in rows}
        for table, column, length in STEP.COLUMNS:
            assert found[(table, column)]["collation_name"] == "C", (table, column)
            assert found[(table, column)]["character_maximum_length"] == length, (table, column)
        # Every column holding these values was covered: none left in the database's default collation.
        assert {key for key, r in found.items() if r["collation_name"] != "C"} == set()
    else:
        # SQLite: no collation declared, so its default (BINARY, byte by byte) applies.
        for table in tables:
            rows = await Submission.raw(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = {}", table
            )
            assert "COLLATE" not in rows[0]["sql"].upper(), table
