"""National summary: the national index and every province's, with rank ranges, on A4 (Vietnamese or English).

One chart of the provinces' indices with their intervals and, beside it, a table row for row: the rank
range (never a bare rank when the province is not distinguishable from others), the index, its interval
and the responses. The page says in plain words how the national index was formed (provinces stacked,
each with its own weights), how provinces weigh against each other, and how to read a rank range. A
series that is not a probability sample is marked descriptive. Built from the same blocks as the province
summary (:mod:`reports.province`): band, styles, interval chart, table style, footer.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from xml.sax.saxutils import escape

from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from reports.charts import ChartRow, interval_chart
from reports.fonts import register_fonts
from reports.numbers import DASH, Language, format_count, format_interval, format_number, format_period
from reports.scorecard_data import Figure, IndexScale, nfc_strings
from reports.scorecard_layout import (
    FRAME_WIDTH,
    TABLE_BASE,
    draw_footer,
    page_band,
    report_document,
    scorecard_styles,
)
from reports.scorecard_texts import TEXTS, localised

__all__ = ["NationalRow", "NationalSummaryData", "national_filename", "render_national_summary"]

ROWS_PER_PAGE = 40
_ROW_HEIGHT = 14.0
_CHART_TOP = 14.0  # the chart's room above its first bar when it draws a reference line
_CHART_SHARE = 0.62  # of the frame's width; the table takes the rest

N_TEXTS: dict[str, dict[str, str]] = {
    "band": {"vi": "Toàn quốc", "en": "National"},
    "title": {"vi": "Chỉ số SIPAS toàn quốc và các tỉnh", "en": "National and provincial SIPAS index"},
    "title_scores": {
        "vi": "Chỉ số chung toàn quốc và các tỉnh",
        "en": "National and provincial overall index",
    },
    "national": {"vi": "Toàn quốc", "en": "National"},
    "chart": {"vi": "Chỉ số theo tỉnh", "en": "Index by province"},
    "col_rank": {"vi": "Hạng", "en": "Rank"},
    "col_index": {"vi": "Chỉ số", "en": "Index"},
    "provinces": {"vi": "Số tỉnh", "en": "Provinces"},
    "responses": {"vi": "Số câu trả lời", "en": "Responses"},
    "ranking": {
        "vi": "Các tỉnh được sắp xếp theo chỉ số, nhưng thứ hạng được ghi bằng một khoảng: “3–7” nghĩa "
        "là không thể phân biệt tỉnh này với các tỉnh xếp từ hạng 3 đến hạng 7 — khác biệt giữa chúng "
        "không có ý nghĩa thống kê, nên thứ tự giữa chúng không phải là xếp hạng. Chỉ một con số (ví dụ "
        "“2”) khi hạng của tỉnh đã được xác định.",
        "en": "Provinces are sorted by their index, but each rank is given as a range: “3–7” means the "
        "province cannot be told apart from those ranked 3 to 7 — the differences between them are not "
        "statistically significant, so their order is not a ranking. A single number (such as “2”) only "
        "when the province's rank is established.",
    },
    "rule": {
        "vi": "Cách xếp hạng: mọi cặp tỉnh được so sánh bằng kiểm định chênh lệch (mẫu của hai tỉnh độc lập "
        "nhau), với hiệu chỉnh Bonferroni cho tất cả các cặp, nên toàn bộ các khoảng hạng cùng đúng với độ "
        "tin cậy {level}. Khoảng hạng của một tỉnh đi từ 1 + số tỉnh cao hơn rõ rệt đến số tỉnh trừ số tỉnh "
        "thấp hơn rõ rệt.",
        "en": "How ranks are set: every pair of provinces is compared with a test of their difference (the "
        "provinces' samples are independent), Bonferroni-corrected over all pairs, so all rank ranges hold "
        "together with {level} confidence. A province's range runs from 1 + the provinces clearly above it "
        "to the number of provinces minus those clearly below it.",
    },
    "stacking": {
        "vi": "Chỉ số toàn quốc được tính trên mẫu gộp của các tỉnh: mỗi tỉnh giữ thiết kế mẫu riêng (tầng "
        "là tỉnh × tầng của đợt khảo sát, đơn vị mẫu cấp 1 lồng trong tầng) và trọng số riêng.",
        "en": "The national index is computed on the provinces' samples stacked together: each province "
        "keeps its own design (strata are province × the wave's own strata, first-stage units nested in "
        "them) and its own weights.",
    },
    "descriptive": {
        "vi": "Chỉ mang tính mô tả: các câu trả lời không phải mẫu xác suất, nên chỉ số và khoảng hạng mô tả "
        "các phiếu đã nhận, không phải kết luận về toàn bộ người sử dụng dịch vụ.",
        "en": "Descriptive only: the responses are not a probability sample, so the indices and rank ranges "
        "describe the responses received, not all service users.",
    },
    "missing": {
        "vi": "Các tỉnh không có đợt khảo sát trong kỳ",
        "en": "Provinces without a wave in the round",
    },
    "chart_note": {
        "vi": "Thanh: chỉ số; vạch ngang: khoảng tin cậy {level}; đường đứt: toàn quốc.",
        "en": "Bar: index; whisker: {level} confidence interval; dashed line: national.",
    },
    "ci": {"vi": "KTC {level}", "en": "{level} CI"},
}


@dataclass(frozen=True)
class NationalRow:
    """One province: its index and rank range (``rank_best`` None: not ranked, e.g. suppressed)."""

    code: str
    name_vi: str
    name_en: str
    figure: Figure
    rank_best: int | None = None
    rank_worst: int | None = None

    def __post_init__(self) -> None:
        nfc_strings(self)


@dataclass(frozen=True)
class NationalSummaryData:
    round_vi: str  # what the round is, e.g. "Năm 2026, bộ câu hỏi sipas-2023"
    round_en: str
    period_start: date
    period_end: date
    national: Figure
    rows: tuple[NationalRow, ...]  # in rank order
    responses: int
    weighting_vi: str
    weighting_en: str
    series_vi: str
    series_en: str
    descriptive: bool
    level: float = 0.95
    missing: tuple[tuple[str, str], ...] = ()  # (name_vi, name_en)
    lang: Language = "vi"
    index: IndexScale = field(default_factory=IndexScale)

    def __post_init__(self) -> None:
        nfc_strings(self)
        object.__setattr__(self, "rows", tuple(self.rows))
        object.__setattr__(self, "missing", tuple(self.missing))
        if self.lang not in ("vi", "en"):
            raise ValueError("lang must be 'vi' or 'en'")


def national_filename(label: str, lang: Language) -> str:
    """``national-summary-{label}-{lang}.pdf`` (label: the year or the round's name, made file-safe)."""
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in label).strip("-") or "round"
    return f"national-summary-{safe}-{lang}.pdf"


