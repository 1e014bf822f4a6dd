"""A published wave shown on a later administrative map: ``/results/{wave}/map/{version}`` (no login).

The figures are those of the wave's current published snapshot, carried to the successor units of the
later map (``survey_engine.publication.remapped``): never re-estimated, and the snapshot is not changed.
``…/map/{version}/results.json`` gives the same figures as JSON (schema ``sipas-remapped/1``).
The page says so at the top and on every figure; the downloads and the hash stay those of the snapshot as
published. Rendered on each request (the successions may be re-imported), cached by clients a minute.
"""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import quote

from litestar import Request, Response, get
from litestar.params import PathParameter
from litestar.response.base import ASGIResponse

from api.publication.across_maps import remapped_agencies_view, remapped_view
from api.publication.pages_results import CURRENT_CACHE, Lang, WaveCode, html, lang_of, not_found
from api.publication.render import Rendered, render_page
from api.services import services_of
from api.web.i18n import PAGE, translator
from survey_engine.errors import NotFound
from survey_engine.publication.remapped import RemappedWave, remap_snapshot

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
        return await not_found(request, language)
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
        agency_rows=remapped_agencies_view(remapped, language),
        wave_href=base + ("?lang=en" if language == "en" else ""),
        here=f"{base}/map/{quote(version, safe='')}",
    )
    return html(Rendered.of(body), cache=CURRENT_CACHE)


def remapped_document(remapped: RemappedWave, published_version: int, snapshot_hash: str) -> dict[str, Any]:
    """The re-mapping as JSON: which published version and hash it comes from, the label in both
    languages, every successor unit's carried figures with the predecessors they come from, and every
    successor agency's (recorded agency successions) with the predecessor agencies they come from."""
    vi, en = translator("vi", PAGE), translator("en", PAGE)
    return {
        "schema": "sipas-remapped/1",
        "wave": remapped.wave,
        "published_version": published_version,
        "snapshot_hash": snapshot_hash,
        "from_version": remapped.from_version,
        "to_version": remapped.to_version,
        "label": {
            "vi": vi("pub_carried_label", version=remapped.from_version),
            "en": en("pub_carried_label", version=remapped.from_version),
        },
        "units": [
            {
                "code": row.unit.code,
                "name": {"vi": row.unit.name_vi, "en": row.unit.name_en},
                "level": row.unit.level,
                "overall": row.overall,
                "elements": [
                    {"code": code, "label": label, **figure} for code, label, figure in row.elements
                ],
                "computed_from": [
                    {"unit": p.unit, "agency": p.agency, "weight": p.weight} for p in row.parts
                ],
            }
            for row in remapped.rows
        ],
        "agencies": [
            {
                "code": row.agency,
                "name": row.name,
                "unit": row.unit,
                "overall": row.overall,
                "elements": [
                    {"code": code, "label": label, **figure} for code, label, figure in row.elements
                ],
                "computed_from": [
                    {"unit": p.unit, "agency": p.agency, "weight": p.weight} for p in row.parts
                ],
            }
            for row in remapped.agencies
        ],
    }


@get(
    "/results/{wave:str}/map/{version:str}/results.json",
    include_in_schema=False,
    name="results_remapped_json",
)
async def results_remapped_json(
    request: Request[Any, Any, Any], wave: WaveCode, version: MapVersion
) -> Response[bytes]:
    services = services_of(request)
    try:
        published = await services.public_results.wave(wave)
        snapshot = await services.public_results.snapshot(wave, published.current.version)
        remapped = await remap_snapshot(services.map_changes, wave, snapshot, version)
        if remapped is None:
            raise NotFound(f"wave {wave} cannot be shown on map {version}")
    except NotFound:
        return Response(content=b"", status_code=404, headers={"Cache-Control": "no-store"})
    document = remapped_document(remapped, published.current.version, published.current.snapshot_hash)
    body = json.dumps(document, ensure_ascii=False, sort_keys=True, allow_nan=False).encode("utf-8")
    headers = {
        "Cache-Control": CURRENT_CACHE,
        "Access-Control-Allow-Origin": "*",  # open data: any site or notebook may fetch it
        "Content-Type": "application/json; charset=utf-8",
    }
    return Response(content=body, status_code=200, headers=headers)


REMAPPED_HANDLERS: list[Any] = [results_wave_remapped, results_remapped_json]
