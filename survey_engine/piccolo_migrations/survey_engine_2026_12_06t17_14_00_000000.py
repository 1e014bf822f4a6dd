"""An officer code is unique within its agency (plain SQL valid on SQLite and PostgreSQL).

A separate migration because Piccolo runs a migration's raw SQL before it creates that migration's tables.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-06T17:14:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "officer code unique per agency"

UNIQUE_INDEXES = ("CREATE UNIQUE INDEX IF NOT EXISTS officer_agency_code ON officer (agency, code)",)


class RawSQL(Table, tablename="officer"):
    """Only a handle on the engine: Piccolo resolves it the same way as for every table."""


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="survey_engine", description=DESCRIPTION)

    async def create_unique_indexes() -> None:
        for statement in UNIQUE_INDEXES:
            await RawSQL.raw(statement)

    manager.add_raw(create_unique_indexes)
    return manager