def rank_label(row: NationalRow) -> str:
    if row.rank_best is None or row.rank_worst is None:
        return DASH
    return str(row.rank_best) if row.rank_best == row.rank_worst else f"{row.rank_best}–{row.rank_worst}"


def _level_text(level: float, lang: Language) -> str:
    return f"{format_number(level * 100, lang, 0)} %" if lang == "vi" else f"{level * 100:.0f}%"


def _side_by_side(
    rows: list[NationalRow], data: NationalSummaryData, lang: Language, mean: float | None
) -> Table:
    """The chart (left) and the table (right), row for row."""
    chart_width = FRAME_WIDTH * _CHART_SHARE
    chart = interval_chart(
        [
            ChartRow(
                label=r.name_vi if lang == "vi" else r.name_en,
                estimate=None if r.figure.suppressed else r.figure.estimate,
                ci_low=r.figure.ci_low,
                ci_high=r.figure.ci_high,
                suppressed=r.figure.suppressed,
                review=r.figure.flag == "review",
            )
            for r in rows
        ],
        chart_width,
        lang,
        label_width=chart_width * 0.42,
        row_height=_ROW_HEIGHT,
        font_size=7.0,
        reference=mean,
        reference_label=f"{N_TEXTS['national'][lang]} {format_number(mean, lang)}"
        if mean is not None
        else None,
        axis_min=data.index.low,
        axis_max=data.index.high,
    )
    ci = N_TEXTS["ci"][lang].format(level=_level_text(data.level, lang))
    header = [N_TEXTS["col_rank"][lang], N_TEXTS["col_index"][lang], ci, "n"]
    body = [
        [
            rank_label(r),
            DASH if r.figure.suppressed else format_number(r.figure.estimate, lang),
            DASH if r.figure.suppressed else format_interval(r.figure.ci_low, r.figure.ci_high, lang),
            format_count(r.figure.n, lang),
        ]
        for r in rows
    ]
    table_width = FRAME_WIDTH - chart_width
    table = Table(
        [header, *body],
        colWidths=[table_width * 0.2, table_width * 0.2, table_width * 0.38, table_width * 0.22],
        rowHeights=[_CHART_TOP, *([_ROW_HEIGHT] * len(body))],
    )
    table.setStyle(
        TableStyle(
            [
                *TABLE_BASE,
                ("FONTSIZE", (0, 0), (-1, -1), 7),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("ALIGN", (0, 0), (-1, -1), "RIGHT"),
            ]
        )
    )
    outer = Table([[chart, table]], colWidths=[chart_width, table_width])
    outer.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return outer


