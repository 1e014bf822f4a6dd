"""Frames, samples, fieldwork progress and weights (handlers mounted by create_app).

Frame files and the frame file given again for letters are the request body itself: ``text/csv`` (UTF-8,
BOM tolerated) or an XLSX workbook (``application/vnd.openxmlformats-officedocument.spreadsheetml.sheet``),
so ``curl --data-binary @frame.xlsx -H 'Content-Type: …'`` works. The app's 1 MiB body limit applies
(413); larger frames go through ``sipas frame import --wave W FILE`` and ``sipas frame letters``, which
have no size limit and run the same validation.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Annotated, Any, Literal

import anyio.to_thread
import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIType, Operation, RequestBody, Schema
from litestar.params import FromPath, JSONBody, QueryParameter
from msgspec import Meta

from api.services import services_of
from api.web.auth import ANALYSTS, READERS
from api.web.routes_common import Limit, Offset, to_output
from reports.letters import LetterData, render_letters
from survey_engine.actors import Actor
from survey_engine.fieldwork.frames import XLSX_MEDIA_TYPE

FILE_TYPES = ("text/csv", "application/csv", "text/plain", XLSX_MEDIA_TYPE, "application/octet-stream")


class Strict(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Unknown fields are a client error (422), never silently dropped."""


class FrameImportOut(msgspec.Struct):
    wave: str
    frame: int
    name: str
    rows: int
    with_phone: int
    agencies: dict[str, int]


class FrameInfo(msgspec.Struct):
    id: int
    name: str
    imported_at: datetime
    row_count: int
    unit_version: str


class AgencyUnits(msgspec.Struct):
    agency: str
    units: int


class CellUnits(msgspec.Struct):
    agency: str
    field: str
    units: int


class FrameSummaryOut(msgspec.Struct):
    wave: str
    frames: list[FrameInfo]
    units: int
    agencies: list[AgencyUnits]
    cells: list[CellUnits]


class PlanIn(Strict):
    strata: list[Literal["agency", "field"]] | None = None
    n: Annotated[int, Meta(ge=1, le=10_000_000)] | None = None
    margin: Annotated[float, Meta(gt=0, lt=1)] | None = None
    allocation: Literal["proportional", "equal", "neyman", "power"] = "proportional"
    power_q: Annotated[float, Meta(ge=0, le=1)] = 0.5
    min_per_stratum: Annotated[int, Meta(ge=0)] | None = None
    max_per_stratum: Annotated[int, Meta(ge=0)] | None = None
    response_rate: Annotated[float, Meta(gt=0, le=1)] = 1.0
    deff: Annotated[float, Meta(ge=1, le=100)] = 1.0
    p: Annotated[float, Meta(gt=0, lt=1)] = 0.5
    sd: dict[str, Annotated[float, Meta(ge=0)]] | None = None
    method: Literal["srs", "systematic"] = "srs"
    save: bool = False


class DrawIn(PlanIn, kw_only=True):
    seed: Annotated[int, Meta(ge=0, le=2**62)]
    contacts: bool = True


def plan_values(data: PlanIn) -> dict[str, Any]:
    """The plan parameters the fieldwork service takes, from a plan (or draw) body; also the console's."""
    fields = (
        "strata", "n", "margin", "allocation", "power_q", "min_per_stratum", "max_per_stratum",
        "response_rate", "deff", "p", "sd", "method",
    )  # fmt: skip
    return {name: getattr(data, name) for name in fields}


class StratumPlan(msgspec.Struct):
    stratum: str
    agency: str
    field: str | None
    population: int
    n: int
    expected_completes: float
    sampling_fraction: float


class AgencyPlan(msgspec.Struct):
    agency: str
    population: int
    n: int
    expected_completes: float
    expected_margin: float | None


class OverallPlan(msgspec.Struct):
    population: int
    n: int
    expected_completes: float
    expected_margin: float | None


class PlanOut(msgspec.Struct):
    wave: str
    saved: bool
    parameters: dict[str, Any]
    z: float
    n: int
    expected_completes: float
    population: int
    strata: list[StratumPlan]
    agencies: list[AgencyPlan]
    overall: OverallPlan


class PlanBody(msgspec.Struct):
    parameters: dict[str, Any]
    z: float
    n: int
    expected_completes: float
    population: int
    strata: list[StratumPlan]
    agencies: list[AgencyPlan]
    overall: OverallPlan


