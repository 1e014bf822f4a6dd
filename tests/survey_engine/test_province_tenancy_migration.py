"""The tenancy data step: a database created before provinces were tenants gets one tenant province for its
agencies, waves and non-administrator accounts; administrators stay national. Both engines."""

from __future__ import annotations

import importlib
from datetime import UTC, date, datetime
from typing import Any

from piccolo.engine.base import Engine

from survey_engine.tables import AdminUnit, Agency, Province, StaffUser

STEP = importlib.import_module("survey_engine.piccolo_migrations.survey_engine_2026_12_06t20_10_30_000000")
NOW = datetime(2026, 12, 6, tzinfo=UTC)


def _bind(engine: Engine[Any]) -> None:
    # The migration's handle is not one of the app's tables, so ``use_engine`` does not bind it.
    STEP.RawSQL._meta.db = engine


async def _pre_tenancy_rows() -> None:
    await Agency.insert(
        Agency(code="SO-TP", name_vi="Sở Tư pháp", name_en="Justice", level="province", created_at=NOW)
    )
    for email, role in (("admin@x.vn", "admin"), ("stat@x.vn", "statistician")):
        await StaffUser.insert(StaffUser(email=email, password_hash="x", role=role, created_at=NOW))


async def test_rows_take_the_maps_only_province(engine: Engine[Any]) -> None:
    _bind(engine)
    await AdminUnit.insert(
        AdminUnit(
            code="01",
            unit_version="2025-07",
            name_vi="Thành phố Hà Nội",
            name_en="Ha Noi",
            level="province",
            valid_from=date(2025, 7, 1),
        )
    )
    await _pre_tenancy_rows()
    await STEP.assign_existing_rows()
    await STEP.assign_existing_rows()  # safe to repeat: nothing new, nothing doubled

    provinces = await Province.select(Province.id, Province.code, Province.name_en, Province.unit_code)
    assert [(p["code"], p["name_en"], p["unit_code"]) for p in provinces] == [("01", "Ha Noi", "01")]
    tenant = provinces[0]["id"]
    assert await Agency.select(Agency.province).first() == {"province": tenant}
    users = {u["email"]: u["province"] for u in await StaffUser.select(StaffUser.email, StaffUser.province)}
    assert users == {"admin@x.vn": None, "stat@x.vn": tenant}


async def test_without_a_single_province_unit_the_tenant_is_default(engine: Engine[Any]) -> None:
    _bind(engine)
    await _pre_tenancy_rows()
    await STEP.assign_existing_rows()
    provinces = await Province.select(Province.code, Province.unit_code)
    assert provinces == [{"code": "default", "unit_code": None}]


async def test_an_empty_database_gets_no_province(engine: Engine[Any]) -> None:
    _bind(engine)
    await STEP.assign_existing_rows()
    assert await Province.count() == 0
