"""Console pages for webhooks: subscribe (the signing secret shown once), pause and resume, the delivery log
with each attempt's status code and time, replay by hand.

Role rules as ``/api/v1/webhooks`` (:mod:`api.webhooks.routes_webhooks`): administrators for any agency,
agency users for their own (another agency's subscription or delivery is the 404 page). Every form carries
the CSRF token (:func:`api.web.console_base.posted`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from api.services import services_of
from api.web.console_base import ROOT, PageNo, Staff, page, page_number, pager, posted, redirect, text
from api.web.routes_common import RowId
from survey_engine.errors import InvalidInput, NotFound
from survey_engine.webhooks.events import EVENT_TYPES
from survey_engine.webhooks.subscriptions import DELIVERY_STATUSES

BASE = f"{ROOT}/webhooks"
MANAGERS = ("admin", "agency")  # api.web.auth.AGENCY_EDITORS
PAGE_SIZE = 25
StatusFilter = Annotated[str | None, QueryParameter(max_length=16, description="delivery status")]


async def _form(
    request: Request[Any, Any, Any],
    staff: Staff,
    values: Mapping[str, Any],
    errors: Mapping[str, str] | None = None,
) -> Template:
    choices = await services_of(request).webhooks.agencies(staff.actor)
    options = [(code, f"{code} · {en if staff.lang == 'en' and en else vi}") for code, vi, en in choices]
    return page(
        staff,
        "webhooks_form.html",
        {
            "title": staff.t("wh_new_title"),
            "values": values,
            "errors": errors or {},
            "agencies": options,
            "event_types": EVENT_TYPES,
        },
        status=422 if errors else 200,
    )


@get(BASE, include_in_schema=False, name="console_webhooks")
async def webhooks_list(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], page_no: PageNo = None
) -> Template:
    staff.need(*MANAGERS)
    number = page_number(page_no)
    listed = await services_of(request).webhooks.list(staff.actor, PAGE_SIZE, (number - 1) * PAGE_SIZE)
    return page(
        staff,
        "webhooks.html",
        {
            "title": staff.t("wh_title"),
            "rows": listed.items,
            "pager": pager(BASE, {}, number, listed.total, PAGE_SIZE),
        },
    )


@get(f"{BASE}/new", include_in_schema=False, name="console_webhook_new")
async def webhook_new(request: Request[Any, Any, Any], staff: NamedDependency[Staff]) -> Template:
    staff.need(*MANAGERS)
    agency = staff.actor.agency_code or ""
    values = {"agency": agency, "url": "", "description": "", "events": ["low_rating", "comment"]}
    return await _form(request, staff, values)


@post(f"{BASE}/new", include_in_schema=False, status_code=200, name="console_webhook_create")
async def webhook_create(request: Request[Any, Any, Any], staff: NamedDependency[Staff]) -> Template:
    """Subscribe, then answer with the secret itself: it must not travel in a redirect or be shown again."""
    staff.need(*MANAGERS)
    raw = await posted(request, staff)
    events = [e for e in raw.getall("events", []) if e in EVENT_TYPES] if hasattr(raw, "getall") else []
    agency, url, description = text(raw, "agency", 33), text(raw, "url", 2001), text(raw, "description", 201)
    values: dict[str, Any] = {"agency": agency, "url": url, "description": description, "events": events}
    errors: dict[str, str] = {}
    if not agency:
        errors["agency"] = staff.t("wh_err_agency")
    if not url:
        errors["url"] = staff.t("wh_err_url")
    if not events:
        errors["events"] = staff.t("wh_err_events")
    if len(description) > 200:
        errors["description"] = staff.t("wh_err_description")
    if errors:
        return await _form(request, staff, values, errors)
    try:
        record, secret = await services_of(request).webhooks.create(
            staff.actor, agency, url, events, description
        )
    except NotFound:
        if staff.actor.agency_scoped:
            raise
        return await _form(request, staff, values, {"agency": staff.t("wh_err_agency")})
    except InvalidInput as exc:
        field = exc.problems[0].field if exc.problems else "url"
        detail = exc.problems[0].message if exc.problems else exc.detail
        return await _form(request, staff, values, {field: staff.t("wh_err_refused", reason=detail)})
    return page(
        staff,
        "webhooks_created.html",
        {"title": staff.t("wh_created_title"), "hook": record, "secret": secret},
    )


@get(f"{BASE}/{{webhook_id:int}}", include_in_schema=False, name="console_webhook")
async def webhook_detail(
    request: Request[Any, Any, Any],
    staff: NamedDependency[Staff],
    webhook_id: RowId,
    status: StatusFilter = None,
    page_no: PageNo = None,
) -> Template:
    staff.need(*MANAGERS)
    service = services_of(request).webhooks
    record = await service.get(staff.actor, webhook_id)
    chosen = status if status in DELIVERY_STATUSES else None
    number = page_number(page_no)
    log = await service.deliveries(staff.actor, webhook_id, PAGE_SIZE, (number - 1) * PAGE_SIZE, chosen)
    return page(
        staff,
        "webhooks_detail.html",
        {
            "title": staff.t("wh_detail_title", id=record.id),
            "hook": record,
            "deliveries": log.items,
            "status": chosen or "",
            "statuses": DELIVERY_STATUSES,
            "pager": pager(f"{BASE}/{webhook_id}", {"status": chosen}, number, log.total, PAGE_SIZE),
        },
    )


@post(
    f"{BASE}/{{webhook_id:int}}/active",
    include_in_schema=False,
    status_code=200,
    name="console_webhook_active",
)
async def webhook_active(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], webhook_id: RowId
) -> Redirect:
    staff.need(*MANAGERS)
    raw = await posted(request, staff)
    active = str(raw.get("active") or "") == "1"
    await services_of(request).webhooks.update(staff.actor, webhook_id, active=active)
    return redirect(f"{BASE}/{webhook_id}", done="wh_resumed" if active else "wh_paused")


@get(f"{BASE}/deliveries/{{delivery_id:int}}", include_in_schema=False, name="console_webhook_delivery")
async def delivery_detail(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], delivery_id: RowId
) -> Template:
    staff.need(*MANAGERS)
    record = await services_of(request).webhooks.delivery(staff.actor, delivery_id)
    return page(
        staff,
        "webhooks_delivery.html",
        {"title": staff.t("wh_delivery_title", id=record.id), "delivery": record},
    )


@post(
    f"{BASE}/deliveries/{{delivery_id:int}}/replay",
    include_in_schema=False,
    status_code=200,
    name="console_webhook_replay",
)
async def delivery_replay(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], delivery_id: RowId
) -> Redirect:
    staff.need(*MANAGERS)
    await posted(request, staff)
    await services_of(request).webhooks.replay(staff.actor, delivery_id)  # Conflict: the 409 page
    return redirect(f"{BASE}/deliveries/{delivery_id}", done="wh_replayed")


HANDLERS: list[Any] = [
    webhooks_list,
    webhook_new,
    webhook_create,
    webhook_detail,
    webhook_active,
    delivery_detail,
    delivery_replay,
]
