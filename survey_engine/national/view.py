"""The national roll-up as the API and the CLI answer it: one JSON document, and CSV rows."""

from __future__ import annotations

import csv
import io
from typing import Any

from sampling.results import Estimate
from survey_engine.national.rollup import NationalResult, ProvinceFigure
from survey_engine.results.series_design import SERIES_LABELS
from survey_engine.results.spreadsheet import csv_cells

__all__ = ["CSV_COLUMNS", "national_csv", "national_json", "rank_text"]

# How provinces weigh against each other, in words (both languages), by ``NationalResult.weighting``.
WEIGHTING_WORDS = {
    "population": {
        "vi": "Mỗi tỉnh đóng góp theo dân số người sử dụng dịch vụ mà trọng số của tỉnh ước lượng "
        "(chỉ số quốc gia có gia quyền theo dân số).",
        "en": "Each province counts by the population of service users its weights estimate "
        "(the national index is population-weighted).",
    },
    "responses": {
        "vi": "Không có trọng số dân số: mỗi tỉnh đóng góp theo số câu trả lời nhận được; chỉ số quốc gia "
        "chỉ mô tả các câu trả lời đã nhận.",
        "en": "No population weights: each province counts by the number of responses it received; the "
        "national index only describes the responses received.",
    },
}
RANKING_RULE = (
    "rank range from pairwise tests of differences between provinces (independent samples: SE of a "
    "difference = sqrt(SE_a^2 + SE_b^2)), Bonferroni over all P(P-1)/2 pairs at the stated level: all ranges "
    "hold together; provinces listed in 'peers' are not significantly different from the province"
)
CSV_COLUMNS = (
    "province",
    "name_vi",
    "name_en",
    "wave",
    "rows",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "df",
    "flag",
    "position",
    "rank_best",
    "rank_worst",
    "peers",
)


def rank_text(p: ProvinceFigure) -> str:
    """``3`` when the rank is established, ``1–7`` otherwise, empty without a rank."""
    if p.rank is None:
        return ""
    return str(p.rank.best) if p.rank.distinct else f"{p.rank.best}–{p.rank.worst}"


def _province(p: ProvinceFigure) -> dict[str, Any]:
    return {
        "province": p.code,
        "name": {"vi": p.name_vi, "en": p.name_en},
        "wave": p.wave,
        "rows": p.rows,
        "overall": None if p.overall is None else p.overall.to_dict(),
        "rank": None
        if p.rank is None
        else {
            "position": p.rank.position,
            "best": p.rank.best,
            "worst": p.rank.worst,
            "distinct": p.rank.distinct,
            "peers": list(p.rank.peers),
        },
    }


def national_json(result: NationalResult) -> dict[str, Any]:
    """The JSON document of ``GET /api/v1/national`` and ``sipas national --format json``."""
    return {
        "round": {
            "definition": result.definition,
            "year": result.year,
            "questionnaire": result.questionnaire,
            "waves": [p.wave for p in result.provinces],
            "period_start": result.period_start.isoformat(),
            "period_end": result.period_end.isoformat(),
            "missing": [{"province": c, "name": {"vi": vi, "en": en}} for c, vi, en in result.missing],
        },
        "series": result.series,
        "measure": result.measure,
        "level": result.level,
        "rows": result.rows,
        "design": {
            "stacking": "strata = province × the wave's own strata; PSUs nested in them; each province's "
            "own weights (R: svydesign(ids=~psu, strata=~prov_stratum, weights=~w, nest=TRUE))",
            "strata": result.strata,
            "psus": result.psus,
            "label": SERIES_LABELS[result.series],
            "weighting": result.weighting,
            "weighting_words": WEIGHTING_WORDS[result.weighting],
            "inference": result.inference,
            "ranking": RANKING_RULE,
        },
        "national": [e.to_dict() for e in result.national],
        "provinces": [_province(p) for p in result.provinces],
    }


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.6g}"


def national_csv(result: NationalResult) -> str:
    """One row per province, then the national row (``province`` = ``national``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)

    def numbers(e: Estimate | None) -> list[str]:
        if e is None:
            return ["", "", "", "", "", ""]
        df = "" if e.df is None else str(round(e.df))
        return [_fmt(e.estimate), _fmt(e.se), _fmt(e.ci_low), _fmt(e.ci_high), df, e.flag or ""]

    for p in result.provinces:
        rank = p.rank
        writer.writerow(
            csv_cells(
                [
                    p.code,
                    p.name_vi,
                    p.name_en,
                    p.wave,
                    str(p.rows),
                    *numbers(p.overall),
                    "" if rank is None else str(rank.position),
                    "" if rank is None else str(rank.best),
                    "" if rank is None else str(rank.worst),
                    "" if rank is None else " ".join(rank.peers),
                ]
            )
        )
    writer.writerow(
        csv_cells(["national", "", "", "", str(result.rows), *numbers(result.overall), "", "", "", ""])
    )
    return out.getvalue()
