"""Design-based estimates of a wave from the database (staff; an agency user sees only its agency)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from api.services import Services
from api.web.auth import READERS
from survey_engine.actors import Actor
from survey_engine.errors import Forbidden
from survey_engine.results.analysis import CALIBRATIONS, wave_results
from survey_engine.results.estimates_view import (
    calibration_view,
    estimate_rows,
    rows_as_csv,
    rule_view,
)
from survey_engine.results.series_channels import channel_totals

By = Annotated[
    list[str] | None,
    QueryParameter(
        description=(
            "domain columns (repeat for a cross; default agency): `agency`, `service_point`, `channel`; "
            "`field` (the dossier's administrative field in the wave's frame); `frame:<column>` (a "
            "demographic column of the frame: sex, age_band, ethnicity, education, occupation, area); "
            "`item:<CODE>` (a single-choice questionnaire item that is not a criterion, e.g. `item:D1` sex "
            "and `item:D2` age band in sipas-2017). Responses without a value form the domain `unknown`. "
            "An unknown column answers 422."
        ),
    ),
]
Calibrate = Annotated[
    str,
    QueryParameter(
        description=(
            "explicit calibration of the self-selected series (never applied by default): `none`; "
            "`frame-agency` (post-stratified to the frame's completed dossiers per agency); "
            "`frame-agency-field` (per agency × field; responses not linked to a frame dossier are left "
            "out and counted). Variances linearise the post-stratification as R's `postStratify`. The "
            "response's `calibration` object gives method, targets and factors. Another value, or a "
            "calibration of the probability series, answers 422."
        ),
        schema_extra={"enum": list(CALIBRATIONS)},
    ),
]


@get(
    "/api/v1/waves/{code:str}/estimates",
    tags=["estimates"],
    summary="SIPAS criterion, element, part and overall indices per domain, with intervals and flags",
    guards=[READERS],
    description=(
        "Two series are never pooled: `self-selected` (every response not linked to the wave's "
        "probability sample, whatever its channel; unweighted unless `calibrate` asks for a "
        "post-stratification to frame totals, labelled as not a probability sample) and `probability` "
        "(responses linked to the wave's sample, weighted). `channels` counts the responses of the series "
        "per channel, as found in the data; `design.inference` is `descriptive` for a series that is not "
        "a probability sample (a difference drawn from it, such as the console's and the scorecard's "
        "peer and trend marks, describes the responses received) and `design-based` otherwise. Domains: `by` "
        "agency, service point, channel, the dossier's field, frame demographics (`frame:sex`) or a "
        "single-choice item (`item:D1`); responses without a value form an explicit `unknown` domain. "
        "`calibration` is null unless asked for. `format=csv` returns the same rows as CSV (text that a "
        "spreadsheet would run as a formula starts with an apostrophe, as in every export). Agency users "
        "see only their agency and must include `by=agency` (crossing it with other columns is allowed)."
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
    calibrate: Calibrate = "none",
    index_ci: Annotated[
        Literal["logit", "wald"],
        QueryParameter(
            description="interval of element, part and overall indices: `logit` (delta method on the logit "
            "scale, always within 0-100) or `wald`"
        ),
    ] = "logit",
) -> Response[Any]:
    services: Services = request.app.state.services
    await services.waves.get(actor, code)  # 404 for a wave the actor may not see
    columns = tuple(by or ["agency"])
    if actor.agency_scoped and "agency" not in columns:
        raise Forbidden("an agency user sees estimates per agency only (include by=agency)")
    results = await wave_results(code, columns, series, ci, level, calibrate=calibrate, index_ci=index_ci)
    agency = actor.agency_code if actor.agency_scoped else None
    rows = estimate_rows(results, agency)
    if format == "csv":
        return Response(
            rows_as_csv(rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="estimates-{code}-{series}.csv"'},
        )
    # The typed rows, design and calibration are msgspec Structs: the app's JSON encoder writes them
    # with their fields in order, as the dicts they replace were written (and numpy labels as strings).
    body = {
        "wave": results.wave,
        "series": results.series,
        "by": list(results.by),
        "rows": results.rows,
        "channels": channel_totals(results.channels, agency),
        "engine": results.engine,
        "measure": results.result.measure if results.result else None,
        "rule": rule_view(results),
        "design": results.design,
        "calibration": calibration_view(results, agency),
        "criteria": rows.criteria,
        "indices": rows.indices,
    }
    return Response(body)