def render_national_summary(
    data: NationalSummaryData, lang: Language | None = None, *, invariant: bool = False
) -> bytes:
    """The national summary as A4 PDF bytes."""
    lang = lang or data.lang
    if lang not in ("vi", "en"):
        raise ValueError("lang must be 'vi' or 'en'")
    register_fonts()
    styles = scorecard_styles()

    def p(text: str, style: str) -> Paragraph:
        return Paragraph(text, styles[style])

    scores = not data.index.percent
    title = N_TEXTS["title_scores" if scores else "title"][lang]
    level = _level_text(data.level, lang)
    nat = data.national
    mean = None if nat.suppressed else nat.estimate
    unit = "" if scores else " %"
    headline = (
        f"<b>{escape(N_TEXTS['national'][lang])}: "
        f"{escape(DASH if mean is None else format_number(mean, lang) + unit)}</b>"
        + (
            ""
            if mean is None
            else f" ({escape(N_TEXTS['ci'][lang].format(level=level))} "
            f"{escape(format_interval(nat.ci_low, nat.ci_high, lang))})"
        )
        + f" · {escape(N_TEXTS['provinces'][lang])}: {len(data.rows)}"
        + f" · {escape(N_TEXTS['responses'][lang])}: {escape(format_count(data.responses, lang))}"
    )
    story: list[Any] = [
        page_band(
            N_TEXTS["band"][lang],
            title,
            f"{data.round_vi if lang == 'vi' else data.round_en} · "
            f"{format_period(data.period_start, data.period_end, lang)} · "
            f"{localised(data.index, lang, 'name')}",
        ),
        Spacer(1, 8),
        p(headline, "body"),
        Spacer(1, 4),
    ]
    if data.descriptive:
        story.append(p(f"<b>{escape(N_TEXTS['descriptive'][lang])}</b>", "body"))
    story.append(p(escape(N_TEXTS["ranking"][lang]), "body"))
    rows = list(data.rows)
    for start in range(0, max(len(rows), 1), ROWS_PER_PAGE):
        chunk = rows[start : start + ROWS_PER_PAGE]
        heading = N_TEXTS["chart"][lang] + (
            f" ({start + 1}–{start + len(chunk)})" if len(rows) > len(chunk) else ""
        )
        story += [p(escape(heading), "h1"), _side_by_side(chunk, data, lang, mean)]
    story.append(p(escape(N_TEXTS["chart_note"][lang].format(level=level)), "small"))
    if data.missing:
        names = ", ".join(vi if lang == "vi" else en for vi, en in data.missing)
        story.append(p(f"<b>{escape(N_TEXTS['missing'][lang])}:</b> {escape(names)}", "small"))
    story.append(p(escape(TEXTS["method"][lang]), "h1"))
    for text in (
        data.series_vi if lang == "vi" else data.series_en,
        N_TEXTS["stacking"][lang],
        data.weighting_vi if lang == "vi" else data.weighting_en,
        N_TEXTS["rule"][lang].format(level=level),
    ):
        story.append(p(escape(text), "small"))

    buffer = io.BytesIO()
    doc = report_document(buffer, title, lang, invariant)

    def decorate(canvas: Any, doc: Any) -> None:
        draw_footer(canvas, f"SIPAS · {title}", f"{TEXTS['page'][lang]} {doc.page}")

    doc.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()
