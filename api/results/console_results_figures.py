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
