"""The frozen snapshot of a wave's results: what the public pages, the open data and the badges show.

Built once, when a statistician prepares a release, from the same loader the scorecards use
(:func:`survey_engine.results.scorecards.report_data`: the probability series when the wave has weights,
else the self-selected one, labelled). After that nothing is estimated again: every public view reads the
stored JSON. The document is plain JSON (``SCHEMA``, documented in docs/open-data.md) and holds only
aggregates: indices with intervals, sample sizes and publication flags. Nothing a respondent wrote
(free-text answers, demographics) is ever put in, and a figure the publication rule suppresses keeps
only its n, flag and reason: its estimate and interval are left out, so they cannot leak through the open
data either.

Canonical form: keys sorted, no spaces, UTF-8; the SHA-256 of those bytes is the release's hash, so
anyone can check a downloaded file against the hash printed on the page.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from sampling.contrasts import linear_combination
from sampling.results import Estimate, EstimateSet
from survey_engine.results.analysis import OVERALL
from survey_engine.results.scorecards import DesignNote, WaveReport

__all__ = ["LICENCE", "SCHEMA", "build_snapshot", "canonical", "figure", "snapshot_hash"]

SCHEMA = "sipas-results/1"
LICENCE = {
    "id": "CC-BY-4.0",
    "name": "Creative Commons Attribution 4.0 International",
    "url": "https://creativecommons.org/licenses/by/4.0/",
}
DOMAIN = "agency"


def canonical(document: Mapping[str, Any]) -> str:
    """The one text form of a snapshot: sorted keys, no spaces, non-ASCII kept (UTF-8)."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def snapshot_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _finite(x: float | None) -> float | None:
    return float(x) if x is not None and math.isfinite(x) else None


def figure(e: Estimate | None) -> dict[str, Any]:
    """An estimate as the public sees it. Suppressed (or not estimable) figures keep n, flag and reason
    only; a figure to be read with care (``review``) keeps its numbers and says why."""
    if e is None:
        return {
            "estimate": None,
            "se": None,
            "ci_low": None,
            "ci_high": None,
            "n": 0,
            "flag": "suppress",
            "flag_reason": "no responses",
        }
    flag = e.flag if e.flag in ("review", "suppress") else None
    estimate = _finite(e.estimate)
    if estimate is None and flag is None:
        flag = "suppress"
    shown = flag != "suppress"
    return {
        "estimate": estimate if shown else None,
        "se": _finite(e.se) if shown else None,
        "ci_low": _finite(e.ci_low) if shown else None,
        "ci_high": _finite(e.ci_high) if shown else None,
        "n": int(e.n),
        "flag": flag,
        "flag_reason": (e.flag_reason or ("not estimable" if estimate is None else None)) if flag else None,
    }


def _find(estimates: EstimateSet, variable: str, agency: str) -> Estimate | None:
    try:
        return estimates.estimates[estimates.find(variable, {DOMAIN: agency})]
    except KeyError:
        return None


def province_figure(groups: EstimateSet, agencies: Sequence[str]) -> dict[str, Any] | None:
    """The province figure: the unweighted mean of the agencies' published SIPAS indices, with its interval
    from the joint linearisation (as the province summary prints it); None with fewer than two."""
    published = []
    for code in agencies:
        e = _find(groups, OVERALL, code)
        if e is not None and e.flag != "suppress" and math.isfinite(e.estimate):
            published.append(groups.find(OVERALL, {DOMAIN: code}))
    if len(published) < 2:
        return None
    mean = linear_combination(groups, {i: 1.0 / len(published) for i in published}, label="SIPAS mean")
    return {**figure(mean.estimate), "agencies": len(published)}


def _method(report: WaveReport) -> dict[str, Any]:
    statistics = report.statistics
    design = statistics.design
    if isinstance(design, DesignNote):
        design_out: dict[str, Any] = {
            "label": {"vi": design.label_vi, "en": design.label_en},
            "psu": design.psu,
            "variance": design.variance,
            "variance_params": dict(design.variance_params),
        }
    else:
        design_out = {
            "label": {"vi": design[0], "en": design[1]},
            "psu": None,
            "variance": None,
            "variance_params": {},
        }
    weighting = statistics.weighting
    level = next((e.level for e in statistics.result.groups.estimates), 0.95)
    return {
        "series": statistics.series,
        "probability_sample": statistics.series == "probability",
        "design": design_out,
        "weighting": weighting if isinstance(weighting, str) else {"vi": weighting[0], "en": weighting[1]},
        "aggregation": {"vi": report.aggregation[0], "en": report.aggregation[1]},
        "measure": statistics.result.measure,
        "level": level,
        "publication_rule": "nchs-2017",
    }


def _agency(report: WaveReport, code: str) -> dict[str, Any]:
    result = report.statistics.result
    agency = next(a for a in report.agencies if a.code == code)
    element_codes = [e for e, _ in report.layout.elements]
    dont_know = {d.criterion: d.count for d in result.dont_know if dict(d.domain) == {DOMAIN: code}}
    perception = [
        {
            "code": item.code,
            "label": dict(item.label),
            "options": [
                {
                    "code": option,
                    "label": dict(labels),
                    **figure(report.shares.get((item.code, option, code))),
                }
                for option, labels in item.options
            ],
        }
        for item in report.perception
    ]
    return {
        "code": agency.code,
        "name": {"vi": agency.name_vi, "en": agency.name_en},
        "level": agency.level,
        "overall": figure(_find(result.groups, OVERALL, code)),
        "elements": [
            {
                "code": element,
                "label": {
                    "vi": report.element_labels.get(element, ("", ""))[0],
                    "en": report.element_labels.get(element, ("", ""))[1],
                },
                **figure(_find(result.groups, element, code)),
            }
            for element in element_codes
        ],
        "criteria": [
            {
                "code": criterion,
                "element": report.element_of.get(criterion),
                "label": {
                    "vi": report.criterion_labels.get(criterion, ("", ""))[0],
                    "en": report.criterion_labels.get(criterion, ("", ""))[1],
                },
                "dont_know": int(dont_know.get(criterion, 0)),
                **figure(_find(result.criteria, criterion, code)),
            }
            for criterion in report.layout.codes
        ],
        "perception": perception,
    }


def build_snapshot(report: WaveReport, data_version: str) -> dict[str, Any]:
    """The snapshot document of a wave report (pure: no database, no clock; the release adds its version,
    times and people around it)."""
    codes = [a.code for a in report.agencies]
    return {
        "schema": SCHEMA,
        "licence": LICENCE,
        "wave": {
            "code": report.wave.code,
            "name": {"vi": report.wave.name_vi, "en": report.wave.name_en},
            "period_start": report.wave.period_start.isoformat(),
            "period_end": report.wave.period_end.isoformat(),
            "questionnaire": report.questionnaire,
        },
        "province": {
            "name": {"vi": report.province_vi, "en": report.province_en},
            "index": province_figure(report.statistics.result.groups, codes),
        },
        "method": _method(report),
        "data_version": data_version,
        "agencies": [_agency(report, code) for code in codes],
    }
