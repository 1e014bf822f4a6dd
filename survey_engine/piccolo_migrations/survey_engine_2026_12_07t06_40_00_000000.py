"""Provinces as tenants: a questionnaire's province (nullable, additive). Its staff (and national accounts)
may change it; a null province is the national library, which only national accounts change. Every
account still reads every questionnaire. The next migration assigns the questionnaires already stored."""

from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import ForeignKey, Serial
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table


class Province(Table, tablename="province", schema=None):
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


ID = "2026-12-07T06:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "provinces as tenants: questionnaire.province"


def _params(**overrides: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "null": False,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
    }
    params.update(overrides)
    return params


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="survey_engine", description=DESCRIPTION)
    manager.add_column(
        table_class_name="Questionnaire",
        tablename="questionnaire",
        column_name="province",
        db_column_name="province",
        column_class_name="ForeignKey",
        column_class=ForeignKey,
        params=_params(
            references=Province,
            on_delete=OnDelete.restrict,
            on_update=OnUpdate.cascade,
            target_column=None,
            null=True,
            index=False,
        ),
        schema=None,
    )
    return manager
