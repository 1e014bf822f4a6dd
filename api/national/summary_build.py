"""The national summary PDF's data from a national roll-up (words from the catalogues and the engine)."""

from __future__ import annotations

from api.results.scorecard_build import index_scale
from api.web.i18n import translator
from reports.national import NationalRow, NationalSummaryData, national_filename, render_national_summary
from reports.numbers import Language
from reports.scorecard_data import Figure
from sampling.results import Estimate
from survey_engine.national.rollup import NationalResult
from survey_engine.national.view import WEIGHTING_WORDS
from survey_engine.results.series_design import SERIES_LABELS

__all__ = ["national_pdf", "summary_filename", "summary_from_result"]


def _figure(e: Estimate | None) -> Figure:
    if e is None:
        return Figure(None)
    flag = e.flag if e.flag in ("review", "suppress") else None
    return Figure(
        e.estimate,
        e.ci_low,
        e.ci_high,
        n=e.n,
        se=e.se,
        flag=flag,  # type: ignore[arg-type]
        flag_reason=(e.flag_reason or e.flag) if flag else None,
    )


def round_words(result: NationalResult, lang: str) -> str:
    t = translator(lang)
    if result.year is not None:
        return str(t("nat_round_year", year=result.year, questionnaire=result.questionnaire))
    return str(t("nat_round_waves", waves=", ".join(p.wave for p in result.provinces)))


def summary_from_result(result: NationalResult, lang: Language) -> NationalSummaryData:
    overall = result.overall
    return NationalSummaryData(
        round_vi=round_words(result, "vi"),
        round_en=round_words(result, "en"),
        period_start=result.period_start,
        period_end=result.period_end,
        national=_figure(overall),
        rows=tuple(
            NationalRow(
                code=p.code,
                name_vi=p.name_vi,
                name_en=p.name_en,
                figure=_figure(p.overall),
                rank_best=p.rank.best if p.rank else None,
                rank_worst=p.rank.worst if p.rank else None,
            )
            for p in result.provinces
        ),
        responses=result.rows,
        weighting_vi=WEIGHTING_WORDS[result.weighting]["vi"],
        weighting_en=WEIGHTING_WORDS[result.weighting]["en"],
        series_vi=SERIES_LABELS[result.series]["vi"],
        series_en=SERIES_LABELS[result.series]["en"],
        descriptive=result.inference == "descriptive",
        level=result.level,
        missing=tuple((vi, en) for _, vi, en in result.missing),
        lang=lang,
        index=index_scale(result.layout, None),
    )


def national_pdf(result: NationalResult, lang: Language) -> bytes:
    return render_national_summary(summary_from_result(result, lang), lang)


def summary_filename(result: NationalResult, lang: Language) -> str:
    label = str(result.year) if result.year is not None else "-".join(p.wave for p in result.provinces)[:80]
    return national_filename(label, lang)
