"""A published wave shown on a later administrative map: ``/results/{wave}/map/{version}`` (no login).

The figures are those of the wave's current published snapshot, carried to the successor units of the
later map (``survey_engine.publication.remapped``): never re-estimated, and the snapshot is not changed.
The page says so at the top and on every figure; the downloads and the hash stay those of the snapshot as
published. Rendered on each request (the successions may be re-imported), cached by clients a minute.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from litestar import Request, get
from litestar.params import PathParameter
from litestar.response.base import ASGIResponse

from api.publication.across_maps import remapped_view
from api.publication.pages_results import CURRENT_CACHE, Lang, WaveCode, html, lang_of, not_found
from api.publication.render import render_page
from api.services import services_of
from api.web.i18n import PAGE, translator
from survey_engine.errors import NotFound
from survey_engine.publication.remapped import remap_snapshot

__all__ = ["REMAPPED_HANDLERS"]

MapVersion = Annotated[str, PathParameter(max_length=32, description="a later map version, e.g. 2025-07")]


@get("/results/{wave:str}/map/{version:str}", include_in_schema=False, name="results_wave_remapped")
async def results_wave_remapped(
    request: Request[Any, Any, Any], wave: WaveCode, version: MapVersion, lang: Lang = None
) -> ASGIResponse:
    language = lang_of(lang)
    services = services_of(request)
    try:
        published = await services.public_results.wave(wave)
        snapshot = await services.public_results.snapshot(wave, published.current.version)
        remapped = await remap_snapshot(services.map_changes, wave, snapshot, version)
        if remapped is None:
            raise NotFound(f"wave {wave} cannot be shown on map {version}")
    except NotFound:
        return not_found(language)
    t = translator(language, PAGE)
    name = snapshot["wave"]["name"]
    title = name.get(language) or name["vi"]
    base = f"/results/{quote(wave, safe='')}"
    body = render_page(
        "results_remapped.html",
        language,
        title=t("pub_remapped_title", wave=title, version=version),
        snapshot=snapshot,
        shown=published.current,
        remapped=remapped,
        rows=remapped_view(remapped, language),
        wave_href=base + ("?lang=en" if language == "en" else ""),
        here=f"{base}/map/{quote(version, safe='')}",
    )
    return html(body, cache=CURRENT_CACHE)


REMAPPED_HANDLERS: list[Any] = [results_wave_remapped]
