"""Design-based estimates of a wave from the database (staff; an agency user sees only its agency)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from api.auth import READERS
from api.services import Services
from survey_engine.actors import Actor
from survey_engine.analysis import wave_results
from survey_engine.errors import Forbidden
from survey_engine.estimates_view import estimate_rows, rows_as_csv

By = Annotated[
    list[Literal["agency", "service_point", "channel"]] | None,
    QueryParameter(description="domain columns (repeat for a cross); default agency"),
]


@get(
    "/api/v1/waves/{code:str}/estimates",
    tags=["estimates"],
    summary="SIPAS criterion, element, part and overall indices per domain, with intervals and flags",
    guards=[READERS],
    description=(
        "Two series are never pooled: `self-selected` (kiosk, QR and online ratings; unweighted, labelled "
        "as not a probability sample) and `probability` (responses linked to the wave's sample, weighted). "
        "`format=csv` returns the same rows as CSV. Agency users see only their agency and must ask `by` "
        "agency."
    ),
)
async def wave_estimates(
    request: Request[Any, Any, Any],
    actor: NamedDependency[Actor],
    code: FromPath[str],
    by: By = None,
    series: Annotated[Literal["self-selected", "probability"], QueryParameter()] = "self-selected",
    ci: Annotated[Literal["logit", "korn-graubard", "wilson", "asin", "xlogit"], QueryParameter()] = "logit",
    level: Annotated[float, QueryParameter(gt=0.5, lt=1.0)] = 0.95,
    format: Annotated[Literal["json", "csv"], QueryParameter()] = "json",
) -> Response[Any]:
    services: Services = request.app.state.services
    await services.waves.get(actor, code)  # 404 for a wave the actor may not see
    columns = tuple(by or ["agency"])
    if actor.agency_scoped and "agency" not in columns:
        raise Forbidden("an agency user sees estimates per agency only (include by=agency)")
    results = await wave_results(code, columns, series, ci, level)
    rows = estimate_rows(results, actor.agency_code if actor.agency_scoped else None)
    if format == "csv":
        return Response(
            rows_as_csv(rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="estimates-{code}-{series}.csv"'},
        )
    body = {
        "wave": results.wave,
        "series": results.series,
        "by": list(results.by),
        "rows": results.rows,
        "engine": results.engine,
        "measure": results.result.measure if results.result else None,
        "design": results.design,
        **rows,
    }
    return Response(body)
