"""Cell sums kept in the database: one row per wave, layout and columns, so two processes storing the same
set at once leave one row (an upsert on this index). A separate migration because Piccolo runs a
migration's raw SQL before it creates that migration's columns.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-07T10:00:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "cell sums kept in the database: one row per wave, layout and columns"


class RawSQL(Table, tablename="stored_cell_set"):
    """Only a handle on the engine: Piccolo resolves it the same way as for every table."""


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="survey_engine", description=DESCRIPTION)

    async def unique_index() -> None:
        await RawSQL.raw(
            "CREATE UNIQUE INDEX IF NOT EXISTS stored_cell_set_key "
            "ON stored_cell_set (wave, criteria, columns)"
        )

    manager.add_raw(unique_index)
    return manager
