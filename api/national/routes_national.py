"""``GET /api/v1/national`` and ``GET /api/v1/national/summary.pdf``: the national roll-up (national
accounts only: admin, statistician, ministry without a province)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from litestar import Response, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from api.national.summary_build import national_pdf, summary_filename
from api.web.auth import allow
from survey_engine.actors import Actor
from survey_engine.national.rollup import NATIONAL_ROLES, NationalResult, national_result
from survey_engine.national.view import national_csv, national_json

NATIONAL_READERS = allow(*NATIONAL_ROLES)

Waves = Annotated[
    list[str] | None,
    QueryParameter(description="the round's waves, one per province (repeat); or give `year`"),
]
Year = Annotated[
    int | None,
    QueryParameter(
        ge=2000,
        le=2100,
        description="the round: each active province's latest closed wave ending in this year",
    ),
]
QuestionnaireCode = Annotated[
    str | None,
    QueryParameter(
        max_length=64,
        description="with `year`: the questionnaire of the round (needed when that year's waves use several)",
    ),
]
Series = Annotated[
    Literal["probability", "self-selected"] | None,
    QueryParameter(
        description="default: `probability` when every wave of the round has computed weights, else "
        "`self-selected` (then `design.inference` is `descriptive`)"
    ),
]
Level = Annotated[
    float, QueryParameter(gt=0.5, lt=1.0, description="confidence level of intervals and ranks")
]

DESCRIPTION = (
    "The national index across provinces: one wave per province (`waves`, or `year` for each province's "
    "latest closed wave of that year), stacked into one design with strata = province × the wave's own "
    "strata and PSUs nested (R: svydesign(ids=~psu, strata=~prov_stratum, weights=~w, nest=TRUE)); each "
    "province keeps its own weights, so with the probability series the national index is "
    "population-weighted, and with the self-selected series each province counts by its responses and the "
    "figure is descriptive (`design.inference`). `national` holds the overall, element and part indices; "
    "`provinces` each province's overall index with a rank range (`rank.best`–`rank.worst`) from pairwise "
    "tests of differences, Bonferroni over all pairs; `rank.peers` lists the provinces it is not "
    "distinguishable from. `round.missing` lists active provinces without a wave in a `year` round. "
    "Bad input answers 422 with problem details; a province account answers 403."
)


async def _result(
    actor: Actor,
    waves: list[str] | None,
    year: int | None,
    questionnaire: str | None,
    series: str | None,
    level: float,
) -> NationalResult:
    return await national_result(
        actor, waves=waves, year=year, questionnaire=questionnaire, series=series, level=level
    )


@get(
    "/api/v1/national",
    tags=["estimates"],
    summary="National index across provinces, each province's index and its rank range",
    guards=[NATIONAL_READERS],
    description=DESCRIPTION,
)
async def national_rollup(
    actor: NamedDependency[Actor],
    waves: Waves = None,
    year: Year = None,
    questionnaire: QuestionnaireCode = None,
    series: Series = None,
    level: Level = 0.95,
    format: Annotated[Literal["json", "csv"], QueryParameter()] = "json",
) -> Response[Any]:
    result = await _result(actor, waves, year, questionnaire, series, level)
    if format == "csv":
        return Response(
            national_csv(result),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="national.csv"'},
        )
    return Response(national_json(result))


@get(
    "/api/v1/national/summary.pdf",
    tags=["reports"],
    summary="National summary (A4 PDF): national index, provinces' indices with rank ranges, method note",
    guards=[NATIONAL_READERS],
    description="The same roll-up as `GET /api/v1/national`, as an A4 PDF in Vietnamese or English.",
)
async def national_summary_pdf(
    actor: NamedDependency[Actor],
    waves: Waves = None,
    year: Year = None,
    questionnaire: QuestionnaireCode = None,
    series: Series = None,
    lang: Annotated[Literal["vi", "en"], QueryParameter()] = "vi",
) -> Response[bytes]:
    result = await _result(actor, waves, year, questionnaire, series, 0.95)
    content = await asyncio.to_thread(national_pdf, result, lang)
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{summary_filename(result, lang)}"'},
    )


NATIONAL_HANDLERS = [national_rollup, national_summary_pdf]