class DrawOut(msgspec.Struct):
    wave: str
    seed: int
    method: str
    n: int
    contacts: int
    frame_rows: int
    plan: PlanBody


class SampleOut(msgspec.Struct):
    wave: str
    seed: int | None
    method: str
    strata_variables: list[str]
    n: int
    frame_rows: int
    drawn_at: datetime
    strata: list[StratumPlan]


class RatesOut(msgspec.Struct):
    sampled: int
    counts: dict[str, int]
    rr1: float | None
    rr2: float | None
    rr3: float | None
    rr4: float | None
    target_completes: int
    progress: float | None


class AgencyRatesOut(RatesOut):
    agency: str


class FieldworkOut(msgspec.Struct):
    wave: str
    status: str
    e: float
    e_method: str
    definitions: dict[str, str]
    overall: RatesOut
    agencies: list[AgencyRatesOut]
    as_of: datetime


class WeightsIn(Strict):
    nonresponse_classes: list[str] | None = None
    calibration: Literal["poststratify", "rake", "none"] = "poststratify"
    calibration_variables: list[str] | None = None
    trim_ratio: Annotated[float, Meta(gt=1)] | None = None
    include_partials: bool = False


class WeightsOut(msgspec.Struct):
    wave: str
    computed_at: datetime
    trigger: str
    options: dict[str, Any]
    diagnostics: dict[str, Any]


class UnitWeightOut(msgspec.Struct):
    unit: int
    agency: str
    stratum: str
    stratum_population: int
    stratum_sample: int
    inclusion_probability: float
    base_weight: float
    status: str
    nonresponse_class: str | None
    adjusted_weight: float | None
    final_weight: float | None


class UnitWeightsPage(msgspec.Struct):
    items: list[UnitWeightOut]
    total: int
    limit: int
    offset: int


@dataclass
class FileUploadOperation(Operation):
    """The body is the file itself (Litestar would decode a ``data`` parameter as JSON)."""

    def __post_init__(self) -> None:
        text = Schema(
            type=OpenAPIType.STRING,
            description="UTF-8 (BOM tolerated), comma or semicolon separated; header "
            "dossier_code,agency,field,completed_on[,phone,sex,age_band,ethnicity,education,occupation,area]",
        )
        binary = Schema(type=OpenAPIType.STRING, format=None, description="XLSX workbook, first sheet")
        self.request_body = RequestBody(
            content={
                "text/csv": OpenAPIMediaType(schema=text),
                XLSX_MEDIA_TYPE: OpenAPIMediaType(schema=binary),
            },
            required=True,
        )


async def _file_body(request: Request[Any, Any, Any]) -> bytes:
    media_type = request.content_type[0]
    if media_type not in FILE_TYPES:
        raise HTTPException(status_code=415, detail=f"send the file as text/csv or XLSX, not {media_type}")
    return await request.body()  # the app's 1 MiB limit applies (413)


def _settings(request: Request[Any, Any, Any]) -> Any:
    return services_of(request).settings


