"""System endpoint ``POST /api/v1/counter-ratings/bulk`` (API keys) and the staff JSON endpoints of the
counter dashboard and the officers (register and per-officer results)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Request, Response, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter, QueryParameter
from msgspec import Meta

from api.integrations.system_auth import system_key_guard, system_key_of
from api.services import services_of
from api.web.auth import READERS, allow
from api.web.problems import problem_response
from api.web.schemas import Strict
from survey_engine.actors import Actor
from survey_engine.integrations.counter_lines import ndjson_lines
from survey_engine.integrations.dashboard import OFFICER_MIN_N

NDJSON = "application/x-ndjson"
BULK_MAX_BYTES = 32 * 1024 * 1024  # a request of the largest allowed line count with long comments fits
BULK_MAX_LINES = 100_000  # larger exports go in several requests (or `sipas counter import`)
AGENCY_STAFF = allow("agency")  # officers: the agency's own staff only (the service checks the agency)

AgencyCode = Annotated[str, PathParameter(max_length=32)]
OfficerCode = Annotated[str, PathParameter(max_length=64)]


class OfficerIn(Strict):
    name: Annotated[str, Meta(min_length=1, max_length=200)]
    active: bool = True


@post(
    "/api/v1/counter-ratings/bulk",
    summary="Bulk import of counter ratings from a one-stop system (NDJSON, one rating per line)",
    description=(
        "Authenticated by a system API key (`Authorization: Bearer sk_…`). Body: "
        "`application/x-ndjson`, at most 100,000 lines and 32 MiB; each line "
        '`{"id": UUID, "service_point": CODE, "questionnaire": "counter-3"|"decree61-9", "answers": {…}, '
        '"dossier_code": TEXT?, "officer": CODE?, "rated_at": ISO-8601}`. Answers '
        '`200 {"accepted": n, "duplicates": n, "rejected": '
        '[{"line": i, "problems": [{"item"?, "message"}]}]}`.'
    ),
    guards=[system_key_guard],
    status_code=200,
    request_max_body_size=BULK_MAX_BYTES,
    tags=["integrations"],
    security=[{"bearer": []}],
)
async def bulk_counter_ratings(request: Request[Any, Any, Any]) -> Response[Any]:
    key = system_key_of(request)
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media != NDJSON:
        return problem_response(415, f"send the body as {NDJSON}, one rating per line", request)
    body = await request.body()
    if body.count(b"\n") + 1 > BULK_MAX_LINES + 1:  # a final newline does not make a line
        return problem_response(
            413, f"at most {BULK_MAX_LINES} lines per request: send the rest in another request", request
        )
    services = services_of(request)
    details: dict[str, object] = {"endpoint": "counter-ratings/bulk", "bytes": len(body)}
    try:
        report = await services.counter_import.import_lines(
            key.agency_id, ndjson_lines(body, datetime.now(UTC)), scope_province_id=key.province_id
        )
        details.update(
            lines=report.lines,
            accepted=report.accepted,
            duplicates=report.duplicates,
            rejected=len(report.rejected),
        )
    except BaseException:
        details["failed"] = True
        raise
    finally:
        await services.api_keys.record_use(key, "import", details)  # one audit row per request
    return Response(msgspec.json.encode(report.as_json()), media_type="application/json", status_code=200)


@get(
    "/api/v1/counter-dashboard",
    summary="Counter ratings today, this week and this month (Vietnam time), per agency or province",
    guards=[READERS],
    tags=["integrations"],
)
async def counter_dashboard(
    request: Request[Any, Any, Any],
    actor: NamedDependency[Actor],
    agency: Annotated[
        str | None, QueryParameter(max_length=32, description="agency code; omit for the province")
    ] = None,
) -> dict[str, object]:
    board = await services_of(request).counter_dashboard.dashboard(actor, agency)
    return board.as_json()


@get(
    "/api/v1/agencies/{code:str}/officers",
    summary="The agency's officer register (the agency's own staff only)",
    guards=[AGENCY_STAFF],
    tags=["integrations"],
)
async def list_officers(
    request: Request[Any, Any, Any], actor: NamedDependency[Actor], code: AgencyCode
) -> list[dict[str, object]]:
    return [o.as_json() for o in await services_of(request).officers.list(actor, code)]


@put(
    "/api/v1/agencies/{code:str}/officers/{officer:str}",
    summary="Add or rename an officer, by the code the one-stop system uses",
    guards=[AGENCY_STAFF],
    tags=["integrations"],
)
async def save_officer(
    request: Request[Any, Any, Any],
    actor: NamedDependency[Actor],
    code: AgencyCode,
    officer: OfficerCode,
    data: JSONBody[OfficerIn],
) -> dict[str, object]:
    saved = await services_of(request).officers.save(actor, code, officer, data.name, data.active)
    return saved.as_json()


@delete(
    "/api/v1/agencies/{code:str}/officers/{officer:str}",
    summary="Remove an officer from the register (ratings naming the code are kept)",
    guards=[AGENCY_STAFF],
    tags=["integrations"],
)
async def remove_officer(
    request: Request[Any, Any, Any], actor: NamedDependency[Actor], code: AgencyCode, officer: OfficerCode
) -> None:
    await services_of(request).officers.remove(actor, code, officer)


@get(
    "/api/v1/agencies/{code:str}/officer-results",
    summary="Counter results per officer with intervals (the agency's own management only)",
    guards=[AGENCY_STAFF],
    tags=["integrations"],
)
async def officer_results(
    request: Request[Any, Any, Any],
    actor: NamedDependency[Actor],
    code: AgencyCode,
    period: Annotated[Literal["today", "week", "month"], QueryParameter()] = "month",
) -> dict[str, object]:
    rows = await services_of(request).counter_dashboard.officer_results(actor, code, period)
    return {"period": period, "minimum_n": OFFICER_MIN_N, "officers": [r.as_json() for r in rows]}


COUNTER_HANDLERS: list[Any] = [
    bulk_counter_ratings,
    counter_dashboard,
    list_officers,
    save_officer,
    remove_officer,
    officer_results,
]
