"""Indexes that bulk imports paid for without any query needing them, measured on 1,000,000 counter ratings.

* ``submission_wave`` and ``submission_dossier_hash``: every query that reads them also names the wave, so
  ``submission_estimation`` (led by the wave) and the unique ``submission_wave_dossier`` serve them.
* ``submission_estimation`` now follows the wave with the row's id instead of the service point and
  submission time. The reads that use it (every estimate's covering scan of one wave, the data version's
  ``MAX(id)`` and recent-rows count, paging by id) take the wave's whole range either way, but a new row
  now lands at the end of its wave's range instead of at a random place in it: a transaction of 100,000
  rows dirties a few hundred index pages instead of most of the index, which SQLite writes to its WAL at
  every commit (and PostgreSQL to its WAL as full-page images after each checkpoint).
* ``webhook_event_event_id``: a plain index duplicating the unique constraint's own index on the event id.

Bare inserts of the same 1,000,000 rows in 50,000-row transactions: 26.0 s before, 16.9 s after.

The price, measured on the same rows: SQLite's grouping of a wave's cells (service point × day) sorts rows
that the old order delivered already sorted by point and time, so reading the cells of a 900,000-response
wave takes 0.68 s instead of 0.47 s (only when the wave's data have changed: the cells are kept in memory
per data version). PostgreSQL's national roll-up at 2,000,000 responses was unchanged (7.6 s first call).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-06T23:20:21:000000"
VERSION = "1.38.0"
DESCRIPTION = "submission indexes for appends: drop wave and dossier_hash, estimation led by (wave, id)"

STATEMENTS = (
    "DROP INDEX IF EXISTS submission_wave",
    "DROP INDEX IF EXISTS submission_dossier_hash",
    "DROP INDEX IF EXISTS submission_estimation",
    "CREATE INDEX IF NOT EXISTS submission_estimation ON submission "
    "(wave, id, service_point, submitted_at, complete, dossier_hash, agency, channel, received_at, codes)",
    "DROP INDEX IF EXISTS webhook_event_event_id",
)


class RawSQL(Table, tablename="submission"):
    """Only a handle on the engine: Piccolo resolves it the same way as for every table."""


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="survey_engine", description=DESCRIPTION)

    async def change_indexes() -> None:
        for statement in STATEMENTS:
            await RawSQL.raw(statement)

    manager.add_raw(change_indexes)
    return manager
