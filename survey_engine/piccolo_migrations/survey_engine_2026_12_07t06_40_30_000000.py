"""Provinces as tenants, data step for questionnaires: before this, any province's analysts could change
any questionnaire (a draft another province was writing, or publish a new version of it).

On a deployment of one province, its questionnaires are its own: they go to that province, whose staff keep
changing them as before. On a deployment of several provinces, who made a stored questionnaire is not known
for certain, so they stay national (null province): national accounts change them, and an analyst of a
province makes a new questionnaire of its own to change. Safe to repeat.
A separate migration because Piccolo runs a migration's raw SQL before it creates that migration's columns.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-07T06:40:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "provinces as tenants: a single province's questionnaires are its own"


class RawSQL(Table, tablename="questionnaire"):
    """Only a handle on the engine: Piccolo resolves it the same way as for every table."""


async def assign_questionnaires() -> None:
    provinces = await RawSQL.raw("SELECT id FROM province ORDER BY id LIMIT 2")
    if len(provinces) == 1:
        await RawSQL.raw("UPDATE questionnaire SET province = {} WHERE province IS NULL", provinces[0]["id"])


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="survey_engine", description=DESCRIPTION)
    manager.add_raw(assign_questionnaires)
    return manager
