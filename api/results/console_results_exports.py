"""The wave's microdata and codebook from the console (what ``sipas export`` writes), for admins and
statisticians: ``GET /staff/results/{wave}/microdata.csv`` and ``…/codebook.csv``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Stream

from api.results.console_results_waves import (
    ANALYSTS,
    BASE,
    PRIVATE,
)
from api.services import services_of
from api.web.console_base import Staff
from survey_engine import audit
from survey_engine.results.export import CODEBOOK_COLUMNS, describe_wave, export_rows
from survey_engine.results.spreadsheet import csv_line


@get(f"{BASE}/{{code:str}}/microdata.csv", include_in_schema=False, name="console_results_microdata")
async def microdata(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], code: FromPath[str]
) -> Stream:
    """The wave's responses as ``sipas export --format csv`` writes them, streamed in chunks."""
    staff.need(*ANALYSTS)
    await services_of(request).waves.get(staff.actor, code)
    export = await describe_wave(code)
    # microdata leaves the platform here: who took it is on record (the file itself holds no phone numbers)
    await audit.record(staff.actor, "download", "microdata", code, {"format": "csv"})

    async def lines() -> AsyncIterator[str]:
        yield csv_line(export.columns)
        batch: list[str] = []
        async for row in export_rows(export):
            batch.append(csv_line(row))
            if len(batch) >= 500:
                yield "".join(batch)
                batch = []
        if batch:
            yield "".join(batch)

    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in code)
    return Stream(
        lines(),
        media_type="text/csv",
        headers={**PRIVATE, "Content-Disposition": f'attachment; filename="microdata-{safe}.csv"'},
    )


@get(f"{BASE}/{{code:str}}/codebook.csv", include_in_schema=False, name="console_results_codebook")
async def codebook(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], code: FromPath[str]
) -> Stream:
    """Labels (Vietnamese and English) of every column of the microdata."""
    staff.need(*ANALYSTS)
    await services_of(request).waves.get(staff.actor, code)
    export = await describe_wave(code)
    entries = export.codebook()

    async def lines() -> AsyncIterator[str]:
        yield csv_line(list(CODEBOOK_COLUMNS))
        yield "".join(csv_line(list(e.cells())) for e in entries)

    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in code)
    return Stream(
        lines(),
        media_type="text/csv",
        headers={**PRIVATE, "Content-Disposition": f'attachment; filename="microdata-{safe}.codebook.csv"'},
    )
