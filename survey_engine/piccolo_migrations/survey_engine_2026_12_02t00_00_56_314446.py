"""The submission rate limit's counts (one row per service point or kiosk device), in the database so that
every server process and every host sharing it sees the same counts. A new table only: additive.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import BigInt, Integer, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-02T00:00:56:314446"
VERSION = "1.38.0"
DESCRIPTION = "submission rate counts shared by every process and host"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="survey_engine", description=DESCRIPTION)

    manager.add_table(
        class_name="SubmissionRate",
        tablename="submission_rate",
        schema=None,
        columns=None,
    )

    manager.add_column(
        table_class_name="SubmissionRate",
        tablename="submission_rate",
        column_name="rate_key",
        db_column_name="rate_key",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 32,
            "default": "",
            "null": False,
            "primary_key": True,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="SubmissionRate",
        tablename="submission_rate",
        column_name="window_start_ms",
        db_column_name="window_start_ms",
        column_class_name="BigInt",
        column_class=BigInt,
        params={
            "default": 0,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="SubmissionRate",
        tablename="submission_rate",
        column_name="hits",
        db_column_name="hits",
        column_class_name="Integer",
        column_class=Integer,
        params={
            "default": 0,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
