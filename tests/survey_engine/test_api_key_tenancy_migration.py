"""The API-key data step: keys made before tenancy (null province, read as "every agency of the
deployment") take the province they were made in, so a second province's service points are not open to
them. Both engines."""

from __future__ import annotations

import importlib
from typing import Any

from piccolo.engine.base import Engine

from survey_engine.integrations.apikeys import ApiKeyService
from survey_engine.security import hash_token
from survey_engine.tables import Agency, ApiKey
from tests.survey_engine.migration_steps import NOW, add_province, bind

STEP = importlib.import_module("survey_engine.piccolo_migrations.survey_engine_2026_12_07t06_30_00_000000")


async def _agency(code: str, province: int) -> int:
    await Agency.insert(
        Agency(code=code, name_vi=code, name_en=code, level="province", created_at=NOW, province=province)
    )
    row = await Agency.select(Agency.id).where(Agency.code == code).first()
    assert row is not None
    return int(row["id"])


async def _key(name: str, agency: int | None = None, province: int | None = None) -> None:
    await ApiKey.insert(
        ApiKey(
            name=name,
            prefix=name[:10],
            key_hash=name.ljust(64, "0"),
            agency=agency,
            province=province,
            created_at=NOW,
        )
    )


async def _provinces() -> dict[str, int | None]:
    rows = await ApiKey.select(ApiKey.name, ApiKey.province)
    return {str(r["name"]): r["province"] for r in rows}


async def test_old_keys_take_the_province_they_were_made_in(engine: Engine[Any]) -> None:
    bind(STEP, engine)
    first = await add_province("01")  # the pre-tenancy data's province (the tenancy data step made it)
    second = await add_province("P2")  # added later
    old_agency = await _agency("A1", first)
    new_agency = await _agency("B1", second)
    await _key("old-province")  # a province key made before tenancy
    await _key("old-agency", agency=old_agency)
    await _key("moved-agency", agency=new_agency)  # its agency moved to P2 since: the agency's province
    await _key("new-p2", province=second)  # made after tenancy: untouched
    await STEP.assign_keys()
    await STEP.assign_keys()  # safe to repeat
    assert await _provinces() == {
        "old-province": first,
        "old-agency": first,
        "moved-agency": second,
        "new-p2": second,
    }


async def test_without_provinces_nothing_changes(engine: Engine[Any]) -> None:
    bind(STEP, engine)
    await _key("old-province")
    await STEP.assign_keys()
    assert await _provinces() == {"old-province": None}


async def test_a_key_left_without_a_province_is_the_first_provinces(engine: Engine[Any]) -> None:
    """A province key made in a database without provinces keeps a null province through the data step;
    once provinces exist, it covers the first one (where that database's data went), not every one."""
    await ApiKey.insert(
        ApiKey(name="old", prefix="sk_old", key_hash=hash_token("sk_" + "o" * 43), created_at=NOW)
    )
    service = ApiKeyService(requests_per_minute=0)
    assert (await service.authenticate("sk_" + "o" * 43)).province_id is None  # no province: no agency either
    first = await add_province("01")
    await add_province("P2")
    found = await service.authenticate("sk_" + "o" * 43)
    assert found.province_id == first and found.agency_id is None
