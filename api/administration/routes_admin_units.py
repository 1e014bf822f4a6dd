"""Administrative units, versioned: the map changed on 1 July 2025 (63 → 34 provinces, no districts)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

import msgspec
from litestar import Request, get
from litestar.params import QueryParameter

from api.services import Services
from api.web.auth import READERS
from api.web.routes_common import Limit, Offset
from api.web.schemas import PageOut


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
    request: Request[Any, Any, Any],
    limit: Limit = 100,
    offset: Offset = 0,
    version: Annotated[str | None, QueryParameter(max_length=32, description="e.g. 2025-07")] = None,
    level: Annotated[Literal["province", "district", "commune"] | None, QueryParameter()] = None,
) -> PageOut[AdminUnitOut]:
    services: Services = request.app.state.services
    listed = await services.admin_units.list(limit, offset, version, level)
    items = [msgspec.convert(r, AdminUnitOut, strict=False) for r in listed.items]
    return PageOut(items=items, total=listed.total, limit=limit, offset=offset)
