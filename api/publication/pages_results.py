"""The public results pages under ``/results`` (no login), served from published snapshots only.

* ``/results`` — the published waves; ``/results/method`` — how to read the figures, in plain words;
* ``/results/{wave}`` — the current version of a wave; ``/results/{wave}/v/{n}`` — an earlier version;
* ``/results/{wave}[/v/{n}]/agencies/{agency}`` — one agency: elements, criteria, perception items.

Vietnamese by default, ``?lang=en`` for English (the pages link to each other in the reader's language).
No JavaScript, no external resources; the CSP is the citizen pages'. A wave without a published version is
a 404 page, whatever its drafts hold. Pages are rendered once per version and language and kept in memory
(:mod:`api.publication.render`); nothing here estimates. Once answered, an address is answered again from
memory before any per-request work while what is published has not changed (:mod:`api.publication.served`).
Every page has a strong ETag (``If-None-Match`` answers 304). Versioned addresses show frozen figures and
may be cached for a day (they list later versions, so not for ever); the current ones for a minute (a
correction may come).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from litestar import Request, get
from litestar.params import PathParameter, QueryParameter
from litestar.response.base import ASGIResponse

from api.publication.across_maps import carried_view, wave_map_context
from api.publication.render import PageCache, Rendered, render_page
from api.publication.served import (
    ServedPages,
    etag_matches,
    not_modified_headers,
    raw_headers,
    serve_ready_pages,
)
from api.publication.views import agency_view, versions_view, wave_view
from api.services import services_of
from api.web.i18n import PAGE, translator
from api.web.pages_common import PAGE_HEADERS, SECURITY_HEADERS
from reports.numbers import Language
from survey_engine.errors import NotFound
from survey_engine.publication.public import PublicResults, PublishedWave

__all__ = [
    "FROZEN_CACHE",
    "PUBLIC_RESULTS_HANDLERS",
    "READY",
    "answer",
    "html",
    "lang_of",
    "page_cache",
    "served_pages",
]

WaveCode = Annotated[str, PathParameter(max_length=48, description="wave code")]
AgencyCode = Annotated[str, PathParameter(max_length=64, description="agency code")]
Version = Annotated[int, PathParameter(ge=1, le=100_000, description="published version")]
Lang = Annotated[str | None, QueryParameter(max_length=2, description="vi (default) or en")]

READY = [serve_ready_pages]  # kept answers go out before the request object, guards and parameters
CURRENT_CACHE = "public, max-age=60"
# A versioned page's figures are frozen, but it lists the later versions (a correction may come): a day,
# revalidated with its ETag. A versioned open-data file never changes at all (api.publication.open_data).
VERSIONED_CACHE = "public, max-age=86400"
FROZEN_CACHE = "public, max-age=31536000, immutable"


def page_cache(request: Request[Any, Any, Any]) -> PageCache:
    """The application's cache of rendered public pages and files."""
    return services_of(request).results_pages


def served_pages(request: Request[Any, Any, Any]) -> ServedPages:
    """The application's ready answers of public pages, by address."""
    return services_of(request).served_pages


def lang_of(value: str | None) -> Language:
    return "en" if value == "en" else "vi"


def html(
    page: Rendered,
    status: int = 200,
    cache: str = CURRENT_CACHE,
    csp: str | None = None,
    ready: tuple[Request[Any, Any, Any], int] | None = None,
) -> ASGIResponse:
    """A page as a ready ASGI response (see :func:`answer`), with the citizen pages' headers."""
    headers = {**PAGE_HEADERS, "Cache-Control": cache if status == 200 else "no-store"}
    if csp is not None:
        headers["Content-Security-Policy"] = csp
    return answer(page, "text/html; charset=utf-8", headers, status, ready)


def answer(
    page: Rendered,
    media_type: str,
    headers: dict[str, str],
    status: int = 200,
    ready: tuple[Request[Any, Any, Any], int] | None = None,
) -> ASGIResponse:
    """A rendered page or file as a ready ASGI response: the body is already rendered, so Litestar's
    response conversion (a third of a cached page's cost) is skipped. With ``ready`` (the request and the
    generation of the published list the page was made from), a 200 is kept for its address
    (:mod:`api.publication.served`) and ``If-None-Match`` with the page's ETag answers 304."""
    headers = {
        **SECURITY_HEADERS,
        **headers,
        "Content-Type": media_type,
        "Content-Length": str(len(page.body)),
        "ETag": page.etag,
    }
    if status != 200 or ready is None:
        return ASGIResponse(body=page.body, status_code=status, headers=headers)
    request, generation = ready
    raw = raw_headers(headers)
    served_pages(request).remember(request.scope, generation, raw, page)
    if etag_matches(request.headers.get("if-none-match"), page.etag):
        kept = [
            (name.decode("latin-1"), value.decode("latin-1")) for name, value in not_modified_headers(raw)
        ]
        return ASGIResponse(status_code=304, headers=kept)
    return ASGIResponse(body=page.body, status_code=status, headers=headers)


