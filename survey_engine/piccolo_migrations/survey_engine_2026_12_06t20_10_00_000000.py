"""Provinces as tenants: the ``province`` table and a nullable ``province`` column on agency, wave and
staff_user (additive). The next migration assigns the rows of a database created before tenancy."""

from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import Boolean, ForeignKey, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
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


ID = "2026-12-06T20:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "provinces as tenants: province table, agency/wave/staff_user.province"


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

    manager.add_table(class_name="Province", tablename="province", schema=None, columns=None)
    for name, column_class, params in (
        ("code", Varchar, _params(length=32, default="", unique=True, index=True)),
        ("name_vi", Varchar, _params(length=200, default="")),
        ("name_en", Varchar, _params(length=200, default="")),
        ("unit_code", Varchar, _params(length=32, default=None, null=True)),
        ("active", Boolean, _params(default=True)),
        ("created_at", Timestamptz, _params(default=TimestamptzNow())),
    ):
        manager.add_column(
            table_class_name="Province",
            tablename="province",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )

    for class_name, tablename in (("Agency", "agency"), ("Wave", "wave"), ("StaffUser", "staff_user")):
        manager.add_column(
            table_class_name=class_name,
            tablename=tablename,
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
                index=True,
            ),
            schema=None,
        )
    return manager
