"""The results pages' waves, series and links: the waves a staff member may choose (with a SIPAS-style
index), the chooser, the series notes, the download links and a page's estimates or the key of the message
that says why there are none."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from api.results.console_results_filters import accepts
from api.web.console_base import ROOT, Staff
from api.web.pages_common import PAGE_HEADERS
from reports.method_words import channels_text
from reports.numbers import Language, format_count
from survey_engine.errors import Conflict, InvalidInput
from survey_engine.results import analysis, catalogue
from survey_engine.results.estimates_cache import cached_wave_results
from survey_engine.results.scorecards import AgencyRow, WaveHeader
from survey_engine.results.series_channels import channel_totals
from survey_engine.wave_context import WaveContext

BASE = f"{ROOT}/results"
ANALYSTS = ("admin", "statistician")
SERIES = ("self-selected", "probability")
PRIVATE = {**PAGE_HEADERS, "Cache-Control": "private, no-store"}


def language(lang: str) -> Language:
    return "en" if lang == "en" else "vi"


def name_in(row: Mapping[str, Any], lang: str) -> str:
    if lang == "en" and row.get("name_en"):
        return str(row["name_en"])
    return str(row.get("name_vi") or row.get("code") or "")


def title_of(row: AgencyRow | WaveHeader, lang: str) -> str:
    """:func:`name_in` of an agency or wave of the results assembler."""
    return name_in({"code": row.code, "name_vi": row.name_vi, "name_en": row.name_en}, lang)


def series_or_default(value: str | None) -> str:
    return value if value in SERIES else "self-selected"


@dataclass(frozen=True)
class WaveChoice:
    code: str
    name: str
    period_start: str
    period_end: str
    questionnaire: str
    responses: int
    channels: tuple[str, ...]
    context: WaveContext  # parsed once for the list; the page showing the wave passes it on


async def index_waves(staff: Staff) -> list[WaveChoice]:
    """Waves the staff member may see whose questionnaire has a SIPAS-style index (top-box shares), newest
    first (:func:`survey_engine.results.catalogue.index_waves`), named in the page language."""
    return [
        WaveChoice(
            code=w.code,
            name=name_in({"code": w.code, "name_vi": w.name_vi, "name_en": w.name_en}, staff.lang),
            period_start=w.period_start,
            period_end=w.period_end,
            questionnaire=w.questionnaire,
            responses=w.responses,
            channels=w.channels,
            context=w.context,
        )
        for w in await catalogue.index_waves(staff.actor)
    ]


def default_wave(choices: Sequence[WaveChoice]) -> WaveChoice | None:
    """The latest wave with responses, else the latest wave."""
    for w in choices:
        if w.responses:
            return w
    return choices[0] if choices else None


def chooser(staff: Staff, choices: Sequence[WaveChoice], chosen: str, series: str) -> dict[str, Any]:
    t = staff.t
    return {
        "waves": [
            (
                w.code,
                t(
                    "res_wave_option",
                    code=w.code,
                    name=w.name,
                    n=format_count(w.responses, language(staff.lang)),
                ),
            )
            for w in choices
        ],
        "wave": chosen,
        "series_options": [(s, t(f"res_series_{s}")) for s in SERIES],
        "series": series,
    }


def estimates_csv_url(wave: str, series: str, by: Sequence[str] = ("agency",)) -> str:
    columns = [c for c in by if accepts(c)] or ["agency"]
    query = urlencode([("format", "csv"), ("series", series), *[("by", c) for c in columns]])
    return f"/api/v1/waves/{quote(wave, safe='')}/estimates?{query}"


def scorecard_url(wave: str, agency: str, lang: str) -> str:
    return f"/api/v1/waves/{quote(wave, safe='')}/scorecards/{quote(agency, safe='')}.pdf?lang={lang}"


def series_note(staff: Staff, series: str) -> dict[str, str]:
    """The series' label and note; for a series that is not a probability sample, the note that its
    comparison marks are descriptive (``channels`` is filled in once the estimates are known)."""
    return {
        "label": staff.t(f"res_series_{series}"),
        "note": staff.t(f"res_note_{series}"),
        "descriptive": staff.t("res_descriptive_note") if series != "probability" else "",
        "channels": "",
    }


def channels_line(staff: Staff, results: analysis.WaveResults, agency: str | None = None) -> str:
    """The channels present in the results' series (of one agency when given), counted from the data."""
    counts = {c.channel: c.responses for c in channel_totals(results.channels, agency)}
    if not counts:
        return ""
    words = channels_text(counts)[1 if staff.lang == "en" else 0]
    return staff.t("res_series_channels", channels=words)


async def page_estimate(
    wave: str | WaveContext, by: Sequence[str], series: str
) -> tuple[analysis.WaveResults | None, str]:
    """``wave_results`` or the key of the message that explains why there is nothing to show."""
    try:
        results = await cached_wave_results(wave, tuple(by), series)
    except Conflict:
        return None, "res_no_weights" if series == "probability" else "res_no_responses"
    except InvalidInput:
        return None, "res_not_index"
    if results.result is None:
        return None, "res_no_responses"
    return results, ""
