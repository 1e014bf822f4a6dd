"""Results dashboard: the SIPAS index of every agency (province view) and of one agency (agency view).

``GET /staff/results`` — admin, statistician, agency; choose a wave (default: the latest with responses)
and a series. Admins and statisticians see every agency's index as a dot-and-whisker chart with the
province mean; an agency user is taken to its own agency's page (the province chart names every agency).

``GET /staff/results/{wave}/{agency}`` — the agency's overall index and elements with intervals, the
trend over its earlier waves of the same questionnaire, the criterion table with "don't know" counts and
publication flags, the counter ratings (a separate self-selected series, never pooled), filters by the
domain columns the estimates service accepts (service point, channel, …) and the downloads. An agency user
may open only its own agency (any other answers the 404 page, as the API does).

``GET /staff/results/{wave}/microdata.csv`` and ``…/codebook.csv`` — the wave's export (what
``sipas export`` writes), for admins and statisticians.

This module holds the province page and the list of handlers; the agency page, the exports, the filters,
the waves and links, the figures and the words have a module each (``console_results_*``).

Every number comes from the same code as the JSON API and the scorecards: ``survey_engine.results.analysis.
wave_results`` estimates (the estimates endpoint's numbers), and the scorecard builders of
``reports.build`` pick an agency's figures, the province mean, the peer gap and the wave-to-wave change.
Estimation runs in worker threads inside ``wave_results``; the contrasts and the charts are built in a
worker thread here, so a page never blocks the event loop with statistics.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import partial
from typing import Annotated, Any
from urllib.parse import quote, urlencode

import anyio.to_thread
from litestar import get
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from api.results import charts
from api.results.console_results_agency import results_agency
from api.results.console_results_exports import codebook, microdata
from api.results.console_results_figures import (
    LEVELS,
    chart_point,
    contrast_view,
    counter_view,
    figure_view,
    rule_words,
    tick,
)
from api.results.console_results_waves import (
    ANALYSTS,
    BASE,
    WaveChoice,
    channels_line,
    chooser,
    default_wave,
    estimates_csv_url,
    index_waves,
    language,
    page_estimate,
    series_note,
    series_or_default,
    title_of,
)
from api.web.console_base import READERS, Staff, page, redirect
from api.web.i18n import translator
from reports.build import (
    counter_panel,
    province_rows,
)
from reports.numbers import Language, format_count
from reports.scorecard_data import AgencyInfo
from survey_engine.answer_codes import CriteriaLayout
from survey_engine.errors import NotFound
from survey_engine.results import scorecards
from survey_engine.results.agency_results import wave_agencies
from survey_engine.results.scorecards import AgencyRow

WaveParam = Annotated[str | None, QueryParameter(max_length=48, description="wave code")]
SeriesParam = Annotated[str | None, QueryParameter(max_length=20, description="self-selected | probability")]
AgencyParam = Annotated[str | None, QueryParameter(max_length=64, description="agency code")]


def build_province(
    result: Any,
    agencies: Sequence[AgencyRow],
    wave: str,
    series: str,
    lang: Language,
    layout: CriteriaLayout | None = None,
) -> dict[str, Any]:
    """Province chart and table from one estimation (pure; runs in a worker thread); ``layout`` names
    the index of the questionnaire's rule (default: the SIPAS share)."""
    t = translator(lang)
    share = layout is None or layout.rule == "top_box_share"
    infos = [AgencyInfo(a.code, a.name_vi, a.name_en, a.level) for a in agencies]
    rows, mean = province_rows(result.groups, infos)
    items: list[dict[str, Any]] = []
    points: dict[str, charts.Point] = {}
    for row in rows:
        view = figure_view(row.sipas, t, lang)
        name = row.agency.name_en if lang == "en" and row.agency.name_en else row.agency.name_vi
        items.append(
            {
                "code": row.agency.code,
                "name": name,
                "level": t(f"res_level_{row.agency.level}")
                if row.agency.level in LEVELS
                else row.agency.level,
                "figure": view,
                "vs_mean": contrast_view(row.vs_mean, t, lang, "mean", descriptive=series != "probability"),
                "has_results": view["state"] != "suppress" or row.sipas.n is not None,
                "href": f"{BASE}/{quote(wave, safe='')}/{quote(row.agency.code, safe='')}?"
                + urlencode({"series": series}),
            }
        )
        points[row.agency.code] = chart_point(name, view, row.sipas, t)
    # Published and flagged-for-review agencies by their index, highest first; then suppressed ones, then
    # those without responses (each group by name): the order of overlapping intervals is not a ranking.
    items.sort(
        key=lambda i: (
            0 if i["figure"]["state"] != "suppress" else (1 if i["has_results"] else 2),
            -(i["figure"]["estimate"] or 0.0) if i["figure"]["state"] != "suppress" else 0.0,
            i["name"],
        )
    )
    mean_view = figure_view(mean, t, lang) if mean is not None else None
    reference = None
    if mean is not None and mean_view and mean_view["state"] != "suppress":
        reference = (float(mean.estimate or 0.0), t("res_province_mean", value=mean_view["value"]))
    chart = charts.dot_whisker(
        [points[i["code"]] for i in items],
        chart_id="rs-province-chart",
        title=t("res_chart_province") if share else t("res_chart_province_score"),
        desc=t("res_chart_province_desc") if share else t("res_chart_province_desc_score"),
        axis_label=t("res_axis") if share else t("res_axis_score"),
        tick_label=tick(lang),
        reference=reference,
    )
    words = None if share or layout is None else rule_words(layout, None, t, lang)
    return {
        "agencies": items,
        "mean": mean_view,
        "chart": chart,
        "heading": t("res_province_heading") if share else t("res_province_heading_score"),
        "column": t("res_col_index") if share else t("res_col_score"),
        "rule": words,
    }


