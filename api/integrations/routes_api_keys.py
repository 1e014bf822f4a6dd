"""``/api/v1/api-keys``: administrators create (the key is shown once), list and revoke system API keys."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from msgspec import UNSET, Meta, UnsetType

from api.services import services_of
from api.web.auth import ADMIN
from api.web.routes_common import RowId
from api.web.schemas import Code, Strict
from survey_engine.actors import Actor
from survey_engine.errors import FieldProblem, InvalidInput


class ApiKeyIn(Strict):
    name: Annotated[str, Meta(min_length=1, max_length=100, description="the system, e.g. 'Một cửa tỉnh'")]
    agency: (
        Annotated[str, Meta(max_length=32, description="the one agency it may send ratings for")] | UnsetType
    ) = UNSET
    province: Annotated[bool, Meta(description="true: every agency of the key's province")] = False
    province_code: Annotated[
        Code | None,
        Meta(
            description="the province of a province key: a province administrator's own by default; the "
            "deployment's administrator names it unless there is a single province"
        ),
    ] = None


class ApiKeyController(Controller):
    path = "/api/v1/api-keys"
    tags = ["integrations"]
    guards = [ADMIN]

    @post("/", summary="Create a system API key (the key is in this answer only)", status_code=201)
    async def create(
        self, request: Request[Any, Any, Any], actor: NamedDependency[Actor], data: JSONBody[ApiKeyIn]
    ) -> dict[str, object]:
        agency = None if isinstance(data.agency, UnsetType) else data.agency
        if (agency is None) == (not data.province):
            raise InvalidInput(
                "say which agency the key is for, or that it is for the whole province",
                [FieldProblem("agency", "give exactly one of agency and province: true", "invalid")],
            )
        record, key = await services_of(request).api_keys.create(actor, data.name, agency, data.province_code)
        return {**record.as_json(), "key": key}

    @get("/", summary="System API keys (never the keys themselves; a province administrator: its province's)")
    async def list_keys(
        self, request: Request[Any, Any, Any], actor: NamedDependency[Actor]
    ) -> list[dict[str, object]]:
        return [k.as_json() for k in await services_of(request).api_keys.list(actor=actor)]

    @post("/{key_id:int}/revoke", summary="Revoke a key: refused from the next request on", status_code=200)
    async def revoke(
        self, request: Request[Any, Any, Any], actor: NamedDependency[Actor], key_id: RowId
    ) -> dict[str, object]:
        return (await services_of(request).api_keys.revoke(actor, key_id)).as_json()
