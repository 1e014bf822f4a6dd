from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

from litestar import Request, Response, get
from litestar.openapi.datastructures import ResponseSpec

from api.database import RecentDatabaseFailures
from api.services import services_of
from api.web.problems import DEFAULT_RETRY_AFTER_SECONDS, RETRY_AFTER_SECONDS
from api.web.schemas import HealthOut
from survey_engine.database_probe import probe_database

try:
    VERSION = version("sipas")
except PackageNotFoundError:  # running from a source tree without installation
    VERSION = "0+unknown"


@get(
    "/health",
    tags=["system"],
    summary="Liveness and database check",
    cache_control=None,
    description=(
        "200 with status `ok`, or `degraded` when the database answers reads but writes would wait or "
        "recently failed (database_state names why: `locked`, `disk_full`, `overloaded`, …); 503 with "
        "status `unavailable` and Retry-After when the database cannot be read (database_state "
        "`locked`, `unreachable`, `timeout`, …)."
    ),
    responses={503: ResponseSpec(data_container=HealthOut, description="The database cannot be read")},
)
async def health(request: Request[Any, Any, Any]) -> Response[HealthOut]:
    probe = await probe_database(request.app.state.engine)
    failures: RecentDatabaseFailures | None = request.app.state.get("database_failures")
    status, state = probe.status, probe.state
    recent = failures.recent() if failures is not None else None
    if status == "ok" and recent is not None:
        status, state = "degraded", recent
    body = HealthOut(
        status=status,
        database=services_of(request).settings.database_kind,
        version=VERSION,
        database_state=state,
    )
    if status == "unavailable":
        retry_after = str(RETRY_AFTER_SECONDS.get(state, DEFAULT_RETRY_AFTER_SECONDS))
        return Response(body, status_code=503, headers={"Retry-After": retry_after})
    return Response(body, status_code=200)
