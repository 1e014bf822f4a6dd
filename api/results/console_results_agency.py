"""The console's agency page: ``GET /staff/results/{wave}/{agency}`` — the agency's overall index and
elements with intervals, the trend over its earlier waves of the same questionnaire, the criterion table
with "don't know" counts and publication flags, the counter ratings, filters and downloads.

The page's numbers come from the results assembler (:mod:`survey_engine.results.agency_results`), as the
scorecard's do; :func:`build_agency` turns them into the page's figures, charts and tables.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from functools import partial
from typing import Annotated, Any
from urllib.parse import quote, urlencode

import anyio.to_thread
from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Template

from api.results import charts
from api.results.console_drivers import drivers_view
from api.results.console_results_figures import (
    LEVELS,
    chart_point,
    contrast_view,
    counter_view,
    figure_view,
    rule_words,
    tick,
)
from api.results.console_results_filters import FilterScope, active_filters
from api.results.console_results_waves import (
    ANALYSTS,
    BASE,
    channels_line,
    chooser,
    estimates_csv_url,
    index_waves,
    language,
    name_in,
    page_estimate,
    scorecard_url,
    series_note,
    series_or_default,
    title_of,
)
from api.services import services_of
from api.web.console_base import READERS, Staff, dmy, page
from api.web.i18n import translator
from reports.build import (
    DEFAULT_PUBLICATION,
    SCORE_PUBLICATION,
    agency_indices,
    counter_panel,
    figure_from_estimate,
    peer_comparison,
    trend_from,
)
from reports.numbers import Language, format_count, format_interval, format_number, format_percent
from sampling.results import Estimate
from survey_engine.errors import NotFound
from survey_engine.results import analysis, catalogue, scorecards
from survey_engine.results.agency_results import AgencyResults, page_results
from survey_engine.results.drivers_cache import cached_wave_drivers
from survey_engine.results.scorecards import AgencyRow
from survey_engine.results.small_area import ModelBasedIndex

OVERALL = analysis.OVERALL
SeriesParam = Annotated[str | None, QueryParameter(max_length=20, description="self-selected | probability")]


def build_agency(results: AgencyResults, lang: Language) -> dict[str, Any] | None:
    """The agency's figures, charts and tables (pure; runs in a worker thread). None: no responses in
    this domain."""
    t = translator(lang)
    layout = results.layout
    domain = results.domain

    def label(code: str) -> tuple[str, str]:
        labels = layout.labels.get(code, {})
        return str(labels.get("vi") or code), str(labels.get("en") or labels.get("vi") or code)

    element_labels = {code: label(code) for code, _ in layout.elements}
    criterion_labels = {c.code: label(c.code) for c in layout.criteria}
    element_of = {c.code: str(c.element) for c in layout.criteria if c.element}
    try:
        sipas, elements, criteria = agency_indices(
            results.result,
            domain,
            criterion_labels=criterion_labels,
            element_labels=element_labels,
            element_of=element_of,
            overall=OVERALL,
        )
    except KeyError:
        return None
    pick = 1 if lang == "en" else 0
    overall_view = figure_view(sipas, t, lang)
    rule = rule_words(layout, sipas.estimate, t, lang)
    points = [chart_point(rule["name"], overall_view, sipas, t, strong=True)]
    element_views = []
    for e in elements:
        view = figure_view(e.figure, t, lang)
        name = (e.label_vi, e.label_en)[pick] or e.label_vi
        element_views.append({"code": e.code, "name": name, "figure": view})
        points.append(chart_point(name, view, e.figure, t))
    chart = charts.dot_whisker(
        points,
        chart_id="rs-elements-chart",
        title=rule["chart_title"],
        desc=rule["chart_desc"],
        axis_label=rule["axis"],
        tick_label=tick(lang),
    )
    groups: list[dict[str, Any]] = []
    for c in criteria:
        element = c.element or ""
        if not groups or groups[-1]["code"] != element:
            groups.append({"code": element, "name": element_labels.get(element, ("", ""))[pick], "rows": []})
        groups[-1]["rows"].append(
            {
                "code": c.code,
                "name": (c.label_vi, c.label_en)[pick] or c.label_vi,
                "figure": figure_view(c.figure, t, lang),
                "dont_know": format_count(c.dont_know, lang),
            }
        )
    # Marks on a series that is not a probability sample describe the responses; they are not tests.
    descriptive = results.series != "probability"
    peer = None
    if results.peers is not None:
        level = results.agency.level
        comparison = peer_comparison(
            results.result.groups,
            {"agency": results.agency.code},
            [{"agency": p.code} for p in results.peers],
            level=level,
            names=results.peer_names,
        )
        if comparison is not None and overall_view["state"] != "suppress":
            mean_view = figure_view(comparison.peer_mean, t, lang)
            gap = contrast_view(comparison.gap, t, lang, "mean", descriptive=descriptive)
            if gap is not None and mean_view["state"] != "suppress":
                peer = t(
                    "res_peer_text",
                    m=comparison.agencies,
                    level=t(f"res_level_{level}").lower() if level in LEVELS else level,
                    mean=mean_view["value"],
                    interval=mean_view["interval"],
                    diff=gap["difference"],
                    dinterval=gap["interval"],
                    verdict=gap["verdict"].lower(),
                )
    trend_rows = []
    trend_points = []
    previous: tuple[str, Estimate, str] | None = None  # the last usable wave: code, index, name
    for entry in results.trend:
        name = title_of(entry.wave, lang)
        figure = figure_from_estimate(entry.estimate) if entry.estimate is not None else None
        if figure is None:
            view = {
                "state": "suppress",
                "value": "—",
                "interval": "—",
                "n": "—",
                "badge": ("bad", t("res_flag_suppress")),
                "reason": t("res_trend_missing"),
                "estimate": None,
            }
            point = charts.Point(entry.wave.code, None, None, None, "suppress", "—", t("res_trend_missing"))
        else:
            view = figure_view(figure, t, lang)
            point = chart_point(entry.wave.code, view, figure, t, strong=entry.current)
        change = None
        estimate = entry.estimate if view["state"] != "suppress" else None
        if estimate is not None and previous is not None:
            trend = trend_from(
                estimate,
                previous[1],
                previous_wave_code=previous[0],
                previous_wave_name_vi=previous[2],
                previous_wave_name_en=previous[2],
            )
            change = contrast_view(
                trend.change, t, lang, "trend", descriptive=descriptive or entry.series != "probability"
            )
        if estimate is not None:
            previous = (entry.wave.code, estimate, name)
        trend_rows.append(
            {
                "code": entry.wave.code,
                "name": name,
                "period": f"{dmy(entry.wave.period_start)} – {dmy(entry.wave.period_end)}",
                "current": entry.current,
                "figure": view,
                "change": change,
                # a previous figure computed from predecessor units after a change of the map, labelled
                "carried": (
                    t("res_trend_carried", version=entry.carried_from)
                    + (" — " + t(f"res_trend_carried_{entry.carried_reason}") if entry.carried_reason else "")
                    if entry.carried_from
                    else None
                ),
            }
        )
        trend_points.append(point)
    trend_chart = None
    if len(results.trend) > 1:
        trend_chart = charts.trend(
            trend_points,
            chart_id="rs-trend-chart",
            title=t("res_trend_title"),
            desc=t("res_trend_desc"),
            axis_label=t("res_axis"),
            tick_label=tick(lang),
        )
    return {
        "overall": overall_view,
        "elements": element_views,
        "chart": chart,
        "criteria": groups,
        "peer": peer,
        "trend": trend_rows,
        "trend_chart": trend_chart,
        "aggregation": str(layout.rule_description.get("en" if lang == "en" else "vi", "")),
        "rule": rule,
        "publication": (DEFAULT_PUBLICATION if layout.rule == "top_box_share" else SCORE_PUBLICATION)[pick],
        "model_based": model_based_view(results.model_based, t, lang),
    }


def model_based_view(
    model: ModelBasedIndex | None, t: Callable[..., str], lang: Language
) -> dict[str, Any] | None:
    """The small-area (Fay–Herriot) index shown beside a flagged or suppressed direct one, labelled."""
    if model is None:
        return None
    names = [t(f"res_sae_aux_{code}") for code in model.auxiliaries]
    listed = ", ".join(names[:-1]) + t("res_sae_and") + names[-1] if len(names) > 1 else "".join(names)
    return {
        "estimate": model.eblup,
        "value": format_number(model.eblup, lang),
        "interval": format_interval(model.ci_low, model.ci_high, lang),
        "rmse": f"{format_number(model.rmse, lang)} {t('res_sae_points')}",
        "weight": format_percent(100.0 * model.gamma, lang, 0),
        "explain": t(
            "res_sae_explain",
            agencies=format_count(model.agencies, lang),
            using=t("res_sae_using", names=listed) if listed else "",
        ),
    }


@get(f"{BASE}/{{code:str}}/{{agency_code:str}}", include_in_schema=False, name="console_results_agency")
async def results_agency(
    request: Request[Any, Any, Any],
    staff: NamedDependency[Staff],
    code: FromPath[str],
    agency_code: FromPath[str],
    series: SeriesParam = None,
) -> Template:
    staff.need(*READERS)
    lang = language(staff.lang)
    # Another agency's officer gets "not found", as from the API (the agency service's visibility rule).
    agency = await services_of(request).agencies.get(staff.actor, agency_code)
    agency_id = await catalogue.agency_id(agency.code)
    # 404 for a wave the user may not see
    wave = await services_of(request).waves.get(staff.actor, code)
    agency_code = agency.code
    if agency_code not in wave.agencies:
        raise NotFound(f"agency {agency_code} is not part of wave {code}")
    chosen_series = series_or_default(series)
    choices = await index_waves(staff)
    member_of = await catalogue.waves_of_agency(agency_id)
    current = next((w for w in choices if w.code == code), None)
    if current is None:
        raise NotFound(f"no results for wave {code}")
    loaded = current.context  # the wave as the list of waves loaded it: parsed once per request
    scope = FilterScope(
        code,
        loaded.id,
        agency_code,
        agency_id,
        chosen_series,
        lang,
        loaded.questionnaire,
        loaded.channels,
    )
    filters = []
    chosen: dict[str, str] = {}
    for f in active_filters():
        choice = await f.options(scope)
        if choice is None:
            continue
        value = str(staff.query.get(f.column) or "")[:200]
        if value:
            chosen[f.column] = value
        filters.append(
            {
                "name": f.column,
                "id": "rs-f-" + "".join(ch if ch.isalnum() else "-" for ch in f.column),
                "label": choice.label,
                "options": [("", staff.t("all")), *choice.options],
                "value": value,
                "text": dict(choice.options).get(value, value),
            }
        )
    by = ("agency", *chosen)
    results, problem = await page_estimate(loaded, by, chosen_series)
    name = name_in(asdict(agency), lang)
    context: dict[str, Any] = {
        "title": f"{name} — {code}",
        "agency": {"code": agency_code, "name": name},
        "wave": current,
        "chooser": chooser(staff, [w for w in choices if w.code in member_of], code, chosen_series),
        "series_text": series_note(staff, chosen_series),
        "filters": filters,
        "filtered": ", ".join(f"{f['label']}: {f['text']}" for f in filters if f["value"]),
        "notice": "",
        "view": None,
        "province_href": None
        if staff.actor.agency_scoped
        else f"{BASE}?" + urlencode({"wave": code, "series": chosen_series}),
        "downloads": {
            "scorecard": scorecard_url(code, agency_code, "vi"),
            "scorecard_en": scorecard_url(code, agency_code, "en"),
            "estimates_csv": estimates_csv_url(code, chosen_series, by),
            "microdata": f"{BASE}/{quote(code, safe='')}/microdata.csv" if staff.may(*ANALYSTS) else "",
            "codebook": f"{BASE}/{quote(code, safe='')}/codebook.csv" if staff.may(*ANALYSTS) else "",
        },
    }
    counts = await scorecards.counter_ratings(
        agency_code, date.fromisoformat(current.period_start), date.fromisoformat(current.period_end)
    )
    panel = counter_panel(counts)
    context["counter"] = counter_view(name, panel, lang) if panel.n else None
    if results is None:
        context["notice"] = staff.t(problem)
        return page(staff, "results_agency.html", context)
    context["series_text"]["channels"] = channels_line(staff, results, agency_code)
    # The trend: this agency's overall index in earlier waves of the same questionnaire, same series.
    assembled = await page_results(
        loaded,
        AgencyRow(agency_code, agency.name_vi, agency.name_en, agency.level),
        agency_id,
        results,
        chosen,
        visible={w.code: w.context for w in choices},
        name_peers=not staff.actor.agency_scoped,
        counter=counts,
    )
    view = await anyio.to_thread.run_sync(partial(build_agency, assembled, lang))
    if view is None:
        context["notice"] = staff.t("res_no_domain")
    context["view"] = view
    if view is not None:
        found = await cached_wave_drivers(loaded, chosen_series, [agency_code])
        context["drivers"] = drivers_view(found, agency_code, lang, translator(lang))
    return page(staff, "results_agency.html", context)