def _q(lang: Language) -> str:
    return "?lang=en" if lang == "en" else ""


def _wave_base(code: str, version: int | None) -> str:
    base = f"/results/{quote(code, safe='')}"
    return base if version is None else f"{base}/v/{version}"


def _versions_key(wave: PublishedWave) -> tuple[tuple[int, str], ...]:
    return tuple((v.version, v.snapshot_hash) for v in wave.versions)


async def not_found(request: Request[Any, Any, Any], lang: Language) -> ASGIResponse:
    async def render() -> bytes:
        t = translator(lang, PAGE)
        return render_page(
            "results_message.html",
            lang,
            title=t("pub_not_found_title"),
            body=t("pub_not_found_body"),
            here="/results",
        )

    return html(await page_cache(request).rendered(("not-found", lang), render), 404)


async def _previous(
    public: PublicResults, wave: PublishedWave
) -> tuple[PublishedWave | None, dict[str, Any] | None]:
    previous = await public.previous(wave)
    if previous is None:
        return None, None
    return previous, await public.snapshot(previous.code, previous.current.version)


@get("/results", include_in_schema=False, middleware=READY, name="results_list")
async def results_list(request: Request[Any, Any, Any], lang: Lang = None) -> ASGIResponse:
    language = lang_of(lang)
    public = services_of(request).public_results
    generation = public.generation  # read before any await: a page is never kept under a newer one
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

    return html(await page_cache(request).rendered(key, render), ready=(request, generation))


@get("/results/method", include_in_schema=False, middleware=READY, name="results_method")
async def results_method(request: Request[Any, Any, Any], lang: Lang = None) -> ASGIResponse:
    language = lang_of(lang)

    async def render() -> bytes:
        t = translator(language, PAGE)
        return render_page(
            "results_method.html", language, title=t("pub_method_title"), here="/results/method"
        )

    page = await page_cache(request).rendered(("method", language), render)
    return html(page, ready=(request, services_of(request).public_results.generation))


async def _wave_page(
    request: Request[Any, Any, Any], code: str, version: int | None, lang: str | None
) -> ASGIResponse:
    language = lang_of(lang)
    public = services_of(request).public_results
    generation = public.generation  # read before any await: a page is never kept under a newer one
    try:
        wave = await public.wave(code)
        shown = wave.version(version)
    except NotFound:
        return await not_found(request, language)
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
        await page_cache(request).rendered(key, render),
        cache=CURRENT_CACHE if version is None else VERSIONED_CACHE,
        ready=(request, generation),
    )


async def _agency_page(
    request: Request[Any, Any, Any], code: str, version: int | None, agency: str, lang: str | None
) -> ASGIResponse:
    language = lang_of(lang)
    public = services_of(request).public_results
    generation = public.generation  # read before any await: a page is never kept under a newer one
    try:
        wave = await public.wave(code)
        shown = wave.version(version)
        snapshot = await public.snapshot(code, shown.version)
        found = next((a for a in snapshot["agencies"] if a["code"] == agency), None)
        if found is None:
            raise NotFound(agency)
    except NotFound:
        return await not_found(request, language)
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
        await page_cache(request).rendered(key, render),
        cache=CURRENT_CACHE if version is None else VERSIONED_CACHE,
        ready=(request, generation),
    )


@get("/results/{wave:str}", include_in_schema=False, middleware=READY, name="results_wave")
async def results_wave(request: Request[Any, Any, Any], wave: WaveCode, lang: Lang = None) -> ASGIResponse:
    return await _wave_page(request, wave, None, lang)


@get(
    "/results/{wave:str}/v/{version:int}",
    include_in_schema=False,
    middleware=READY,
    name="results_wave_version",
)
async def results_wave_version(
    request: Request[Any, Any, Any], wave: WaveCode, version: Version, lang: Lang = None
) -> ASGIResponse:
    return await _wave_page(request, wave, version, lang)


@get(
    "/results/{wave:str}/agencies/{agency:str}",
    include_in_schema=False,
    middleware=READY,
    name="results_agency",
)
async def results_agency(
    request: Request[Any, Any, Any], wave: WaveCode, agency: AgencyCode, lang: Lang = None
) -> ASGIResponse:
    return await _agency_page(request, wave, None, agency, lang)


@get(
    "/results/{wave:str}/v/{version:int}/agencies/{agency:str}",
    include_in_schema=False,
    middleware=READY,
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
