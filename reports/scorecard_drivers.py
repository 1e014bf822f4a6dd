"""The "what drives satisfaction" section: an importance × performance chart with a table beside it.

Pure (ReportLab only): takes :class:`DriversSection` — figures computed by
:func:`sampling.glm_drivers.estimate_drivers` and labelled by the caller — and returns flowables in
Vietnamese or English. Both axes carry their intervals; the quadrant "high importance, low performance"
(where to act first) is shaded; the method and its limit (association, not cause) are said in plain words;
a suppressed domain gets the reason instead of figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Circle, Drawing, Group, Line, Rect, String
from reportlab.lib.colors import HexColor
from reportlab.platypus import Flowable, Table

from reports.fonts import SANS, SANS_BOLD, register_fonts
from reports.numbers import Language, format_interval, format_number
from reports.scorecard_layout import FRAME_WIDTH, TABLE_BASE, cell_text, paragraph, table_style
from reports.styles import MUTED, RULE, TEXT

__all__ = ["DRIVER_TEXTS", "DriverRow", "DriversSection", "drivers_chart", "drivers_section"]

ACT_FIRST_BG = HexColor("#FBE3E6")
ACT_FIRST = HexColor("#C8102E")
POINT = HexColor("#0B3C6F")

DRIVER_TEXTS: dict[str, dict[str, str]] = {
    "heading": {"vi": "Yếu tố nào gắn với sự hài lòng chung?", "en": "What goes with overall satisfaction?"},
    "importance": {"vi": "Mức quan trọng", "en": "Importance"},
    "performance": {"vi": "Mức thực hiện", "en": "Performance"},
    "element": {"vi": "Yếu tố", "en": "Element"},
    "act_first": {"vi": "Ưu tiên cải thiện", "en": "Act first"},
    "quadrant": {
        "vi": "Quan trọng cao, thực hiện thấp: ưu tiên cải thiện",
        "en": "High importance, low performance: act first",
    },
    "method": {
        "vi": (
            "Mức quan trọng: điểm hài lòng chung thay đổi bao nhiêu khi điểm của yếu tố cao hơn 1 điểm, các "
            "yếu tố khác giữ nguyên (hồi quy tuyến tính có trọng số theo thiết kế mẫu, {n} người trả lời). "
            "Mức thực hiện: điểm của yếu tố (0-100). Khoảng tin cậy 95% trên cả hai trục; đường đứt nét là "
            "mức trung bình của các yếu tố."
        ),
        "en": (
            "Importance: how much the overall satisfaction score differs per point of the element's score, "
            "the other elements held fixed (design-based linear regression, {n} respondents). Performance: "
            "the element's score (0-100). 95% intervals on both axes; dashed lines mark the elements' means."
        ),
    },
    "caution": {
        "vi": (
            "Đây là mối liên quan, không phải quan hệ nhân quả: các yếu tố thay đổi cùng nhau, nên một hệ số "
            "không cho biết điểm chung sẽ tăng bao nhiêu nếu cơ quan cải thiện yếu tố đó. Khoảng tin cậy "
            "rộng hoặc cắt qua 0 nghĩa là dữ liệu chưa đủ để kết luận."
        ),
        "en": (
            "This is an association, not a cause: elements move together, so a coefficient does not say how "
            "much the overall score would rise if the agency improved that element. An interval that is wide "
            "or crosses 0 means the data cannot tell."
        ),
    },
    "suppressed": {
        "vi": "Không trình bày: {reason}.",
        "en": "Not shown: {reason}.",
    },
}

# Reasons handed over by the caller are English codes from sampling; the scorecard words them itself.
REASONS: dict[str, dict[str, str]] = {
    "few_respondents": {
        "vi": "chưa đủ {min} người trả lời đầy đủ để ước lượng mối liên quan",
        "en": "fewer than {min} complete respondents to estimate the associations",
    },
    "few_df": {
        "vi": "mẫu có quá ít đơn vị mẫu (PSU) để ước lượng mối liên quan",
        "en": "too few sampled units (PSUs) to estimate the associations",
    },
    "not_fitted": {
        "vi": "các yếu tố không đủ khác biệt giữa những người trả lời để tách riêng mức quan trọng",
        "en": "the element scores do not vary enough between respondents to separate their importance",
    },
}


@dataclass(frozen=True)
class DriverRow:
    """One element: labels and the figures of :class:`sampling.glm_drivers.ElementDriver`."""

    label_vi: str
    label_en: str
    importance: float
    importance_low: float
    importance_high: float
    performance: float
    performance_low: float
    performance_high: float
    act_first: bool


@dataclass(frozen=True)
class DriversSection:
    """The section's data: rows, or a reason code (``few_respondents``, ``few_df``, ``not_fitted``)."""

    rows: tuple[DriverRow, ...]
    n: int
    suppressed_reason: str | None = None
    min_respondents: int = 100


