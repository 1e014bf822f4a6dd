"""Console page of releases: prepare, approve, publish and correct a wave's public results.

Role rules as ``/api/v1/waves/{wave}/releases`` (:mod:`api.publication.routes_releases`): statisticians
and administrators prepare and correct; administrators approve (never their own preparation: the
service refuses, shown as the 403 page) and publish. The page lists the closed waves to choose from and
every version of the chosen one, with its hash and who did what when; published versions link to their
public page.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote, urlencode

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from api.services import services_of
from api.web.console_base import ROOT, Staff, page, posted, redirect, text
from api.web.routes_common import RowId
from survey_engine.errors import InvalidInput
from survey_engine.publication.releases import MAX_CHANGELOG

BASE = f"{ROOT}/releases"
PREPARERS = ("admin", "statistician")
WaveFilter = Annotated[str | None, QueryParameter(max_length=48, description="wave code")]


def _back(wave: str) -> str:
    return f"{BASE}?{urlencode({'wave': wave})}"


@get(BASE, include_in_schema=False, name="console_releases")
async def releases_page(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], wave: WaveFilter = None
) -> Template:
    staff.need(*PREPARERS)
    services = services_of(request)
    closed = await services.waves.list(staff.actor, 200, 0, "closed")
    waves = [
        (str(w["code"]), str(w["name_en"] if staff.lang == "en" else w["name_vi"])) for w in closed.items
    ]
    chosen = (wave or (waves[0][0] if waves else "")).strip()
    versions = await services.releases.list(staff.actor, chosen) if chosen else []
    published = any(v.status == "published" for v in versions)
    pending = next((v for v in versions if v.status != "published"), None)
    return page(
        staff,
        "releases.html",
        {
            "title": staff.t("rel_title"),
            "waves": waves,
            "wave": chosen,
            "versions": versions,
            "published": published,
            "pending": pending,
            "public_href": f"/results/{quote(chosen, safe='')}",
            "changelog_max": MAX_CHANGELOG,
        },
    )


@post(f"{BASE}/prepare", include_in_schema=False, name="console_release_prepare")
async def release_prepare(request: Request[Any, Any, Any], staff: NamedDependency[Staff]) -> Redirect:
    staff.need(*PREPARERS)
    raw = await posted(request, staff)
    wave = text(raw, "wave", 48)
    await services_of(request).releases.prepare(staff.actor, wave)
    return redirect(_back(wave), "rel_prepared")


@post(f"{BASE}/correct", include_in_schema=False, name="console_release_correct", status_code=200)
async def release_correct(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff]
) -> Redirect | Template:
    staff.need(*PREPARERS)
    raw = await posted(request, staff)
    wave = text(raw, "wave", 48)
    entry = {
        "vi": text(raw, "changelog_vi", MAX_CHANGELOG + 1),
        "en": text(raw, "changelog_en", MAX_CHANGELOG + 1),
    }
    try:
        await services_of(request).releases.correct(staff.actor, wave, entry)
    except InvalidInput:
        body = staff.t("rel_err_changelog", n=MAX_CHANGELOG)
        return page(staff, "message.html", {"title": staff.t("rel_title"), "body": body}, status=422)
    return redirect(_back(wave), "rel_prepared")


@post(f"{BASE}/{{version:int}}/approve", include_in_schema=False, name="console_release_approve")
async def release_approve(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], version: RowId
) -> Redirect:
    staff.need("admin")
    raw = await posted(request, staff)
    wave = text(raw, "wave", 48)
    await services_of(request).releases.approve(staff.actor, wave, version)
    return redirect(_back(wave), "rel_approved")


@post(f"{BASE}/{{version:int}}/publish", include_in_schema=False, name="console_release_publish")
async def release_publish(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], version: RowId
) -> Redirect:
    staff.need("admin")
    raw = await posted(request, staff)
    wave = text(raw, "wave", 48)
    await services_of(request).releases.publish(staff.actor, wave, version)
    return redirect(_back(wave), "rel_published")


HANDLERS: list[Any] = [releases_page, release_prepare, release_correct, release_approve, release_publish]
