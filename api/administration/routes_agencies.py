from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from litestar import Controller, Request, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from api.services import Services, services_of
from api.web.auth import ADMIN, AGENCY_EDITORS, READERS
from api.web.routes_common import Limit, Offset, to_output, to_page, to_struct
from api.web.schemas import (
    AgencyIn,
    AgencyOut,
    AgencyPatch,
    Code,
    PageOut,
    ServicePointIn,
    ServicePointOut,
    ServicePointPatch,
    set_fields,
)
from survey_engine.actors import Actor
from survey_engine.administration.agencies import ServicePointRecord

Search = Annotated[str | None, QueryParameter(max_length=100, description="part of a code or name")]


class AgencyController(Controller):
    path = "/api/v1/agencies"
    tags = ["agencies"]

    @get("/", summary="List agencies (an agency user sees its own)", guards=[READERS])
    async def list_agencies(
        self,
        request: Request[Any, Any, Any],
        actor: NamedDependency[Actor],
        limit: Limit = 50,
        offset: Offset = 0,
        q: Search = None,
        province: Annotated[Code | None, QueryParameter(description="only this province's agencies")] = None,
    ) -> PageOut[AgencyOut]:
        return to_page(AgencyOut, await services_of(request).agencies.list(actor, limit, offset, q, province))

    @post("/", summary="Create an agency", guards=[ADMIN])
    async def create_agency(
        self, request: Request[Any, Any, Any], actor: NamedDependency[Actor], data: JSONBody[AgencyIn]
    ) -> AgencyOut:
        return to_output(AgencyOut, await services_of(request).agencies.create(actor, set_fields(data)))

    @get("/{code:str}", summary="One agency", guards=[READERS])
    async def get_agency(
        self, request: Request[Any, Any, Any], actor: NamedDependency[Actor], code: FromPath[str]
    ) -> AgencyOut:
        return to_output(AgencyOut, await services_of(request).agencies.get(actor, code))

    @patch("/{code:str}", summary="Change an agency", guards=[ADMIN])
    async def update_agency(
        self,
        request: Request[Any, Any, Any],
        actor: NamedDependency[Actor],
        code: FromPath[str],
        data: JSONBody[AgencyPatch],
    ) -> AgencyOut:
        return to_output(AgencyOut, await services_of(request).agencies.update(actor, code, set_fields(data)))

    @delete("/{code:str}", summary="Delete an unused agency (409 when in use)", guards=[ADMIN])
    async def delete_agency(
        self, request: Request[Any, Any, Any], actor: NamedDependency[Actor], code: FromPath[str]
    ) -> None:
        await services_of(request).agencies.delete(actor, code)


def _point(services: Services, point: ServicePointRecord | dict[str, Any]) -> ServicePointOut:
    """A service point with its name and the two form addresses (a list's rows are still mappings)."""
    row = asdict(point) if isinstance(point, ServicePointRecord) else point
    token = str(row["token"])
    return to_struct(
        ServicePointOut,
        {
            **row,
            "name": row["name_vi"],
            "online_url": services.online_url(token),
            "kiosk_url": services.kiosk_url(token),
        },
    )


class ServicePointController(Controller):
    path = "/api/v1/service-points"
    tags = ["service points"]

    @get("/", summary="List service points (an agency user sees its own)", guards=[READERS])
    async def list_points(
        self,
        request: Request[Any, Any, Any],
        actor: NamedDependency[Actor],
        limit: Limit = 50,
        offset: Offset = 0,
        agency: Annotated[str | None, QueryParameter(max_length=32)] = None,
        q: Search = None,
        province: Annotated[Code | None, QueryParameter(description="only this province's points")] = None,
    ) -> PageOut[ServicePointOut]:
        services: Services = request.app.state.services
        page = await services.service_points.list(actor, limit, offset, agency, q, province)
        return PageOut(
            items=[_point(services, row) for row in page.items], total=page.total, limit=limit, offset=offset
        )

    @post("/", summary="Create a service point (it gets a fresh public token)", guards=[AGENCY_EDITORS])
    async def create_point(
        self, request: Request[Any, Any, Any], actor: NamedDependency[Actor], data: JSONBody[ServicePointIn]
    ) -> ServicePointOut:
        services: Services = request.app.state.services
        return _point(services, await services.service_points.create(actor, set_fields(data)))

    @get("/{code:str}", summary="One service point", guards=[READERS])
    async def get_point(
        self, request: Request[Any, Any, Any], actor: NamedDependency[Actor], code: FromPath[str]
    ) -> ServicePointOut:
        services: Services = request.app.state.services
        return _point(services, await services.service_points.get(actor, code))

    @patch("/{code:str}", summary="Change a service point", guards=[AGENCY_EDITORS])
    async def update_point(
        self,
        request: Request[Any, Any, Any],
        actor: NamedDependency[Actor],
        code: FromPath[str],
        data: JSONBody[ServicePointPatch],
    ) -> ServicePointOut:
        services: Services = request.app.state.services
        return _point(services, await services.service_points.update(actor, code, set_fields(data)))

    @post(
        "/{code:str}/rotate-token",
        summary="Replace the public token; old QR codes stop working",
        guards=[AGENCY_EDITORS],
        status_code=200,
    )
    async def rotate_token(
        self, request: Request[Any, Any, Any], actor: NamedDependency[Actor], code: FromPath[str]
    ) -> ServicePointOut:
        services: Services = request.app.state.services
        return _point(services, await services.service_points.rotate_token(actor, code))

    @delete("/{code:str}", summary="Delete an unused service point (409 when in use)", guards=[ADMIN])
    async def delete_point(
        self, request: Request[Any, Any, Any], actor: NamedDependency[Actor], code: FromPath[str]
    ) -> None:
        await services_of(request).service_points.delete(actor, code)