async def _counter_rows(
    agencies: Sequence[AgencyRow], wave: WaveChoice, lang: Language
) -> list[dict[str, Any]]:
    """Counter ratings per agency in the wave's period (self-selected, a series of its own)."""
    start, end = date.fromisoformat(wave.period_start), date.fromisoformat(wave.period_end)
    found = await scorecards.counter_ratings_by_agency([a.code for a in agencies], start, end)
    out = []
    for a in agencies:
        panel = counter_panel(found.get(a.code, {}))
        if panel.n:
            out.append(counter_view(title_of(a, lang), panel, lang))
    return out


@get(BASE, include_in_schema=False, name="console_results")
async def results_home(
    staff: NamedDependency[Staff],
    wave: WaveParam = None,
    series: SeriesParam = None,
    agency: AgencyParam = None,
) -> Template | Redirect:
    staff.need(*READERS)
    chosen_series = series_or_default(series)
    choices = await index_waves(staff)
    by_code = {w.code: w for w in choices}
    current = by_code.get(wave or "") or default_wave(choices)
    if wave and wave not in by_code:
        raise NotFound(f"no wave {wave} with results")
    own_agency = staff.actor.agency_code if staff.actor.agency_scoped else None
    target_agency = own_agency or agency
    if current is not None and target_agency:
        # An agency user only ever sees its own agency; anyone may jump from the chooser to an agency.
        return redirect(
            f"{BASE}/{quote(current.code, safe='')}/{quote(target_agency, safe='')}?"
            + urlencode({"series": chosen_series})
        )
    context: dict[str, Any] = {
        "title": staff.t("res_title"),
        "chooser": chooser(staff, choices, current.code if current else "", chosen_series),
        "series_text": series_note(staff, chosen_series),
        "wave": current,
        "notice": "",
        "view": None,
        "counters": [],
    }
    if current is None:
        context["notice"] = staff.t("res_no_waves")
        return page(staff, "results.html", context)
    results, problem = await page_estimate(current.context, ("agency",), chosen_series)
    agencies = await wave_agencies(current.code)
    context["downloads"] = {
        "province_pdf": f"/api/v1/waves/{quote(current.code, safe='')}/province-summary.pdf?"
        + urlencode({"lang": staff.lang}),
        "estimates_csv": estimates_csv_url(current.code, chosen_series),
        "microdata": f"{BASE}/{quote(current.code, safe='')}/microdata.csv" if staff.may(*ANALYSTS) else "",
        "codebook": f"{BASE}/{quote(current.code, safe='')}/codebook.csv" if staff.may(*ANALYSTS) else "",
    }
    context["counters"] = await _counter_rows(agencies, current, language(staff.lang))
    if results is None:
        context["notice"] = staff.t(problem)
        return page(staff, "results.html", context)
    context["rows"] = format_count(results.rows, language(staff.lang))
    context["series_text"]["channels"] = channels_line(staff, results)
    context["view"] = await anyio.to_thread.run_sync(
        partial(
            build_province,
            results.result,
            agencies,
            current.code,
            chosen_series,
            language(staff.lang),
            results.layout,
        )
    )
    return page(staff, "results.html", context)


HANDLERS: list[Any] = [results_home, results_agency, microdata, codebook]
