"""Agency successions: one row per predecessor and successor pair. A separate migration because Piccolo runs a
migration's raw SQL before it creates that migration's columns.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-07T12:00:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "agency successions: one row per pair"


class RawSQL(Table, tablename="agency_succession"):
    """Only a handle on the engine: Piccolo resolves it the same way as for every table."""


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="survey_engine", description=DESCRIPTION)

    async def unique_index() -> None:
        await RawSQL.raw(
            "CREATE UNIQUE INDEX IF NOT EXISTS agency_succession_pair "
            "ON agency_succession (predecessor, successor)"
        )

    manager.add_raw(unique_index)
    return manager
