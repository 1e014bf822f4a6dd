from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

from litestar import Request, get

from api.schemas import HealthOut
from survey_engine.tables import Agency

try:
    VERSION = version("sipas")
except PackageNotFoundError:  # running from a source tree without installation
    VERSION = "0+unknown"


@get("/health", tags=["system"], summary="Liveness and database check", cache_control=None)
async def health(request: Request[Any, Any, Any]) -> HealthOut:
    await Agency.raw("SELECT 1")
    return HealthOut(status="ok", database=request.app.state.services.settings.database_kind, version=VERSION)
