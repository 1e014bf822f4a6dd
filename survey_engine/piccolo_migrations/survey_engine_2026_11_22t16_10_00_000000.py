"""Composite unique indexes that Piccolo columns cannot declare (plain SQL valid on SQLite and PostgreSQL).

A separate migration because Piccolo runs a migration's raw SQL before it creates that migration's tables.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-22T16:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "composite unique indexes"

UNIQUE_INDEXES = (
    "CREATE UNIQUE INDEX IF NOT EXISTS admin_unit_code_version ON admin_unit (code, unit_version)",
    "CREATE UNIQUE INDEX IF NOT EXISTS wave_agency_pair ON wave_agency (wave, agency)",
    "CREATE UNIQUE INDEX IF NOT EXISTS wave_service_point_pair ON wave_service_point (wave, service_point)",
    "CREATE UNIQUE INDEX IF NOT EXISTS questionnaire_version_number ON questionnaire_version"
    " (questionnaire, version)",
    "CREATE UNIQUE INDEX IF NOT EXISTS submission_wave_dossier ON submission (wave, dossier_hash)",
)


class RawSQL(Table, tablename="admin_unit"):
    """Only a handle on the engine: Piccolo resolves it the same way as for every table."""


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="survey_engine", description=DESCRIPTION)

    async def create_unique_indexes() -> None:
        for statement in UNIQUE_INDEXES:
            await RawSQL.raw(statement)

    manager.add_raw(create_unique_indexes)
    return manager
