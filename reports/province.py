"""Province summary: every agency's SIPAS index in one chart with intervals and one table (A4 PDF).

Agencies are sorted by their index, but each bar carries its 95 % interval and the page says that
overlapping intervals are not significant differences; the only significance statement per agency comes
from the interval of its difference to the provincial mean (when given). Suppressed agencies go last with
``—`` and their reason.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

from reports.charts import ChartRow, interval_chart
from reports.fonts import SANS_BOLD, register_fonts
from reports.numbers import DASH, Language, format_count, format_interval, format_number, format_period
from reports.scorecard import scorecard_filename
from reports.scorecard_data import (
    AgencyInfo,
    Contrast,
    Figure,
    IndexScale,
    MethodNote,
    WaveInfo,
    nfc_strings,
)
from reports.scorecard_layout import (
    FRAME_WIDTH,
    TABLE_BASE,
    cell_text,
    draw_footer,
    page_band,
    report_document,
    scorecard_styles,
)
from reports.scorecard_texts import TEXTS, Notes, localised

__all__ = ["ProvinceRow", "ProvinceSummaryData", "province_filename", "render_province_summary"]

CHART_ROWS_PER_PAGE = 44
SHORT_LEVELS: dict[str, dict[str, str]] = {
    "province": {"vi": "Cấp tỉnh", "en": "Province"},
    "district": {"vi": "Cấp huyện", "en": "District"},
    "commune": {"vi": "Cấp xã", "en": "Commune"},
}

P_TEXTS: dict[str, dict[str, str]] = {
    "title": {
        "vi": "Tổng hợp Chỉ số SIPAS các cơ quan trong tỉnh",
        "en": "SIPAS index of every agency in the province",
    },
    "chart": {"vi": "Chỉ số SIPAS theo cơ quan", "en": "SIPAS index by agency"},
    "title_scores": {
        "vi": "Tổng hợp chỉ số chung các cơ quan trong tỉnh",
        "en": "Overall index of every agency in the province",
    },
    "chart_scores": {"vi": "Chỉ số chung theo cơ quan", "en": "Overall index by agency"},
    "chart_note_scores": {
        "vi": "Thanh: điểm; vạch ngang: khoảng tin cậy 95 %; đường đứt: trung bình tỉnh.",
        "en": "Bar: score; whisker: 95% confidence interval; dashed line: province mean.",
    },
    "overlap": {
        "vi": "Các cơ quan được sắp xếp theo chỉ số, nhưng hai cơ quan có khoảng tin cậy chồng lấn nhau "
        "không khác biệt có ý nghĩa thống kê: thứ tự giữa chúng không phải là xếp hạng. "
        "Cột “So với trung bình tỉnh” dựa trên khoảng tin cậy của chênh lệch.",
        "en": "Agencies are sorted by their index, but agencies whose intervals overlap are not "
        "significantly different: their order is not a ranking. "
        "The column “vs province mean” is based on the interval of the difference.",
    },
    "chart_note": {
        "vi": "Thanh: chỉ số (%); vạch ngang: khoảng tin cậy 95 %; đường đứt: trung bình tỉnh.",
        "en": "Bar: index (%); whisker: 95% confidence interval; dashed line: province mean.",
    },
    "table": {"vi": "Bảng chỉ số", "en": "Table of indices"},
    "col_agency": {"vi": "Cơ quan", "en": "Agency"},
    "col_level": {"vi": "Cấp", "en": "Level"},
    "col_vs": {"vi": "So với TB tỉnh", "en": "vs province mean"},
    "mean": {"vi": "Trung bình tỉnh", "en": "Province mean"},
    "above": {"vi": "Cao hơn*", "en": "Above*"},
    "below": {"vi": "Thấp hơn*", "en": "Below*"},
    "not-different": {"vi": "Không khác biệt", "en": "Not different"},
    "star": {
        "vi": "*: khác biệt có ý nghĩa thống kê ở mức 5 % so với trung bình tỉnh.",
        "en": "*: significantly different from the province mean at the 5% level.",
    },
    # A series that is not a probability sample: the same marks, descriptive only.
    "above_descriptive": {"vi": "Cao hơn†", "en": "Above†"},
    "below_descriptive": {"vi": "Thấp hơn†", "en": "Below†"},
    "not-different_descriptive": {"vi": "Không thấy khác biệt rõ†", "en": "No clear difference†"},
    "star_descriptive": {
        "vi": "†: chỉ mang tính mô tả: các câu trả lời không phải mẫu xác suất, nên chênh lệch so với trung "
        "bình tỉnh chỉ mô tả các phiếu đã nhận, không phải kết luận có ý nghĩa thống kê.",
        "en": "†: descriptive only: the responses are not a probability sample, so a difference from the "
        "province mean describes the responses received and is not a statistically significant result.",
    },
    "agencies": {"vi": "Số cơ quan", "en": "Agencies"},
}


@dataclass(frozen=True)
class ProvinceRow:
    agency: AgencyInfo
    sipas: Figure
    vs_mean: Contrast | None = None  # agency − province mean


@dataclass(frozen=True)
class ProvinceSummaryData:
    province_name_vi: str
    province_name_en: str
    wave: WaveInfo
    unit_version: str
    rows: tuple[ProvinceRow, ...]
    province_mean: Figure | None = None
    method: MethodNote | None = None
    lang: Language = "vi"
    index: IndexScale = field(default_factory=IndexScale)  # how the overall index reads (default: SIPAS, %)

    def __post_init__(self) -> None:
        nfc_strings(self)
        object.__setattr__(self, "rows", tuple(self.rows))
        if self.lang not in ("vi", "en"):
            raise ValueError("lang must be 'vi' or 'en'")


def province_filename(wave: str, lang: Language) -> str:
    """``province-summary-{wave}-{lang}.pdf``."""
    return (
        scorecard_filename(wave, "x", lang).replace("scorecard-", "province-summary-", 1).replace("-x-", "-")
    )


def sorted_rows(rows: tuple[ProvinceRow, ...]) -> list[ProvinceRow]:
    def key(row: ProvinceRow) -> tuple[int, float, str]:
        shown = not row.sipas.suppressed and row.sipas.estimate is not None
        return (0 if shown else 1, -(row.sipas.estimate or 0.0) if shown else 0.0, row.agency.code)

    return sorted(rows, key=key)


def _name(agency: AgencyInfo, lang: Language) -> str:
    return agency.name_vi if lang == "vi" else agency.name_en


def render_province_summary(
    data: ProvinceSummaryData, lang: Language | None = None, *, invariant: bool = False
) -> bytes:
    """The province summary as A4 PDF bytes."""
    lang = lang or data.lang
    if lang not in ("vi", "en"):
        raise ValueError("lang must be 'vi' or 'en'")
    register_fonts()
    styles = scorecard_styles()
    notes = Notes(lang)
    rows = sorted_rows(data.rows)
    mean = data.province_mean
    mean_value = None if mean is None or mean.suppressed else mean.estimate

    def p(text: str, style: str) -> Paragraph:
        return Paragraph(text, styles[style])

    scores = not data.index.percent

    def word(key: str) -> str:
        return P_TEXTS[f"{key}_scores" if scores else key][lang]

    story: list[Any] = [
        page_band(
            data.province_name_vi if lang == "vi" else data.province_name_en,
            word("title"),
            f"{TEXTS['wave'][lang]}: {_wave_name(data.wave, lang)} ({data.wave.code}, "
            f"{format_period(data.wave.period_start, data.wave.period_end, lang)}) · "
            f"{TEXTS['units'][lang]} {data.unit_version}",
        ),
        Spacer(1, 8),
        p(escape(P_TEXTS["overlap"][lang]), "body"),
    ]
    chart_rows = []
    for row in rows:
        note = notes.for_figure(row.sipas)
        fig = row.sipas
        chart_rows.append(
            ChartRow(
                label=_name(row.agency, lang),
                estimate=None if fig.suppressed else fig.estimate,
                ci_low=fig.ci_low,
                ci_high=fig.ci_high,
                suppressed=fig.suppressed,
                review=fig.flag == "review",
                note=note,
            )
        )
    reference_label = f"{P_TEXTS['mean'][lang]} {format_number(mean_value, lang)}" if mean_value else None
    for start in range(0, max(len(chart_rows), 1), CHART_ROWS_PER_PAGE):
        chunk = chart_rows[start : start + CHART_ROWS_PER_PAGE]
        heading = word("chart") + (f" ({start + 1}–{start + len(chunk)})" if len(rows) > len(chunk) else "")
        story.append(
            KeepTogether(
                [
                    p(escape(heading), "h1"),
                    interval_chart(
                        chunk,
                        FRAME_WIDTH,
                        lang,
                        label_width=FRAME_WIDTH * 0.4,
                        row_height=16.0,
                        font_size=7.5,
                        reference=mean_value,
                        reference_label=reference_label,
                        axis_max=data.index.high,
                    ),
                ]
            )
        )
    story.append(p(escape(word("chart_note")), "small"))

    header = [
        P_TEXTS["col_agency"][lang],
        P_TEXTS["col_level"][lang],
        "SIPAS (%)" if not scores else f"{localised(data.index, lang, 'name')}",
        TEXTS["ci"][lang],
        "n",
        P_TEXTS["col_vs"][lang],
        TEXTS["col_note"][lang],
    ]
    table_rows: list[list[Any]] = [header]
    # On a series that is not a probability sample the marks are descriptive (†), and say so.
    suffix = "_descriptive" if data.method is not None and data.method.descriptive else ""
    for row in rows:
        fig = row.sipas
        note = notes.for_figure(fig)
        verdict = None if fig.suppressed or row.vs_mean is None else row.vs_mean.verdict
        level = SHORT_LEVELS.get(row.agency.level, {"vi": row.agency.level, "en": row.agency.level})[lang]
        table_rows.append(
            [
                cell_text(_name(row.agency, lang), FRAME_WIDTH - 300),
                cell_text(level, 55),
                DASH if fig.suppressed else format_number(fig.estimate, lang),
                DASH if fig.suppressed else format_interval(fig.ci_low, fig.ci_high, lang),
                format_count(fig.n, lang),
                P_TEXTS[verdict + suffix][lang] if verdict else DASH,
                f"({note})" if note else "",
            ]
        )
    if mean is not None:
        table_rows.append(
            [
                P_TEXTS["mean"][lang],
                "",
                DASH if mean.suppressed else format_number(mean.estimate, lang),
                DASH if mean.suppressed else format_interval(mean.ci_low, mean.ci_high, lang),
                "",
                "",
                "",
            ]
        )
    table = Table(table_rows, colWidths=[FRAME_WIDTH - 300, 55, 48, 64, 35, 68, 30], repeatRows=1)
    style = [*TABLE_BASE, ("ALIGN", (2, 0), (4, -1), "RIGHT"), ("ALIGN", (6, 0), (6, -1), "CENTER")]
    if mean is not None:
        style.append(("FONTNAME", (0, -1), (-1, -1), SANS_BOLD))
    table.setStyle(TableStyle(style))
    story += [
        p(escape(P_TEXTS["table"][lang]), "h1"),
        Spacer(1, 3),
        table,
        p(escape(P_TEXTS["star" + suffix][lang]), "small"),
    ]
    if data.method is not None:
        m = data.method
        story.append(p(escape(TEXTS["method"][lang]), "h1"))
        for key, value in (
            ("design", m.design_vi if lang == "vi" else m.design_en),
            ("channels", m.channels_vi if lang == "vi" else m.channels_en),
            ("weighting", m.weighting_vi if lang == "vi" else m.weighting_en),
            ("aggregation", m.aggregation_vi if lang == "vi" else m.aggregation_en),
            ("publication", m.publication_vi if lang == "vi" else m.publication_en),
        ):
            if value:
                story.append(p(f"<b>{escape(TEXTS[key][lang])}:</b> {escape(value)}", "small"))
    if notes.items:
        story.append(Spacer(1, 6))
        story.append(p(escape(TEXTS["notes"][lang]), "h2"))
        story += [p(f"({i}) {escape(text)}", "small") for i, text in enumerate(notes.items, 1)]

    buffer = io.BytesIO()
    doc = report_document(
        buffer,
        f"{P_TEXTS['title' if data.index.percent else 'title_scores'][lang]} — {data.wave.code}",
        lang,
        invariant,
    )
    heading = P_TEXTS["title" if data.index.percent else "title_scores"][lang]
    decorate = _footer(f"SIPAS · {data.wave.code} · {heading}", TEXTS["page"][lang])
    doc.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()


def _wave_name(wave: WaveInfo, lang: Language) -> str:
    return wave.name_vi if lang == "vi" else wave.name_en


def _footer(left: str, page_word: str) -> Any:
    def draw(canvas: Any, doc: Any) -> None:
        draw_footer(canvas, left, f"{page_word} {doc.page}")

    return draw