def _label(row: DriverRow, lang: Language) -> str:
    return row.label_vi if lang == "vi" else row.label_en


def drivers_chart(rows: Sequence[DriverRow], width: float, height: float, lang: Language) -> Drawing:
    """Importance (y) against performance (x, 0-100), whiskers on both axes, act-first quadrant shaded."""
    register_fonts()
    d = Drawing(width, height, initialFontName=SANS, initialFontSize=7)
    left, bottom, right, top = 34.0, 26.0, 8.0, 8.0
    x0, x1, y0, y1 = left, width - right, bottom, height - top
    lows = [r.importance_low for r in rows] + [0.0]
    highs = [r.importance_high for r in rows] + [0.0]
    y_min, y_max = min(lows), max(highs)
    pad = (y_max - y_min) * 0.08 or 0.1
    y_min, y_max = y_min - pad, y_max + pad
    p_min = max(0.0, min(r.performance_low for r in rows) - 5.0)
    p_max = min(100.0, max(r.performance_high for r in rows) + 5.0)

    def sx(v: float) -> float:
        return x0 + (min(max(v, p_min), p_max) - p_min) / (p_max - p_min) * (x1 - x0)

    def sy(v: float) -> float:
        return y0 + (min(max(v, y_min), y_max) - y_min) / (y_max - y_min) * (y1 - y0)

    imp_mean = sum(r.importance for r in rows) / len(rows)
    perf_mean = sum(r.performance for r in rows) / len(rows)
    # High importance, low performance: top-left of the cross-hairs.
    d.add(
        Rect(
            x0, sy(imp_mean), sx(perf_mean) - x0, y1 - sy(imp_mean), fillColor=ACT_FIRST_BG, strokeColor=None
        )
    )
    d.add(Rect(x0, y0, x1 - x0, y1 - y0, fillColor=None, strokeColor=RULE, strokeWidth=0.5))
    d.add(Line(x0, sy(0.0), x1, sy(0.0), strokeColor=MUTED, strokeWidth=0.4))
    for v, horizontal in ((imp_mean, True), (perf_mean, False)):
        line = Line(x0, sy(v), x1, sy(v)) if horizontal else Line(sx(v), y0, sx(v), y1)
        line.strokeColor, line.strokeWidth, line.strokeDashArray = MUTED, 0.6, [2, 2]
        d.add(line)
    step = 10.0 if p_max - p_min <= 60 else 20.0
    tick = step * (p_min // step + 1)
    while tick < p_max:
        d.add(
            String(
                sx(tick),
                y0 - 9,
                format_number(tick, lang, 0),
                fontSize=6.5,
                fillColor=MUTED,
                textAnchor="middle",
            )
        )
        tick += step
    for v in (y_min + pad, 0.0, y_max - pad):
        d.add(
            String(
                x0 - 3, sy(v) - 2, format_number(v, lang, 2), fontSize=6.5, fillColor=MUTED, textAnchor="end"
            )
        )
    d.add(
        String(
            (x0 + x1) / 2,
            4,
            DRIVER_TEXTS["performance"][lang],
            fontName=SANS_BOLD,
            fontSize=7,
            fillColor=TEXT,
            textAnchor="middle",
        )
    )
    # ReportLab strings do not rotate: the y-axis title is drawn through a rotated group.
    g = Group(
        String(
            0,
            0,
            DRIVER_TEXTS["importance"][lang],
            fontName=SANS_BOLD,
            fontSize=7,
            fillColor=TEXT,
            textAnchor="middle",
        )
    )
    g.transform = (0, 1, -1, 0, 8, (y0 + y1) / 2)
    d.add(g)
    for i, r in enumerate(rows, start=1):
        colour = ACT_FIRST if r.act_first else POINT
        cx, cy = sx(r.performance), sy(r.importance)
        d.add(
            Line(sx(r.performance_low), cy, sx(r.performance_high), cy, strokeColor=colour, strokeWidth=0.7)
        )
        d.add(Line(cx, sy(r.importance_low), cx, sy(r.importance_high), strokeColor=colour, strokeWidth=0.7))
        d.add(Circle(cx, cy, 2.4, fillColor=colour, strokeColor=None))
        d.add(String(cx + 3.5, cy + 2.5, str(i), fontName=SANS_BOLD, fontSize=7, fillColor=colour))
    return d


def _table(rows: Sequence[DriverRow], width: float, lang: Language) -> Table:
    widths = [width * 0.06, width * 0.38, width * 0.28, width * 0.28]
    header = [
        "#",
        DRIVER_TEXTS["element"][lang],
        DRIVER_TEXTS["importance"][lang],
        DRIVER_TEXTS["performance"][lang],
    ]
    body = [
        [
            str(i),
            cell_text(_label(r, lang) + (" *" if r.act_first else ""), widths[1], bold=r.act_first),
            format_number(r.importance, lang, 2)
            + "\n"
            + format_interval(r.importance_low, r.importance_high, lang, 2),
            format_number(r.performance, lang)
            + "\n"
            + format_interval(r.performance_low, r.performance_high, lang),
        ]
        for i, r in enumerate(rows, start=1)
    ]
    t = Table([header, *body], colWidths=widths)
    style = [*TABLE_BASE, ("ALIGN", (2, 0), (-1, -1), "RIGHT")]
    style += [("TEXTCOLOR", (0, i), (1, i), ACT_FIRST) for i, r in enumerate(rows, start=1) if r.act_first]
    t.setStyle(table_style(style))
    return t


def drivers_section(data: DriversSection, lang: Language) -> list[Flowable]:
    """Heading, chart and table side by side, the method and its limits; or the reason it is not shown."""
    out: list[Flowable] = [paragraph(escape(DRIVER_TEXTS["heading"][lang]), "h1")]
    if data.suppressed_reason is not None or not data.rows:
        reason = REASONS.get(data.suppressed_reason or "not_fitted", REASONS["not_fitted"])[lang]
        text = DRIVER_TEXTS["suppressed"][lang].format(reason=reason.format(min=data.min_respondents))
        out.append(paragraph(escape(text), "body"))
        return out
    chart_width = FRAME_WIDTH * 0.46
    side = Table(
        [[drivers_chart(data.rows, chart_width, 210.0, lang), _table(data.rows, FRAME_WIDTH * 0.52, lang)]],
        colWidths=[chart_width + 4, FRAME_WIDTH * 0.52],
    )
    side.setStyle(table_style([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    out.append(side)
    legend = f"* {DRIVER_TEXTS['quadrant'][lang]}."
    out.append(paragraph(f'<font color="#C8102E">{escape(legend)}</font>', "small"))
    out.append(paragraph(escape(DRIVER_TEXTS["method"][lang].format(n=data.n)), "small"))
    out.append(paragraph(f"<b>{escape(DRIVER_TEXTS['caution'][lang])}</b>", "small"))
    return out
