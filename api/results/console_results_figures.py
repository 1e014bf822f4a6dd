"""Figures, contrasts and counter ratings as the results pages show them: never a bare number when a
figure is suppressed or flagged; chart points with the same states."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from api.results import charts
from reports.numbers import (
    Language,
    format_count,
    format_interval,
    format_number,
    format_p_value,
    format_percent,
    format_signed,
    format_signed_interval,
)
from reports.scorecard import reason_text
from reports.scorecard_data import Contrast, Figure
from survey_engine.answer_codes import CriteriaLayout
from survey_engine.results.index_rule import band_for, scale_of

LEVELS = ("province", "district", "commune")


def finite(x: float | None) -> bool:
    return x is not None and math.isfinite(x)


def figure_view(figure: Figure, t: Callable[..., str], lang: Language) -> dict[str, Any]:
    """A figure as the page shows it: never a bare number when it is suppressed or flagged."""
    has_value = finite(figure.estimate)
    if figure.flag == "suppress" or not has_value:
        if figure.flag == "suppress":
            reason = reason_text(figure.flag_reason or "", lang)
        elif figure.n:
            reason = t("res_not_estimable")
        else:
            reason = t("res_no_responses_reason")
        state, badge = (
            "suppress",
            ("bad", t("res_flag_suppress") if figure.n or figure.flag else t("res_flag_none")),
        )
        value, interval = "—", "—"
    else:
        state = "review" if figure.flag == "review" else "ok"
        reason = reason_text(figure.flag_reason or "", lang) if state == "review" else ""
        badge = ("warn", t("res_flag_review")) if state == "review" else ("ok", t("res_flag_ok"))
        value = format_number(figure.estimate, lang)
        interval = format_interval(figure.ci_low, figure.ci_high, lang)
    return {
        "state": state,
        "value": value,
        "interval": interval,
        "n": format_count(figure.n, lang) if figure.n is not None else "—",
        "badge": badge,
        "reason": reason,
        "estimate": figure.estimate,
    }


def chart_point(
    label: str, view: Mapping[str, Any], figure: Figure, t: Callable[..., str], strong: bool = False
) -> charts.Point:
    if view["state"] == "suppress":
        note = f"{view['badge'][1]}: {view['reason']}"
        return charts.Point(label, None, None, None, "suppress", "—", note, strong)
    note = t("res_flag_review") if view["state"] == "review" else ""
    return charts.Point(
        label, figure.estimate, figure.ci_low, figure.ci_high, view["state"], view["value"], note, strong
    )


def contrast_view(
    c: Contrast | None, t: Callable[..., str], lang: Language, kind: str, descriptive: bool = False
) -> dict[str, Any] | None:
    """A difference with its interval, p-value and verdict (``kind`` "mean": higher/lower; "trend":
    increase/decrease). ``descriptive``: the series is not a probability sample, so the verdict says it
    only describes the responses received (neutral badge, no significance wording)."""
    if c is None or not finite(c.difference):
        return None
    verdict = c.verdict
    words = {
        "mean": {"above": "res_above", "below": "res_below", "not-different": "res_not_different"},
        "trend": {"above": "res_up", "below": "res_down", "not-different": "res_flat"},
    }[kind]
    badge = {"above": "ok", "below": "bad", "not-different": "info"}
    suffix = "_descriptive" if descriptive else ""
    return {
        "difference": t("res_points", value=format_signed(c.difference, lang)),
        "interval": format_signed_interval(c.ci_low, c.ci_high, lang),
        "p": format_p_value(c.p_value, lang),
        "verdict": t(words[verdict] + suffix) if verdict else "",
        "badge": ("info" if descriptive else badge[verdict]) if verdict else "info",
        "descriptive": descriptive,
    }


#: The console's name of the overall index under each index rule (the questionnaire's rule).
_OVERALL_NAMES = {
    "top_box_share": "res_overall",
    "mean_score": "res_overall_mean_score",
    "score_sum": "res_overall_score_sum",
    "weighted_mean": "res_overall_weighted_mean",
}


def rule_words(
    layout: CriteriaLayout, estimate: float | None, t: Callable[..., str], lang: Language
) -> dict[str, Any]:
    """How a page names and shows the overall index of the questionnaire's rule: its name, the headline
    value (a percentage for the top-box share, points otherwise), the axis and column words, the scale,
    the grade (band) the estimate falls in, the grading bands and the rule's source."""
    share = layout.rule == "top_box_share"
    name_key = _OVERALL_NAMES.get(layout.rule, "res_overall")
    name = {
        "res_overall": t("res_overall"),
        "res_overall_mean_score": t("res_overall_mean_score"),
        "res_overall_score_sum": t("res_overall_score_sum"),
        "res_overall_weighted_mean": t("res_overall_weighted_mean"),
    }[name_key]
    low, high = scale_of(layout)
    pick = "en" if lang == "en" else "vi"
    code = band_for(layout, estimate if finite(estimate) else None)
    bands = [
        t(
            "res_band_from",
            band=labels.get(pick) or labels.get("vi", band),
            low=format_number(low_band, lang, 2),
        )
        for band, labels, low_band in layout.bands
    ]
    grade = next(
        (labels.get(pick) or labels.get("vi", band) for band, labels, _ in layout.bands if band == code), ""
    )
    return {
        "name": name,
        "headline": format_percent(estimate, lang) if share else format_number(estimate, lang),
        "axis": t("res_axis") if share else t("res_axis_score"),
        "chart_title": t("res_elements_chart") if share else t("res_elements_chart_score"),
        "chart_desc": t("res_elements_desc") if share else t("res_elements_desc_score"),
        "scale": ""
        if share
        else t("res_scale", low=format_number(low, lang, 0), high=format_number(high, lang, 0)),
        "grade": t("res_band", band=grade) if grade else "",
        "bands": bands,
        "source": "" if layout.source is None else t("res_rule_source", source=layout.source.get(pick, "")),
    }


def tick(lang: Language) -> Callable[[float], str]:
    return lambda v: format_number(v, lang, 0)


def counter_view(name: str, panel: Any, lang: Language) -> dict[str, Any]:
    return {
        "name": name,
        "n": format_count(panel.n, lang),
        "very_satisfied": format_percent(panel.very_satisfied, lang),
        "satisfied": format_percent(panel.satisfied, lang),
        "dissatisfied": format_percent(panel.dissatisfied, lang),
    }
