"""Provinces as tenants of the deployment: listed to every staff account as far as it sees them, created
and changed by the deployment's administrator (an administrator without a province) only."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from api.services import services_of
from api.web.auth import ADMIN, READERS
from api.web.routes_common import Limit, Offset, to_output, to_page
from api.web.schemas import PageOut, ProvinceIn, ProvinceOut, ProvincePatch, set_fields
from survey_engine.actors import Actor


class ProvinceController(Controller):
    path = "/api/v1/provinces"
    tags = ["provinces"]

    @get(
        "/",
        summary="List provinces (a province account sees its own; national accounts all)",
        guards=[READERS],
    )
    async def list_provinces(
        self,
        request: Request[Any, Any, Any],
        actor: NamedDependency[Actor],
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> PageOut[ProvinceOut]:
        return to_page(ProvinceOut, await services_of(request).provinces.list(actor, limit, offset))

    @post(
        "/",
        summary="Add a province (the deployment's administrator only; 403 for province accounts)",
        guards=[ADMIN],
    )
    async def create_province(
        self, request: Request[Any, Any, Any], actor: NamedDependency[Actor], data: JSONBody[ProvinceIn]
    ) -> ProvinceOut:
        return to_output(ProvinceOut, await services_of(request).provinces.create(actor, set_fields(data)))

    @get("/{code:str}", summary="One province (another province's: 404)", guards=[READERS])
    async def get_province(
        self, request: Request[Any, Any, Any], actor: NamedDependency[Actor], code: FromPath[str]
    ) -> ProvinceOut:
        return to_output(ProvinceOut, await services_of(request).provinces.get(actor, code))

    @patch(
        "/{code:str}",
        summary="Rename a province, link it to its unit or deactivate it (its code never changes)",
        guards=[ADMIN],
    )
    async def update_province(
        self,
        request: Request[Any, Any, Any],
        actor: NamedDependency[Actor],
        code: FromPath[str],
        data: JSONBody[ProvincePatch],
    ) -> ProvinceOut:
        return to_output(
            ProvinceOut, await services_of(request).provinces.update(actor, code, set_fields(data))
        )
