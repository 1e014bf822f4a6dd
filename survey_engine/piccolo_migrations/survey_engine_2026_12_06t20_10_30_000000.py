"""Provinces as tenants, data step: a database created before tenancy held one province's data, so its
agencies, waves and non-administrator accounts are given one tenant province. Administrators stay national
(province null) so that they keep seeing everything, as before.

The tenant takes the code and names of the map's only province-level unit when there is exactly one (the
usual single-province deployment); otherwise it is ``default``, to be renamed by an administrator.
A separate migration because Piccolo runs a migration's raw SQL before it creates that migration's tables.
"""

from datetime import UTC, datetime

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-06T20:10:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "provinces as tenants: assign the rows of a pre-tenancy database"


class RawSQL(Table, tablename="province"):
    """Only a handle on the engine: Piccolo resolves it the same way as for every table."""


async def assign_existing_rows() -> None:
    """Give the unassigned agencies, waves and non-administrator accounts one tenant (safe to repeat)."""
    agencies = await RawSQL.raw("SELECT COUNT(*) AS n FROM agency WHERE province IS NULL")
    waves = await RawSQL.raw("SELECT COUNT(*) AS n FROM wave WHERE province IS NULL")
    users = await RawSQL.raw(
        "SELECT COUNT(*) AS n FROM staff_user WHERE province IS NULL AND role <> 'admin'"
    )
    if not (agencies[0]["n"] or waves[0]["n"] or users[0]["n"]):
        return
    existing = await RawSQL.raw("SELECT id FROM province ORDER BY id")
    if existing:
        province_id = existing[0]["id"]
    else:
        units = await RawSQL.raw(
            "SELECT DISTINCT code, name_vi, name_en FROM admin_unit WHERE level = 'province'"
            " AND valid_to IS NULL"
        )
        if len(units) == 1:
            code, name_vi, name_en, unit_code = (
                units[0]["code"],
                units[0]["name_vi"],
                units[0]["name_en"],
                units[0]["code"],
            )
        else:
            code, name_vi, name_en, unit_code = "default", "Tỉnh mặc định", "Default province", None
        await RawSQL.raw(
            "INSERT INTO province (code, name_vi, name_en, unit_code, active, created_at)"
            " VALUES ({}, {}, {}, {}, {}, {})",
            code,
            name_vi,
            name_en,
            unit_code,
            True,
            datetime.now(UTC),
        )
        province_id = (await RawSQL.raw("SELECT id FROM province WHERE code = {}", code))[0]["id"]
    await RawSQL.raw("UPDATE agency SET province = {} WHERE province IS NULL", province_id)
    await RawSQL.raw("UPDATE wave SET province = {} WHERE province IS NULL", province_id)
    await RawSQL.raw(
        "UPDATE staff_user SET province = {} WHERE province IS NULL AND role <> 'admin'", province_id
    )


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="survey_engine", description=DESCRIPTION)
    manager.add_raw(assign_existing_rows)
    return manager
