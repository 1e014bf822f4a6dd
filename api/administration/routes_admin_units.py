"""Administrative units, versioned: the map changed on 1 July 2025 (63 → 34 provinces, no districts)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

import msgspec
from litestar import get
from litestar.params import QueryParameter

from api.web.auth import READERS
from api.web.routes_common import Limit, Offset
from api.web.schemas import PageOut
from survey_engine.tables import AdminUnit


class AdminUnitOut(msgspec.Struct):
    code: str
    unit_version: str
    name_vi: str
    name_en: str
    level: str
    parent_code: str | None
    valid_from: date
    valid_to: date | None


@get(
    "/api/v1/admin-units",
    tags=["agencies"],
    summary="Administrative units of one or every map version",
    guards=[READERS],
)
async def list_admin_units(
    limit: Limit = 100,
    offset: Offset = 0,
    version: Annotated[str | None, QueryParameter(max_length=32, description="e.g. 2025-07")] = None,
    level: Annotated[Literal["province", "district", "commune"] | None, QueryParameter()] = None,
) -> PageOut[AdminUnitOut]:
    query = AdminUnit.select().order_by(AdminUnit.unit_version).order_by(AdminUnit.code)
    count = AdminUnit.count()
    for condition in (
        AdminUnit.unit_version == version if version else None,
        AdminUnit.level == level if level else None,
    ):
        if condition is not None:
            query = query.where(condition)
            count = count.where(condition)
    rows = await query.limit(limit).offset(offset)
    items = [msgspec.convert(r, AdminUnitOut, strict=False) for r in rows]
    return PageOut(items=items, total=await count, limit=limit, offset=offset)
