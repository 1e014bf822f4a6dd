"""View models of the public results pages, from frozen snapshots (pure: no database, no request).

Every figure is a snapshot figure (``survey_engine.publication.snapshot.figure``): a suppressed one has no
number, only its n and the reason, and the page says why instead of showing a value. The trend against the
previous published wave compares two independent samples: difference ± 1.96 × √(se₁² + se₂²), and the
words say "no clear change" whenever that interval holds 0.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from statistics import NormalDist
from typing import Any
from urllib.parse import quote

from api.results import charts
from api.web.i18n import PAGE, translator
from reports.numbers import Language, format_interval, format_number
from reports.scorecard_texts import reason_text

__all__ = [
    "agency_view",
    "change_view",
    "figure_view",
    "page_words",
    "tick",
    "wave_view",
]

Z95 = NormalDist().inv_cdf(0.975)
Translate = Callable[..., str]


def page_words(lang: Language) -> Translate:
    """The public pages' words (the citizen pages' catalogue context)."""
    return translator(lang, PAGE)


def tick(lang: Language) -> Callable[[float], str]:
    return lambda x: format_number(x, lang, 0)


def figure_view(fig: Mapping[str, Any] | None, t: Translate, lang: Language) -> dict[str, Any]:
    """A figure as the page prints it: value, interval, n, state (ok | review | suppress) and why."""
    if fig is None:
        return {
            "state": "suppress",
            "value": "—",
            "interval": "—",
            "n": "0",
            "note": t("pub_no_data"),
            "estimate": None,
            "low": None,
            "high": None,
        }
    flag = fig.get("flag")
    state = flag if flag in ("review", "suppress") else "ok"
    reason = reason_text(str(fig.get("flag_reason") or ""), lang) if flag else ""
    note = ""
    if state == "suppress":
        note = t("pub_suppressed_because", reason=reason) if reason else t("pub_suppressed")
    elif state == "review":
        note = t("pub_review_because", reason=reason)
    shown = state != "suppress"
    return {
        "state": state,
        "value": format_number(fig.get("estimate"), lang) if shown else "—",
        "interval": format_interval(fig.get("ci_low"), fig.get("ci_high"), lang) if shown else "—",
        "n": format_number(fig.get("n"), lang, 0),
        "note": note,
        "estimate": fig.get("estimate") if shown else None,
        "low": fig.get("ci_low") if shown else None,
        "high": fig.get("ci_high") if shown else None,
    }


def change_view(
    current: Mapping[str, Any] | None, previous: Mapping[str, Any] | None, t: Translate, lang: Language
) -> dict[str, str] | None:
    """The change from the previous published wave (None when either figure is not published)."""
    if not current or not previous:
        return None
    values = [current.get(k) for k in ("estimate", "se")] + [previous.get(k) for k in ("estimate", "se")]
    if any(v is None or not math.isfinite(float(v)) for v in values):
        return None
    now, se_now, then, se_then = (float(v) for v in values)  # type: ignore[arg-type]
    diff, se = now - then, math.hypot(se_now, se_then)
    low, high = diff - Z95 * se, diff + Z95 * se
    signed = ("+" if diff > 0 else "") + format_number(diff, lang)
    if low > 0:
        words = t("pub_change_up")
    elif high < 0:
        words = t("pub_change_down")
    else:
        words = t("pub_change_unclear")
    return {"value": signed, "interval": format_interval(low, high, lang), "words": words}


def _name(named: Mapping[str, Any], lang: Language) -> str:
    names = named.get("name") or named.get("label") or {}
    return str(names.get(lang) or names.get("vi") or named.get("code") or "")


def _point(label: str, view: Mapping[str, Any], strong: bool = False) -> charts.Point:
    return charts.Point(
        label=label,
        estimate=view["estimate"],
        low=view["low"],
        high=view["high"],
        state=view["state"],
        value=view["value"],
        note=view["note"] if view["state"] == "suppress" else "",
        strong=strong,
    )


def wave_view(
    snapshot: Mapping[str, Any],
    previous: Mapping[str, Any] | None,
    t: Translate,
    lang: Language,
    agency_href: Callable[[str], str],
    carried: Mapping[str, Mapping[str, Any]] | None = None,
    province_comparable: bool = True,
) -> dict[str, Any]:
    """The wave page: every agency's index with interval, n, flag and reason, the province figure, the
    change against the previous published wave, and a chart of the same numbers. ``carried``: for agencies
    absent from the previous wave because the map changed, the previous figure computed from their
    predecessor units (``api.publication.across_maps.carried_view`` with the figure as ``raw``); the row
    keeps it as ``carried`` so that the page labels the change. ``province_comparable`` False: the previous
    wave is on another map, whose province is not this one (no province change is shown)."""
    earlier = {a["code"]: a["overall"] for a in (previous or {}).get("agencies", [])}
    rows = []
    for agency in snapshot["agencies"]:
        view = figure_view(agency["overall"], t, lang)
        before = earlier.get(agency["code"])
        bridged = (carried or {}).get(agency["code"]) if before is None else None
        rows.append(
            {
                "code": agency["code"],
                "name": _name(agency, lang),
                "href": agency_href(agency["code"]),
                "figure": view,
                "change": change_view(agency["overall"], bridged["raw"] if bridged else before, t, lang),
                "carried": bridged,
            }
        )
    # Published figures by value, highest first, then the suppressed ones by name. Overlapping intervals
    # are not a ranking: the page says so above the table.
    rows.sort(key=lambda r: (r["figure"]["estimate"] is None, -(r["figure"]["estimate"] or 0.0), r["name"]))
    province = snapshot["province"].get("index")
    province_view = figure_view(province, t, lang) if province else None
    previous_province = ((previous or {}).get("province") or {}).get("index") if province_comparable else None
    reference = None
    if province_view and province_view["estimate"] is not None:
        reference = (float(province_view["estimate"]), t("pub_province_line", value=province_view["value"]))
    chart = charts.dot_whisker(
        [_point(r["name"], r["figure"]) for r in rows],
        chart_id="pub-wave-chart",
        title=t("pub_chart_wave"),
        desc=t("pub_chart_wave_desc"),
        axis_label=t("pub_axis"),
        tick_label=tick(lang),
        reference=reference,
    )
    return {
        "rows": rows,
        "province": province_view,
        "province_agencies": (province or {}).get("agencies"),
        "province_change": change_view(province, previous_province, t, lang),
        "chart": chart,
    }


def agency_view(agency: Mapping[str, Any], t: Translate, lang: Language) -> dict[str, Any]:
    """The agency page: overall, elements (chart and table), criteria by element, perception items."""
    overall = figure_view(agency["overall"], t, lang)
    elements = [
        {"code": e["code"], "label": _name(e, lang), "figure": figure_view(e, t, lang)}
        for e in agency["elements"]
    ]
    chart = charts.dot_whisker(
        [_point(t("pub_overall"), overall, strong=True)]
        + [_point(e["label"], e["figure"]) for e in elements],
        chart_id="pub-agency-chart",
        title=t("pub_chart_agency"),
        desc=t("pub_chart_agency_desc"),
        axis_label=t("pub_axis"),
        tick_label=tick(lang),
    )
    by_element: dict[str | None, list[dict[str, Any]]] = {}
    for c in agency["criteria"]:
        by_element.setdefault(c.get("element"), []).append(
            {
                "code": c["code"],
                "label": _name(c, lang),
                "figure": figure_view(c, t, lang),
                "dont_know": format_number(c.get("dont_know", 0), lang, 0),
            }
        )
    groups = [{"label": e["label"], "criteria": by_element.pop(e["code"], [])} for e in elements]
    if by_element:  # criteria outside any element (a questionnaire without elements)
        groups.append(
            {"label": t("pub_other_criteria"), "criteria": [c for cs in by_element.values() for c in cs]}
        )
    perception = [
        {
            "code": item["code"],
            "label": _name(item, lang),
            "options": [
                {"label": _name(o, lang), "figure": figure_view(o, t, lang)} for o in item["options"]
            ],
        }
        for item in agency.get("perception", [])
    ]
    return {
        "code": agency["code"],
        "name": _name(agency, lang),
        "overall": overall,
        "elements": elements,
        "chart": chart,
        "groups": [g for g in groups if g["criteria"]],
        "perception": perception,
    }


def quoted(code: str) -> str:
    return quote(code, safe="")


def versions_view(
    versions: Sequence[Any], t: Translate, lang: Language, href: Callable[[int], str]
) -> list[dict[str, Any]]:
    """The public changelog: every published version, newest first, with what a correction changed."""
    return [
        {
            "version": v.version,
            "href": href(v.version),
            "published": v.published_at.strftime("%Y-%m-%d %H:%M UTC") if v.published_at else "",
            "hash": v.snapshot_hash,
            "changes": (v.changelog_en if lang == "en" and v.changelog_en else v.changelog_vi)
            or t("pub_first_version"),
        }
        for v in reversed(versions)
    ]
