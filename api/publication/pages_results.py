"""The public results pages under ``/results`` (no login), served from published snapshots only.

* ``/results`` — the published waves; ``/results/method`` — how to read the figures, in plain words;
* ``/results/{wave}`` — the current version of a wave; ``/results/{wave}/v/{n}`` — an earlier version;
* ``/results/{wave}[/v/{n}]/agencies/{agency}`` — one agency: elements, criteria, perception items.

Vietnamese by default, ``?lang=en`` for English (the pages link to each other in the reader's language).
No JavaScript, no external resources; the CSP is the citizen pages'. A wave without a published version is
a 404 page, whatever its drafts hold. Pages are rendered once per version and language and kept in memory
(:mod:`api.publication.render`); nothing here estimates. Versioned addresses never change and may be
cached for a day; the current ones for a minute (a correction may come).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from litestar import Request, get
from litestar.params import PathParameter, QueryParameter
from litestar.response.base import ASGIResponse

from api.publication.across_maps import carried_view, wave_map_context
from api.publication.render import PageCache, render_page
from api.publication.views import agency_view, versions_view, wave_view
from api.services import services_of
from api.web.i18n import PAGE, translator
from api.web.pages_common import PAGE_HEADERS
from reports.numbers import Language
from survey_engine.errors import NotFound
from survey_engine.publication.public import PublicResults, PublishedWave

__all__ = ["PUBLIC_RESULTS_HANDLERS", "html", "lang_of", "page_cache"]

WaveCode = Annotated[str, PathParameter(max_length=48, description="wave code")]
AgencyCode = Annotated[str, PathParameter(max_length=64, description="agency code")]
Version = Annotated[int, PathParameter(ge=1, le=100_000, description="published version")]
Lang = Annotated[str | None, QueryParameter(max_length=2, description="vi (default) or en")]

CURRENT_CACHE = "public, max-age=60"
VERSIONED_CACHE = "public, max-age=86400"


def page_cache(request: Request[Any, Any, Any]) -> PageCache:
    """The application's cache of rendered public pages and files."""
    return services_of(request).results_pages


def lang_of(value: str | None) -> Language:
    return "en" if value == "en" else "vi"


def html(body: bytes, status: int = 200, cache: str = CURRENT_CACHE, csp: str | None = None) -> ASGIResponse:
    """A page as a ready ASGI response: the body is already rendered, so Litestar's response conversion
    (a third of a cached page's cost) is skipped; the app's security headers are added on the way out
    (``api.app.add_security_headers``)."""
    headers = {**PAGE_HEADERS, "Cache-Control": cache if status == 200 else "no-store"}
    if csp is not None:
        headers["Content-Security-Policy"] = csp
    return ASGIResponse(body=body, status_code=status, media_type="text/html; charset=utf-8", headers=headers)


def _q(lang: Language) -> str:
    return "?lang=en" if lang == "en" else ""


def _wave_base(code: str, version: int | None) -> str:
    base = f"/results/{quote(code, safe='')}"
    return base if version is None else f"{base}/v/{version}"


def _versions_key(wave: PublishedWave) -> tuple[tuple[int, str], ...]:
    return tuple((v.version, v.snapshot_hash) for v in wave.versions)


def not_found(lang: Language) -> ASGIResponse:
    t = translator(lang, PAGE)
    body = render_page(
        "results_message.html",
        lang,
        title=t("pub_not_found_title"),
        body=t("pub_not_found_body"),
        here="/results",
    )
    return html(body, 404)


async def _previous(
    public: PublicResults, wave: PublishedWave
) -> tuple[PublishedWave | None, dict[str, Any] | None]:
    previous = await public.previous(wave)
    if previous is None:
        return None, None
    return previous, await public.snapshot(previous.code, previous.current.version)


@get("/results", include_in_schema=False, name="results_list")
async def results_list(request: Request[Any, Any, Any], lang: Lang = None) -> ASGIResponse:
    language = lang_of(lang)
    public = services_of(request).public_results
    waves = await public.waves()
    key = ("list", tuple((w.code, w.current.version) for w in waves.values()), language)

    async def render() -> bytes:
        t = translator(language, PAGE)
        items = [
            {
                "name": w.name_en if language == "en" and w.name_en else w.name_vi,
                "href": _wave_base(w.code, None) + _q(language),
                "period": f"{w.period_start} – {w.period_end}",
                "version": w.current.version,
                "published": w.current.published_at.strftime("%Y-%m-%d") if w.current.published_at else "",
            }
            for w in waves.values()
        ]
        return render_page(
            "results_list.html", language, title=t("pub_list_title"), waves=items, here="/results"
        )

    return html(await page_cache(request).get(key, render))


@get("/results/method", include_in_schema=False, name="results_method")
async def results_method(request: Request[Any, Any, Any], lang: Lang = None) -> ASGIResponse:
    language = lang_of(lang)

    async def render() -> bytes:
        t = translator(language, PAGE)
        return render_page(
            "results_method.html", language, title=t("pub_method_title"), here="/results/method"
        )

    return html(await page_cache(request).get(("method", language), render))


