"""Agency successions across a change of the map (survey_engine/tables/map_changes.py): which agency of the
new map continues which agency of the old one, for a province's departments. Additive: a new table.
"""

from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import DoublePrecision, ForeignKey, Serial, Timestamptz
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table


class Agency(Table, tablename="agency", schema=None):
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


ID = "2026-12-07T12:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "agency successions across a change of the map"


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
    manager.add_table(class_name="AgencySuccession", tablename="agency_succession", schema=None, columns=None)
    reference = {
        "references": Agency,
        "on_delete": OnDelete.restrict,
        "on_update": OnUpdate.cascade,
        "target_column": None,
        "null": True,
        "index": True,
    }
    columns: list[tuple[str, Any, dict[str, Any]]] = [
        ("predecessor", ForeignKey, _params(None, **reference)),
        ("successor", ForeignKey, _params(None, **reference)),
        ("population_share", DoublePrecision, _params(0.0)),
        ("recorded_at", Timestamptz, _params(TimestamptzNow())),
    ]
    for name, column_class, params in columns:
        manager.add_column(
            table_class_name="AgencySuccession",
            tablename="agency_succession",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )
    return manager
