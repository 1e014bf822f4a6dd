"""A covering index for estimation: the columns the estimates read, without the wide JSON answers.

SQLite stores ``codes`` after the JSON answers in each row, so a table scan walks every row's overflow
pages; with this index the estimation query reads only the index (SQLite: "USING COVERING INDEX";
PostgreSQL: index-only scans once the table is vacuumed).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-22T17:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "covering index for estimates"

STATEMENTS = (
    "CREATE INDEX IF NOT EXISTS submission_estimation ON submission "
    "(wave, service_point, submitted_at, complete, dossier_hash, agency, channel, received_at, codes)",
)


class RawSQL(Table, tablename="submission"):
    """Only a handle on the engine: Piccolo resolves it the same way as for every table."""


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="survey_engine", description=DESCRIPTION)

    async def create_index() -> None:
        for statement in STATEMENTS:
            await RawSQL.raw(statement)

    manager.add_raw(create_index)
    return manager
