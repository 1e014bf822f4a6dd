"""One row per (wave, version) of released results: two administrators preparing a correction at the same
moment cannot both take the next version number (the second insert fails and is retried or refused).

An index on a new table goes in a migration of its own (Piccolo runs a migration's raw SQL before it
creates that migration's tables).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-06T17:13:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "one release per wave and version"

STATEMENTS = (
    "CREATE UNIQUE INDEX IF NOT EXISTS result_release_wave_version ON result_release (wave, version)",
)


class RawSQL(Table, tablename="result_release"):
    """Only a handle on the engine: Piccolo resolves it the same way as for every table."""


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="survey_engine", description=DESCRIPTION)

    async def create_index() -> None:
        for statement in STATEMENTS:
            await RawSQL.raw(statement)

    manager.add_raw(create_index)
    return manager
