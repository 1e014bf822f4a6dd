"""Console: which agencies of an earlier map an agency continues (``/staff/agencies/{code}/predecessors``).

The agency's page lists its predecessor agencies and the agencies that continue it (every reader within
its scope); an administrator changes the list on this form, which replaces it whole as
``PUT /api/v1/agencies/{code}/predecessors`` does. The form works without JavaScript: a row per stored
predecessor and a few empty rows; an empty row is ignored, so clearing a row removes that predecessor.
Problems come back from the service as reason codes and are worded here, beside the row they concern.
"""

from __future__ import annotations

import math
from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from api.administration.console_agencies import (
    BASE,
    CODE_RE,
    agency_choices,
    services_of,
    share_text,
)
from api.web.console_base import Staff, label_of, page, posted, redirect
from survey_engine.errors import InvalidInput

__all__ = ["HANDLERS"]

EMPTY_ROWS = 3  # blank rows offered below the stored predecessors
MAX_ROWS = 50
# The service's reason codes → the form's messages (both languages in the catalogues).
REASONS = {
    "unknown_agency": "ag_err_no_agency",
    "twice": "ag_err_pred_twice",
    "own_successor": "ag_err_pred_own",
    "no_unit": "ag_err_pred_no_unit",
    "map_order": "ag_err_pred_map_order",
    "share_range": "ag_err_pred_share",
    "share_sum": "ag_err_pred_share_sum",
    "no_population": "ag_err_pred_population",
}


def _parse_share(raw: str) -> float | None:
    """A share as typed (comma or point for decimals; empty for 1); None when it is not a number."""
    text = raw.strip().replace(",", ".")
    if not text:
        return 1.0
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _form(
    staff: Staff,
    code: str,
    title: str,
    rows: list[dict[str, str]],
    choices: list[tuple[str, str]] | None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Template:
    return page(
        staff,
        "agencies_predecessors.html",
        {
            "title": staff.t("ag_predecessors_title", name=title),
            "code": code,
            "rows": rows,
            "choices": choices or [],
            "errors": errors or {},
            "action": f"{BASE}/{code}/predecessors",
        },
        status=status,
    )


@get(f"{BASE}/{{code:str}}/predecessors", include_in_schema=False, name="console_agency_predecessors")
async def predecessors_form(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], code: FromPath[str]
) -> Template:
    staff.need("admin")
    services = services_of(request)
    agency = await services.agencies.get(staff.actor, code)  # 404 page outside the scope
    links = await services.agency_successions.predecessors(staff.actor, code)
    rows = [
        {"agency": link.predecessor.code, "share": share_text(link.population_share, staff.lang)}
        for link in links
    ]
    rows += [{"agency": "", "share": ""} for _ in range(EMPTY_ROWS)]
    choices = await agency_choices(services, staff)
    return _form(staff, agency.code, label_of(staff, agency), rows, choices)


@post(
    f"{BASE}/{{code:str}}/predecessors",
    include_in_schema=False,
    status_code=200,
    name="console_agency_predecessors_save",
)
async def predecessors_save(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], code: FromPath[str]
) -> Template | Redirect:
    staff.need("admin")
    raw = await posted(request, staff)
    services = services_of(request)
    agency = await services.agencies.get(staff.actor, code)
    rows: list[dict[str, str]] = []
    for i in range(MAX_ROWS):
        if f"agency_{i}" not in raw:
            break
        agency_code, typed = str(raw.get(f"agency_{i}", "")).strip(), str(raw.get(f"share_{i}", ""))
        rows.append({"agency": agency_code, "share": typed})
    errors: dict[str, str] = {}
    items: list[tuple[str, float]] = []
    positions: list[int] = []  # the form row of each item
    for i, row in enumerate(rows):
        if not row["agency"]:
            continue
        share = _parse_share(row["share"])
        if not CODE_RE.match(row["agency"]):
            errors[f"agency_{i}"] = staff.t("ag_err_no_agency", code=row["agency"])
        if share is None or not 0 < share <= 1:
            errors[f"share_{i}"] = staff.t("ag_err_pred_share")
        items.append((row["agency"], share or 0.0))
        positions.append(i)
    if not errors:
        try:
            await services.agency_successions.set_predecessors(staff.actor, code, items)
        except InvalidInput as exc:
            for problem in exc.problems:
                index = int(problem.params.get("index", 0))
                field = "share" if problem.field.endswith(".population_share") else "agency"
                key = REASONS.get(problem.reason, "ag_err_invalid")
                named = str(problem.params.get("agency", ""))
                errors[f"{field}_{positions[index]}"] = staff.t(key, code=named)
        else:
            return redirect(f"{BASE}/{code}", done="ag_predecessors_saved")
    choices = await agency_choices(services, staff)
    blank = sum(not r["agency"] for r in rows)
    rows += [{"agency": "", "share": ""} for _ in range(max(0, EMPTY_ROWS - blank))]
    return _form(staff, agency.code, label_of(staff, agency), rows, choices, errors, status=422)


HANDLERS: list[Any] = [predecessors_form, predecessors_save]
