"""PostgreSQL compares client ids and dossier hashes byte by byte (collation "C").

Both are ASCII (a UUID's text, a keyed hash in hex), and equality is all that is ever asked of them. With
the database's default collation (``C.UTF-8`` here, often ``en_US.UTF-8`` in production) PostgreSQL 15
orders every entry of their unique indexes through the C library's ``strcoll``, which a bulk append calls
about twenty times per index per row. Nothing changes on SQLite, whose default collation already compares
bytes.

Measured with ``tests/benchmarks/test_counter_import_speed.py`` (1,000,000 counter ratings): the bare COPY
of the same rows took 22.8 s before and 19.4-20.6 s after, and the import 37.1 s before and 32.4-34.7 s
after.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table

ID = "2026-12-07T06:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "client ids and dossier hashes compared byte by byte on PostgreSQL"

# The other tables' copies of these values get the same collation: a join on them (frame units and
# submissions by dossier hash) can then use either side's index, which a comparison in a collation other
# than the index's cannot.
COLUMNS = (
    ("submission", "client_id", 36),
    ("submission", "dossier_hash", 64),
    ("frame_unit", "dossier_hash", 64),
    ("sample_unit", "dossier_hash", 64),
    ("contact", "dossier_hash", 64),
    ("contact", "submission_client_id", 36),
    ("paper_copy", "dossier_hash", 64),
    ("paper_copy", "submission_client_id", 36),
)
STATEMENTS = tuple(
    f'ALTER TABLE {table} ALTER COLUMN {column} TYPE varchar({length}) COLLATE "C"'
    for table, column, length in COLUMNS
)


class RawSQL(Table, tablename="submission"):
    """Only a handle on the engine: Piccolo resolves it the same way as for every table."""


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="survey_engine", description=DESCRIPTION)

    async def byte_collation() -> None:
        if isinstance(RawSQL._meta.db, PostgresEngine):
            for statement in STATEMENTS:
                await RawSQL.raw(statement)

    manager.add_raw(byte_collation)
    return manager
