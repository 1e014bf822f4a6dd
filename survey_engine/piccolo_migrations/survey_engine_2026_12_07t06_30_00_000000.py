"""Provinces as tenants: API keys made before tenancy are given the province they were made in.

Such a key kept a null province, read as "every agency of the deployment". In a pre-tenancy database that
was one province's agencies; once a second province was added, the same key could also send ratings for
the new province's service points, a door between tenants. So:

* an agency key takes its agency's province;
* a province key (no agency) takes the province of the pre-tenancy data: the first one, which the
  tenancy data step (``2026-12-06T20:10:30``) created, or found, for the agencies of that database. Every key
  made since tenancy names its province, so a null one is always from before.

Safe to repeat; with no province at all (an empty database) nothing changes.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-07T06:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "provinces as tenants: API keys made before tenancy take their province"


class RawSQL(Table, tablename="api_key"):
    """Only a handle on the engine: Piccolo resolves it the same way as for every table."""


async def assign_keys() -> None:
    await RawSQL.raw(
        "UPDATE api_key SET province = (SELECT a.province FROM agency AS a WHERE a.id = api_key.agency)"
        " WHERE province IS NULL AND agency IS NOT NULL"
    )
    await RawSQL.raw(
        "UPDATE api_key SET province = (SELECT MIN(id) FROM province)"
        " WHERE province IS NULL AND agency IS NULL AND EXISTS (SELECT 1 FROM province)"
    )


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="survey_engine", description=DESCRIPTION)
    manager.add_raw(assign_keys)
    return manager
