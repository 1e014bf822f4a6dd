"""Carried figures on the public pages: a wave's results on a later map, and a trend across a map change.

Every figure here was computed from predecessor units' published figures (never re-estimated): the views
label each with the map version it was computed on, or say why it could not be computed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from api.publication.views import figure_view
from api.web.i18n import PAGE, translator
from reports.numbers import Language, format_number
from survey_engine.administration.map_changes import MapChangeService
from survey_engine.publication.remapped import CarriedFrom, RemappedWave, carried_trend, remap_targets

__all__ = ["carried_view", "remapped_agencies_view", "remapped_view", "wave_map_context"]

REASONS = {
    "no_agency": "pub_carried_no_agency",
    "several_agencies": "pub_carried_several_agencies",
    "not_published": "pub_carried_not_published",
    "no_population": "pub_carried_no_population",
}


def carried_view(figure: Mapping[str, Any], lang: Language) -> dict[str, Any]:
    """A carried figure as the pages print it: the figure's view, labelled with the map it was computed
    on, or why it could not be computed."""
    t = translator(lang, PAGE)
    view = figure_view(figure, t, lang)
    reason = figure.get("carried_reason")
    if reason:
        view["note"] = t(REASONS.get(str(reason), "pub_carried_not_published"))
    view["label"] = t("pub_carried_label", version=figure.get("carried_from") or "")
    return view


def _row_view(
    code: str,
    name: str,
    overall: Mapping[str, Any],
    elements: tuple[tuple[str, dict[str, str], dict[str, Any]], ...],
    parts: tuple[CarriedFrom, ...],
    lang: Language,
) -> dict[str, Any]:
    return {
        "code": code,
        "name": name,
        "figure": carried_view(overall, lang),
        "elements": [
            {"label": label.get(lang) or label.get("vi") or element, "figure": carried_view(f, lang)}
            for element, label, f in elements
        ],
        "parts": [
            {
                "unit": p.unit_name.get(lang) or p.unit_name.get("vi") or p.unit,
                "agency": p.agency_name.get(lang) or p.agency_name.get("vi") or p.agency,
                "weight": format_number(100 * p.weight, lang, 1),
            }
            for p in parts
        ],
    }


def remapped_view(remapped: RemappedWave, lang: Language) -> list[dict[str, Any]]:
    """The rows of the page: each successor unit with its carried index, elements and predecessors."""
    return [
        _row_view(
            row.unit.code,
            row.unit.name_en if lang == "en" and row.unit.name_en else row.unit.name_vi,
            row.overall,
            row.elements,
            row.parts,
            lang,
        )
        for row in remapped.rows
    ]


def remapped_agencies_view(remapped: RemappedWave, lang: Language) -> list[dict[str, Any]]:
    """The page's rows by successor agency: each agency with recorded predecessors, its carried index,
    elements and the predecessor agencies (with their units) it comes from."""
    return [
        _row_view(
            row.agency, row.name.get(lang) or row.name["vi"], row.overall, row.elements, row.parts, lang
        )
        for row in remapped.agencies
    ]


async def wave_map_context(
    map_changes: MapChangeService,
    code: str,
    snapshot: Mapping[str, Any],
    earlier: tuple[str, Mapping[str, Any]] | None,
    language: Language,
) -> dict[str, Any]:
    """What the wave page adds across map changes: the previous wave's figures carried to this wave's
    agencies (by code, when the previous wave is on an older map), whether the map changed since the
    previous wave, and links to the wave on later maps."""
    carried = None
    if earlier is not None:
        carried = await carried_trend(map_changes, code, snapshot, earlier[0], earlier[1])
    query = "?lang=en" if language == "en" else ""
    links = [
        {"version": v, "href": f"/results/{quote(code, safe='')}/map/{quote(v, safe='')}{query}"}
        for v in await remap_targets(map_changes, code)
    ]
    # On another map the province itself changed (merged): its previous figure is not comparable.
    return {"carried": carried or {}, "map_changed": carried is not None, "map_links": links}