class FieldworkController(Controller):
    path = "/api/v1/waves/{wave:str}"
    tags = ["fieldwork"]

    @post(
        "/frame",
        summary="Import a frame of completed dossiers (CSV or XLSX body); all rows or none",
        guards=[ANALYSTS],
        status_code=201,
        operation_class=FileUploadOperation,
    )
    async def import_frame(
        self,
        request: Request[Any, Any, Any],
        actor: NamedDependency[Actor],
        wave: FromPath[str],
        name: Annotated[str, QueryParameter(max_length=200, description="a name for this import")] = "",
    ) -> FrameImportOut:
        data = await _file_body(request)
        result = await services_of(request).frames.import_frame(
            actor, wave, data, _settings(request).secret_key, name
        )
        return to_output(FrameImportOut, result)

    @get("/frame", summary="The wave's frame: imports and unit counts per agency and field", guards=[READERS])
    async def frame_summary(
        self, request: Request[Any, Any, Any], actor: NamedDependency[Actor], wave: FromPath[str]
    ) -> FrameSummaryOut:
        return to_output(FrameSummaryOut, await services_of(request).frames.summary(actor, wave))

    @post(
        "/plan",
        summary="Allocate a sample over strata with the expected 95 % margin per agency (saved with save)",
        guards=[ANALYSTS],
        status_code=200,
    )
    async def plan(
        self,
        request: Request[Any, Any, Any],
        actor: NamedDependency[Actor],
        wave: FromPath[str],
        data: JSONBody[PlanIn],
    ) -> PlanOut:
        result = await services_of(request).fieldwork.plan(actor, wave, plan_values(data), save=data.save)
        return to_output(PlanOut, result)

    @post(
        "/draw",
        summary="Draw the sample (seeded, reproducible); phone contacts for sampled units with a phone",
        guards=[ANALYSTS],
        status_code=201,
    )
    async def draw(
        self,
        request: Request[Any, Any, Any],
        actor: NamedDependency[Actor],
        wave: FromPath[str],
        data: JSONBody[DrawIn],
    ) -> DrawOut:
        values = plan_values(data)
        if data.n is None and data.margin is None:
            values = {}  # the plan saved with POST …/plan {"save": true}
        result = await services_of(request).fieldwork.draw(
            actor, wave, data.seed, values, contacts=data.contacts
        )
        return to_output(DrawOut, result)

    @get("/sample", summary="The drawn sample: seed, method and allocation per stratum", guards=[READERS])
    async def sample(
        self, request: Request[Any, Any, Any], actor: NamedDependency[Actor], wave: FromPath[str]
    ) -> SampleOut:
        return to_output(SampleOut, await services_of(request).fieldwork.sample_summary(actor, wave))

    @post(
        "/letters",
        summary="Invitation letters (PDF, one A4 page per sampled dossier) from the frame file given again",
        guards=[ANALYSTS],
        status_code=200,
        operation_class=FileUploadOperation,
        media_type="application/pdf",
    )
    async def letters(
        self,
        request: Request[Any, Any, Any],
        actor: NamedDependency[Actor],
        wave: FromPath[str],
        service_point: Annotated[
            str | None,
            QueryParameter(description="service point whose form the QR opens (default: agency's)"),
        ] = None,
    ) -> Response[bytes]:
        data = await _file_body(request)
        settings = _settings(request)
        rows, missing = await services_of(request).fieldwork.letters(
            actor, wave, data, settings.secret_key, settings.base_url, service_point
        )
        if not rows:
            raise HTTPException(status_code=422, detail="none of the sampled dossiers is in this file")
        letters = [LetterData(**dataclasses.asdict(letter)) for letter in rows]
        body = await anyio.to_thread.run_sync(partial(render_letters, letters))
        return Response(
            content=body,
            media_type="application/pdf",
            headers={
                "Content-Disposition": f'attachment; filename="letters-{wave}.pdf"',
                "Cache-Control": "no-store",
                "X-Sipas-Letters": str(len(letters)),
                "X-Sipas-Missing": str(missing),
            },
        )

    @get(
        "/fieldwork",
        summary="Fieldwork status, AAPOR RR1–RR4 and progress per agency (agency users: their own)",
        guards=[READERS],
    )
    async def fieldwork(
        self,
        request: Request[Any, Any, Any],
        actor: NamedDependency[Actor],
        wave: FromPath[str],
        e: Annotated[
            float | None, QueryParameter(ge=0, le=1, description="eligible share among unknowns for RR3/RR4")
        ] = None,
    ) -> FieldworkOut:
        return to_output(FieldworkOut, await services_of(request).fieldwork.progress(actor, wave, e))

    @post("/weights", summary="Compute and store the sample's weights", guards=[ANALYSTS], status_code=200)
    async def compute_weights(
        self,
        request: Request[Any, Any, Any],
        actor: NamedDependency[Actor],
        wave: FromPath[str],
        data: JSONBody[WeightsIn],
    ) -> WeightsOut:
        values = {f: getattr(data, f) for f in data.__struct_fields__}
        return to_output(WeightsOut, await services_of(request).weights.compute(actor, wave, values))

    @get("/weights", summary="The latest weights: options and diagnostics", guards=[ANALYSTS])
    async def get_weights(
        self, request: Request[Any, Any, Any], actor: NamedDependency[Actor], wave: FromPath[str]
    ) -> WeightsOut:
        return to_output(WeightsOut, await services_of(request).weights.latest(actor, wave))

    @get("/weights/units", summary="Stored weights per sampled unit", guards=[ANALYSTS])
    async def unit_weights(
        self,
        request: Request[Any, Any, Any],
        actor: NamedDependency[Actor],
        wave: FromPath[str],
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> UnitWeightsPage:
        return to_output(
            UnitWeightsPage, await services_of(request).weights.units(actor, wave, limit, offset)
        )


FIELDWORK_HANDLERS: list[Any] = [FieldworkController]
