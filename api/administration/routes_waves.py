from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from api.services import services_of
from api.web.auth import ANALYSTS, READERS
from api.web.routes_common import Limit, Offset, to_output, to_page
from api.web.schemas import Code, PageOut, WaveIn, WaveOut, WavePatch, WaveStatus, WaveStatusIn, set_fields
from survey_engine.actors import Actor


class WaveController(Controller):
    path = "/api/v1/waves"
    tags = ["waves"]

    @get("/", summary="List waves (an agency user sees those that include its agency)", guards=[READERS])
    async def list_waves(
        self,
        request: Request[Any, Any, Any],
        actor: NamedDependency[Actor],
        limit: Limit = 50,
        offset: Offset = 0,
        status: Annotated[WaveStatus | None, QueryParameter()] = None,
        province: Annotated[Code | None, QueryParameter(description="only this province's waves")] = None,
    ) -> PageOut[WaveOut]:
        return to_page(WaveOut, await services_of(request).waves.list(actor, limit, offset, status, province))

    @post("/", summary="Create a wave (status draft)", guards=[ANALYSTS])
    async def create_wave(
        self, request: Request[Any, Any, Any], actor: NamedDependency[Actor], data: JSONBody[WaveIn]
    ) -> WaveOut:
        return to_output(WaveOut, await services_of(request).waves.create(actor, set_fields(data)))

    @get("/{code:str}", summary="One wave", guards=[READERS])
    async def get_wave(
        self, request: Request[Any, Any, Any], actor: NamedDependency[Actor], code: FromPath[str]
    ) -> WaveOut:
        return to_output(WaveOut, await services_of(request).waves.get(actor, code))

    @patch("/{code:str}", summary="Change a wave (most fields only while draft)", guards=[ANALYSTS])
    async def update_wave(
        self,
        request: Request[Any, Any, Any],
        actor: NamedDependency[Actor],
        code: FromPath[str],
        data: JSONBody[WavePatch],
    ) -> WaveOut:
        return to_output(WaveOut, await services_of(request).waves.update(actor, code, set_fields(data)))

    @post(
        "/{code:str}/status",
        summary="Open or close a wave (draft → open → closed)",
        guards=[ANALYSTS],
        status_code=200,
    )
    async def set_status(
        self,
        request: Request[Any, Any, Any],
        actor: NamedDependency[Actor],
        code: FromPath[str],
        data: JSONBody[WaveStatusIn],
    ) -> WaveOut:
        return to_output(WaveOut, await services_of(request).waves.set_status(actor, code, data.status))

    @delete("/{code:str}", summary="Delete a draft wave", guards=[ANALYSTS])
    async def delete_wave(
        self, request: Request[Any, Any, Any], actor: NamedDependency[Actor], code: FromPath[str]
    ) -> None:
        await services_of(request).waves.delete(actor, code)
