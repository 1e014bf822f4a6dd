"""Which agency continues which across a change of the map (``administration.agency_successions``).

``GET /api/v1/agencies/{code}/predecessors`` and ``…/successors`` read them (every staff role, within its
scope); ``PUT /api/v1/agencies/{code}/predecessors`` replaces an agency's predecessors as a whole
(administrators; an empty list removes them).
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from msgspec import Meta

from api.services import services_of
from api.web.auth import ADMIN, READERS
from api.web.schemas import Code, Strict
from survey_engine.actors import Actor
from survey_engine.administration.agency_successions import AgencyLink, AgencyOnMap

__all__ = ["AgencySuccessionController"]


class AgencyOnMapOut(msgspec.Struct):
    code: str
    name_vi: str
    name_en: str
    unit: str | None  # the administrative unit it sits on
    unit_version: str | None  # that unit's map version
    population: int | None  # the unit's (weighs the agency when several merge into one)


class AgencySuccessionOut(msgspec.Struct):
    predecessor: AgencyOnMapOut
    successor: AgencyOnMapOut
    population_share: float  # the part of the predecessor's population the successor now serves


class AgencySuccessionsOut(msgspec.Struct):
    items: list[AgencySuccessionOut]


class PredecessorIn(Strict):
    agency: Code
    population_share: Annotated[float, Meta(gt=0, le=1)] = 1.0


class PredecessorsIn(Strict):
    items: Annotated[list[PredecessorIn], Meta(max_length=200)]


def _agency(a: AgencyOnMap) -> AgencyOnMapOut:
    return AgencyOnMapOut(a.code, a.name_vi, a.name_en, a.unit, a.unit_version, a.population)


def _out(links: list[AgencyLink]) -> AgencySuccessionsOut:
    return AgencySuccessionsOut(
        [AgencySuccessionOut(_agency(k.predecessor), _agency(k.successor), k.population_share) for k in links]
    )


class AgencySuccessionController(Controller):
    path = "/api/v1/agencies/{code:str}"
    tags = ["agencies"]

    @get("/predecessors", summary="The agencies of an older map this agency continues", guards=[READERS])
    async def predecessors(
        self, request: Request[Any, Any, Any], actor: NamedDependency[Actor], code: FromPath[str]
    ) -> AgencySuccessionsOut:
        return _out(await services_of(request).agency_successions.predecessors(actor, code))

    @get("/successors", summary="The agencies of a later map that continue this agency", guards=[READERS])
    async def successors(
        self, request: Request[Any, Any, Any], actor: NamedDependency[Actor], code: FromPath[str]
    ) -> AgencySuccessionsOut:
        return _out(await services_of(request).agency_successions.successors(actor, code))

    @put(
        "/predecessors",
        summary="Replace the agencies this agency continues (an empty list removes them)",
        guards=[ADMIN],
    )
    async def set_predecessors(
        self,
        request: Request[Any, Any, Any],
        actor: NamedDependency[Actor],
        code: FromPath[str],
        data: JSONBody[PredecessorsIn],
    ) -> AgencySuccessionsOut:
        items = [(i.agency, i.population_share) for i in data.items]
        return _out(await services_of(request).agency_successions.set_predecessors(actor, code, items))
