"""One row per predecessor and successor unit: a succession file imported twice replaces, never doubles.

An index on a new table goes in a migration of its own (Piccolo runs a migration's raw SQL before it
creates that migration's tables).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-06T20:10:34:000000"
VERSION = "1.38.0"
DESCRIPTION = "one succession per predecessor and successor unit"

STATEMENTS = (
    "CREATE UNIQUE INDEX IF NOT EXISTS unit_succession_pair ON unit_succession (predecessor, successor)",
)


class RawSQL(Table, tablename="unit_succession"):
    """Only a handle on the engine: Piccolo resolves it the same way as for every table."""


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="survey_engine", description=DESCRIPTION)

    async def create_index() -> None:
        for statement in STATEMENTS:
            await RawSQL.raw(statement)

    manager.add_raw(create_index)
    return manager
