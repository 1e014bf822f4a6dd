"""Drivers of satisfaction as the agency page and the scorecard show them (pure: no database).

:func:`drivers_view` turns :class:`survey_engine.results.drivers.WaveDrivers` into the console's section
(an accessible SVG importance × performance chart, the table beside it, the method in plain words, or one
sentence saying why nothing is shown); :func:`drivers_section` into the scorecard's
:class:`reports.scorecard_drivers.DriversSection` (None: the questionnaire has no overall item of its own,
and the scorecard omits the section).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape

from markupsafe import Markup

from reports.numbers import Language, format_interval, format_number
from reports.scorecard_drivers import DriverRow, DriversSection
from sampling.glm_drivers import DomainDrivers
from survey_engine.results.drivers import WaveDrivers

__all__ = ["drivers_chart_svg", "drivers_section", "drivers_view", "reason_code"]

WIDTH, HEIGHT = 560.0, 380.0


def reason_code(domain: DomainDrivers | None) -> str:
    """The reason code of a suppressed domain (``few_respondents``, ``few_df``, ``not_fitted``)."""
    reason = (domain.suppressed_reason if domain is not None else None) or ""
    if domain is None or "respondents" in reason:
        return "few_respondents"
    if "degrees of freedom" in reason:
        return "few_df"
    return "not_fitted"


def _rows(result: WaveDrivers, domain: DomainDrivers) -> tuple[DriverRow, ...]:
    out = []
    for e in domain.elements:
        labels = result.element_labels.get(e.element, {})
        vi = str(labels.get("vi") or e.element)
        out.append(
            DriverRow(
                vi,
                str(labels.get("en") or vi),
                e.importance,
                e.importance_low,
                e.importance_high,
                e.performance,
                e.performance_low,
                e.performance_high,
                e.act_first,
            )
        )
    return tuple(out)


def drivers_section(result: WaveDrivers, agency: str) -> DriversSection | None:
    """The scorecard section of ``agency``; None when drivers are not computed for this questionnaire."""
    if result.status == "no_outcome":
        return None
    domain = result.domains.get(agency)
    if domain is None or domain.suppressed:
        return DriversSection((), domain.n if domain else 0, reason_code(domain), result.min_respondents)
    return DriversSection(_rows(result, domain), domain.n, None, result.min_respondents)


def _n(v: float) -> str:
    return f"{v:.1f}"


def drivers_chart_svg(
    rows: tuple[DriverRow, ...], lang: Language, t: Callable[..., str], chart_id: str = "rs-drivers-chart"
) -> Markup:
    """Importance (y) against performance (x), whiskers on both axes, the act-first quadrant shaded;
    ``role="img"`` with a title and description, numbered points matching the table beside it."""
    x0, x1, y0, y1 = 70.0, WIDTH - 16.0, 16.0, HEIGHT - 56.0
    lows = [r.importance_low for r in rows] + [0.0]
    highs = [r.importance_high for r in rows] + [0.0]
    i_min, i_max = min(lows), max(highs)
    pad = (i_max - i_min) * 0.08 or 0.1
    i_min, i_max = i_min - pad, i_max + pad
    p_min = max(0.0, min(r.performance_low for r in rows) - 5.0)
    p_max = min(100.0, max(r.performance_high for r in rows) + 5.0)

    def sx(v: float) -> float:
        return x0 + (min(max(v, p_min), p_max) - p_min) / (p_max - p_min) * (x1 - x0)

    def sy(v: float) -> float:
        return y1 - (min(max(v, i_min), i_max) - i_min) / (i_max - i_min) * (y1 - y0)

    imp_mean = sum(r.importance for r in rows) / len(rows)
    perf_mean = sum(r.performance for r in rows) / len(rows)
    title, desc = escape(t("res_drivers_chart")), escape(t("res_drivers_chart_desc"))
    out = [
        f'<svg id="{chart_id}" class="rs-chart" role="img" viewBox="0 0 {_n(WIDTH)} {_n(HEIGHT)}" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-t">{title}</title><desc id="{chart_id}-d">{desc}</desc>',
        f'<rect x="{_n(x0)}" y="{_n(y0)}" width="{_n(sx(perf_mean) - x0)}" height="{_n(sy(imp_mean) - y0)}" '
        f'fill="#fbe3e6"/>',
        f'<rect x="{_n(x0)}" y="{_n(y0)}" width="{_n(x1 - x0)}" height="{_n(y1 - y0)}" fill="none" '
        f'stroke="#c9d1db"/>',
        f'<line x1="{_n(x0)}" y1="{_n(sy(0.0))}" x2="{_n(x1)}" y2="{_n(sy(0.0))}" stroke="#5b6b7f"/>',
        f'<line x1="{_n(x0)}" y1="{_n(sy(imp_mean))}" x2="{_n(x1)}" y2="{_n(sy(imp_mean))}" '
        f'stroke="#5b6b7f" stroke-dasharray="5 4"/>',
        f'<line x1="{_n(sx(perf_mean))}" y1="{_n(y0)}" x2="{_n(sx(perf_mean))}" y2="{_n(y1)}" '
        f'stroke="#5b6b7f" stroke-dasharray="5 4"/>',
        f'<text x="{_n(x0 + 6)}" y="{_n(y0 + 16)}" font-size="13" fill="#a00d25">'
        f"{escape(t('res_drivers_quadrant'))}</text>",
    ]
    step = 10.0 if p_max - p_min <= 60 else 20.0
    tick = step * (p_min // step + 1)
    while tick < p_max:
        out.append(
            f'<text x="{_n(sx(tick))}" y="{_n(y1 + 18)}" font-size="13" fill="#5b6b7f" '
            f'text-anchor="middle">{escape(format_number(tick, lang, 0))}</text>'
        )
        tick += step
    for v in (i_min + pad, 0.0, i_max - pad):
        out.append(
            f'<text x="{_n(x0 - 6)}" y="{_n(sy(v) + 4)}" font-size="13" fill="#5b6b7f" text-anchor="end">'
            f"{escape(format_number(v, lang, 2))}</text>"
        )
    out.append(
        f'<text x="{_n((x0 + x1) / 2)}" y="{_n(HEIGHT - 10)}" font-size="14" font-weight="700" '
        f'text-anchor="middle">{escape(t("res_drivers_performance"))}</text>'
    )
    out.append(
        f'<text transform="translate(16 {_n((y0 + y1) / 2)}) rotate(-90)" font-size="14" font-weight="700" '
        f'text-anchor="middle">{escape(t("res_drivers_importance"))}</text>'
    )
    for i, r in enumerate(rows, start=1):
        colour = "#c8102e" if r.act_first else "#0b3c6f"
        cx, cy = sx(r.performance), sy(r.importance)
        out.append(
            f'<g stroke="{colour}" stroke-width="1.5"><line x1="{_n(sx(r.performance_low))}" y1="{_n(cy)}" '
            f'x2="{_n(sx(r.performance_high))}" y2="{_n(cy)}"/><line x1="{_n(cx)}" '
            f'y1="{_n(sy(r.importance_low))}" x2="{_n(cx)}" y2="{_n(sy(r.importance_high))}"/></g>'
            f'<circle cx="{_n(cx)}" cy="{_n(cy)}" r="5" fill="{colour}"/>'
            f'<text x="{_n(cx + 7)}" y="{_n(cy - 6)}" font-size="14" font-weight="700" fill="{colour}">'
            f"{i}</text>"
        )
    out.append("</svg>")
    return Markup("".join(out))  # noqa: S704 - every text part escaped above


def drivers_view(
    result: WaveDrivers | None, agency: str, lang: Language, t: Callable[..., str]
) -> dict[str, Any] | None:
    """The agency page's drivers section: ``state`` ``shown``, ``suppressed`` or ``not_computed``."""
    if result is None:
        return None
    outcome = ""
    if result.outcome is not None:
        outcome = str(result.outcome.labels.get(lang) or result.outcome.labels.get("vi") or "")
    if result.status == "no_outcome":
        return {"state": "not_computed", "text": t("res_drivers_not_computed")}
    domain = result.domains.get(agency)
    if domain is None or domain.suppressed:
        code = reason_code(domain)
        text = t(f"res_drivers_reason_{code}", min=result.min_respondents)
        return {"state": "suppressed", "text": t("res_drivers_suppressed", reason=text)}
    rows = _rows(result, domain)
    pick = 1 if lang == "en" else 0
    return {
        "state": "shown",
        "chart": drivers_chart_svg(rows, lang, t),
        "rows": [
            {
                "number": i,
                "name": (r.label_vi, r.label_en)[pick],
                "importance": format_number(r.importance, lang, 2),
                "importance_interval": format_interval(r.importance_low, r.importance_high, lang, 2),
                "performance": format_number(r.performance, lang),
                "performance_interval": format_interval(r.performance_low, r.performance_high, lang),
                "act_first": r.act_first,
            }
            for i, r in enumerate(rows, start=1)
        ],
        "method": t("res_drivers_method", n=domain.n, outcome=outcome),
        "caution": t("res_drivers_caution"),
    }
