"""Cell sums kept in the database (survey_engine/tables/stored_cells.py): a cache shared by every server
process and kept across restarts. Additive: a new table.
"""

from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import BigInt, Bytea, ForeignKey, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table


class Wave(Table, tablename="wave", schema=None):
    id = Serial(
        null=False,
        primary_key=True,
        unique=False,
        index=False,
        index_method=IndexMethod.btree,
        choices=None,
        db_column_name="id",
        secret=False,
    )


ID = "2026-12-07T10:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "cell sums kept in the database"


def _params(default: Any, **extra: Any) -> dict[str, Any]:
    return {
        "default": default,
        "null": False,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
        **extra,
    }


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="survey_engine", description=DESCRIPTION)
    manager.add_table(class_name="StoredCellSet", tablename="stored_cell_set", schema=None, columns=None)
    columns: list[tuple[str, Any, dict[str, Any]]] = [
        (
            "wave",
            ForeignKey,
            _params(
                None,
                references=Wave,
                on_delete=OnDelete.cascade,
                on_update=OnUpdate.cascade,
                target_column=None,
                null=True,
                index=True,
            ),
        ),
        ("criteria", Varchar, _params("", length=64)),
        ("columns", Varchar, _params("", length=255)),
        ("version", Text, _params("")),
        ("last_response", BigInt, _params(0)),
        ("responses_up_to", BigInt, _params(0)),
        ("frame_units_up_to", BigInt, _params(0)),
        ("read_at", Timestamptz, _params(TimestamptzNow())),
        ("payload", Bytea, _params(b"")),
    ]
    for name, column_class, params in columns:
        manager.add_column(
            table_class_name="StoredCellSet",
            tablename="stored_cell_set",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )
    return manager