async def _wave_page(
    request: Request[Any, Any, Any], code: str, version: int | None, lang: str | None
) -> ASGIResponse:
    language = lang_of(lang)
    public = services_of(request).public_results
    try:
        wave = await public.wave(code)
        shown = wave.version(version)
    except NotFound:
        return not_found(language)
    previous = await public.previous(wave)
    # Every published version is listed on the page: the key names them all, and the one shown (two
    # versions may hold the same snapshot, so a hash alone does not tell them apart).
    key = (
        "wave",
        code,
        _versions_key(wave),
        shown.version,
        previous and (previous.code, previous.current.version, previous.current.snapshot_hash),
        version is None,
        language,
        await services_of(request).map_changes.revision(),  # carried trend and map links
    )

    async def render() -> bytes:
        t = translator(language, PAGE)
        snapshot = await public.snapshot(code, shown.version)
        earlier, earlier_snapshot = await _previous(public, wave)
        base = _wave_base(code, version)
        across = await wave_map_context(
            services_of(request).map_changes,
            code,
            snapshot,
            (earlier.code, earlier_snapshot) if earlier and earlier_snapshot else None,
            language,
        )
        view = wave_view(
            snapshot,
            earlier_snapshot,
            t,
            language,
            lambda a: f"{base}/agencies/{quote(a, safe='')}{_q(language)}",
            carried={k: carried_view(f, language) | {"raw": f} for k, f in across["carried"].items()},
            province_comparable=not across["map_changed"],
        )
        name = snapshot["wave"]["name"]
        return render_page(
            "results_wave.html",
            language,
            title=name.get(language) or name["vi"],
            snapshot=snapshot,
            view=view,
            shown=shown,
            current=wave.current,
            versions=versions_view(wave.versions, t, language, lambda n: _wave_base(code, n) + _q(language)),
            previous_name=(earlier.name_en if language == "en" and earlier.name_en else earlier.name_vi)
            if earlier
            else None,
            data_base=_wave_base(code, shown.version),
            here=_wave_base(code, version),
            map_links=across["map_links"],
        )

    return html(
        await page_cache(request).get(key, render),
        cache=CURRENT_CACHE if version is None else VERSIONED_CACHE,
    )


async def _agency_page(
    request: Request[Any, Any, Any], code: str, version: int | None, agency: str, lang: str | None
) -> ASGIResponse:
    language = lang_of(lang)
    public = services_of(request).public_results
    try:
        wave = await public.wave(code)
        shown = wave.version(version)
        snapshot = await public.snapshot(code, shown.version)
        found = next((a for a in snapshot["agencies"] if a["code"] == agency), None)
        if found is None:
            raise NotFound(agency)
    except NotFound:
        return not_found(language)
    key = ("agency", code, shown.version, shown.snapshot_hash, agency, version is None, language)

    async def render() -> bytes:
        t = translator(language, PAGE)
        view = agency_view(found, t, language)
        name = snapshot["wave"]["name"]
        return render_page(
            "results_agency.html",
            language,
            title=f"{view['name']} — {name.get(language) or name['vi']}",
            snapshot=snapshot,
            view=view,
            shown=shown,
            wave_href=_wave_base(code, version) + _q(language),
            wave_name=name.get(language) or name["vi"],
            site=services_of(request).settings.base_url,  # the embed code names this server in full
            badge=f"/results/agencies/{quote(agency, safe='')}/badge.svg",
            card=f"/results/agencies/{quote(agency, safe='')}/card",
            here=f"{_wave_base(code, version)}/agencies/{quote(agency, safe='')}",
        )

    return html(
        await page_cache(request).get(key, render),
        cache=CURRENT_CACHE if version is None else VERSIONED_CACHE,
    )


@get("/results/{wave:str}", include_in_schema=False, name="results_wave")
async def results_wave(request: Request[Any, Any, Any], wave: WaveCode, lang: Lang = None) -> ASGIResponse:
    return await _wave_page(request, wave, None, lang)


@get("/results/{wave:str}/v/{version:int}", include_in_schema=False, name="results_wave_version")
async def results_wave_version(
    request: Request[Any, Any, Any], wave: WaveCode, version: Version, lang: Lang = None
) -> ASGIResponse:
    return await _wave_page(request, wave, version, lang)


@get("/results/{wave:str}/agencies/{agency:str}", include_in_schema=False, name="results_agency")
async def results_agency(
    request: Request[Any, Any, Any], wave: WaveCode, agency: AgencyCode, lang: Lang = None
) -> ASGIResponse:
    return await _agency_page(request, wave, None, agency, lang)


@get(
    "/results/{wave:str}/v/{version:int}/agencies/{agency:str}",
    include_in_schema=False,
    name="results_agency_v",
)
async def results_agency_version(
    request: Request[Any, Any, Any], wave: WaveCode, version: Version, agency: AgencyCode, lang: Lang = None
) -> ASGIResponse:
    return await _agency_page(request, wave, version, agency, lang)


PUBLIC_RESULTS_HANDLERS: list[Any] = [
    results_list,
    results_method,
    results_wave,
    results_wave_version,
    results_agency,
    results_agency_version,
]
