"""Administrative units, versioned: the map changed on 1 July 2025 (63 → 34 provinces, no districts)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

import msgspec
from litestar import Request, get
from litestar.params import PathParameter, QueryParameter

from api.services import Services, services_of
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
    population: int | None = None  # residents (weighs the unit when merged units' figures are combined)


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


class UnitRefOut(msgspec.Struct):
    code: str
    unit_version: str
    name_vi: str
    name_en: str
    level: str
    population: int | None


class SuccessionOut(msgspec.Struct):
    predecessor: UnitRefOut
    successor: UnitRefOut
    population_share: float  # the part of the predecessor's population that went to the successor


class SuccessionsOut(msgspec.Struct):
    items: list[SuccessionOut]


class MapVersionOut(msgspec.Struct):
    unit_version: str
    valid_from: date
    units: int


class MapVersionsOut(msgspec.Struct):
    items: list[MapVersionOut]  # oldest first: the last is the map in force


UnitVersion = Annotated[
    str, QueryParameter(min_length=1, max_length=32, description="the unit's map version, e.g. 2008-08")
]
UnitCode = Annotated[str, PathParameter(min_length=1, max_length=32, description="unit code")]


@get(
    "/api/v1/admin-units/versions",
    tags=["agencies"],
    summary="Map versions, oldest first (the last is the map in force)",
    guards=[READERS],
)
async def list_map_versions(request: Request[Any, Any, Any]) -> MapVersionsOut:
    found = await services_of(request).map_changes.versions()
    return MapVersionsOut([MapVersionOut(v.unit_version, v.valid_from, v.units) for v in found])


def _successions(found: list[Any]) -> SuccessionsOut:
    return SuccessionsOut(
        [
            SuccessionOut(
                msgspec.convert(s.predecessor, UnitRefOut, from_attributes=True),
                msgspec.convert(s.successor, UnitRefOut, from_attributes=True),
                s.population_share,
            )
            for s in found
        ]
    )


@get(
    "/api/v1/admin-units/{code:str}/successors",
    tags=["agencies"],
    summary="What a unit became on later map versions (merges and splits, with population shares)",
    description=(
        "Each item: predecessor (this unit), successor (a unit of a later version) and population_share, "
        "the part of this unit's population that went to the successor (a unit's shares into one version "
        "sum to 1). Empty when the unit did not change; 404 for an unknown unit."
    ),
    guards=[READERS],
)
async def unit_successors(
    request: Request[Any, Any, Any], code: UnitCode, version: UnitVersion
) -> SuccessionsOut:
    return _successions(await services_of(request).map_changes.successors(code, version))


@get(
    "/api/v1/admin-units/{code:str}/predecessors",
    tags=["agencies"],
    summary="What a unit came from on earlier map versions (with population shares)",
    description=(
        "Each item: predecessor (a unit of an earlier version), successor (this unit) and population_share "
        "(the part of the predecessor's population that went to this unit). Several predecessors with share "
        "1 is a merge. Empty for a unit with no recorded past; 404 for an unknown unit."
    ),
    guards=[READERS],
)
async def unit_predecessors(
    request: Request[Any, Any, Any], code: UnitCode, version: UnitVersion
) -> SuccessionsOut:
    return _successions(await services_of(request).map_changes.predecessors(code, version))
