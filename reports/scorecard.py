"""Agency scorecards: A4 PDF, two to four pages, in Vietnamese or English, rendered from frozen data.

Pure rendering: :class:`~reports.scorecard_data.ScorecardData` in, PDF bytes out. Every number is
formatted in the language's convention (``83,4 %`` / ``83.4%``); a suppressed number prints ``—`` with a
numbered note that says why; a comparison is called significant only from the interval of the difference,
never from overlapping intervals. ``invariant=True`` gives byte-identical output for identical input.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from functools import cache, lru_cache
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Drawing
from reportlab.lib.colors import HexColor
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from reports.charts import DOWN, UP, ChartRow, interval_chart, stacked_share_bar, triangle, wrap_text
from reports.fonts import SANS, SANS_BOLD, register_fonts
from reports.numbers import (
    DASH,
    Language,
    format_count,
    format_interval,
    format_number,
    format_p_value,
    format_percent,
    format_period,
    format_signed,
    format_signed_interval,
    localise_decimals,
)
from reports.scorecard_data import (
    Contrast,
    Figure,
    PeerComparison,
    ScorecardData,
    Trend,
)
from reports.styles import ACCENT, MUTED, PRIMARY, PRIMARY_LIGHT, RULE, TEXT, WHITE, paragraph_styles

__all__ = ["LEVEL_NAMES", "TEXTS", "Notes", "reason_text", "render_scorecard", "scorecard_filename"]

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 40.0
FRAME_WIDTH = PAGE_WIDTH - 2 * MARGIN
CELL_FONT_SIZE = 7.5

SHARE_COLOURS = (HexColor("#4E9A5B"), HexColor("#E3B23C"), HexColor("#C8102E"))
COUNTER_BG = HexColor("#FFF6E0")
COUNTER_RULE = HexColor("#E3B23C")

LEVEL_NAMES: dict[str, dict[str, str]] = {
    "province": {"vi": "sở, ban, ngành cấp tỉnh", "en": "provincial departments"},
    "district": {"vi": "cơ quan cấp huyện", "en": "district agencies"},
    "commune": {"vi": "UBND xã, phường", "en": "communes and wards"},
}

# Every fixed text of the scorecard, Vietnamese first.
TEXTS: dict[str, dict[str, str]] = {
    "title": {
        "vi": "Phiếu kết quả Chỉ số hài lòng về sự phục vụ hành chính (SIPAS)",
        "en": "Satisfaction with Public Administrative Services (SIPAS): agency scorecard",
    },
    "wave": {"vi": "Đợt khảo sát", "en": "Survey wave"},
    "units": {"vi": "Đơn vị hành chính: phiên bản", "en": "Administrative units: version"},
    "sipas": {"vi": "Chỉ số SIPAS", "en": "SIPAS index"},
    "ci": {"vi": "KTC 95 %", "en": "95% CI"},
    "n": {"vi": "Cỡ mẫu n", "en": "Sample size n"},
    "publish": {"vi": "Đủ độ tin cậy để công bố", "en": "Reliable: published"},
    "review": {"vi": "Cần thận trọng khi sử dụng", "en": "Use with caution"},
    "suppress": {"vi": "Không công bố", "en": "Suppressed"},
    "not_estimable": {
        "vi": "không ước lượng được (không có câu trả lời hợp lệ)",
        "en": "not estimable (no valid answers)",
    },
    "trend": {"vi": "So với đợt trước", "en": "Change since the previous wave"},
    "no_trend": {
        "vi": "Không có đợt trước cùng bộ câu hỏi để so sánh.",
        "en": "No previous wave with the same questionnaire to compare with.",
    },
    "points": {"vi": "điểm %", "en": "percentage points"},
    "previous": {"vi": "Đợt trước", "en": "Previous wave"},
    "up": {"vi": "Tăng có ý nghĩa thống kê", "en": "Significant increase"},
    "down": {"vi": "Giảm có ý nghĩa thống kê", "en": "Significant decrease"},
    "flat": {"vi": "Thay đổi không có ý nghĩa thống kê", "en": "No significant change"},
    "unknown_sig": {"vi": "Không kiểm định được", "en": "Significance not assessed"},
    "peer": {"vi": "So với các cơ quan cùng cấp", "en": "Compared with peers"},
    "no_peer": {
        "vi": "Không có đủ cơ quan cùng cấp để so sánh.",
        "en": "Not enough agencies of the same level to compare with.",
    },
    "not_compared": {
        "vi": "Không so sánh vì chỉ số không được công bố",
        "en": "Not compared: an index involved is suppressed",
    },
    "peer_mean": {"vi": "Trung bình", "en": "Mean of"},
    "gap": {"vi": "Chênh lệch", "en": "Difference"},
    "above": {
        "vi": "Cao hơn có ý nghĩa thống kê so với trung bình cùng cấp",
        "en": "Significantly above the peer mean",
    },
    "not-different": {
        "vi": "Không khác biệt có ý nghĩa thống kê so với trung bình cùng cấp",
        "en": "Not significantly different from the peer mean",
    },
    "below": {
        "vi": "Thấp hơn có ý nghĩa thống kê so với trung bình cùng cấp",
        "en": "Significantly below the peer mean",
    },
    "best": {"vi": "Cao nhất cùng cấp", "en": "Highest among peers"},
    "no_rank": {
        "vi": "Không xếp hạng: khoảng tin cậy chồng lấn không cho phép kết luận thứ bậc.",
        "en": "No ranking: overlapping intervals do not establish an order.",
    },
    "elements": {"vi": "Chỉ số theo yếu tố", "en": "Element indices"},
    "chart_note": {
        "vi": "Thanh: chỉ số (%); vạch ngang: khoảng tin cậy 95 %; đường đứt: chỉ số SIPAS của cơ quan.",
        "en": "Bar: index (%); whisker: 95% confidence interval; dashed line: the agency's SIPAS index.",
    },
    "criteria": {"vi": "Chỉ số theo tiêu chí", "en": "Criterion indices"},
    "col_criterion": {"vi": "Tiêu chí", "en": "Criterion"},
    "col_index": {"vi": "Chỉ số (%)", "en": "Index (%)"},
    "col_dk": {"vi": "KB/KAD", "en": "DK/NA"},
    "col_note": {"vi": "Ghi chú", "en": "Note"},
    "dk_legend": {
        "vi": "KB/KAD: số câu trả lời “Không biết / Không áp dụng”, không tính vào mẫu số của tiêu chí. "
        "n: số câu trả lời hợp lệ.",
        "en": "DK/NA: answers “don't know / not applicable”, excluded from the criterion's denominator. "
        "n: valid answers.",
    },
    "perception": {"vi": "Cảm nhận về nhũng nhiễu và chi phí không chính thức", "en": "Perceptions"},
    "col_item": {"vi": "Câu hỏi", "en": "Question"},
    "none": {"vi": "Không", "en": "None"},
    "some": {"vi": "Một số", "en": "Some"},
    "many": {"vi": "Nhiều", "en": "Many"},
    "expectations": {"vi": "Mong đợi hàng đầu của người dân", "en": "Citizens' top expectations"},
    "col_expectation": {"vi": "Mong đợi", "en": "Expectation"},
    "col_share": {"vi": "Tỷ lệ", "en": "Share"},
    "counter": {
        "vi": "Đánh giá tại quầy, mã QR và ki-ốt (người dùng tự đánh giá)",
        "en": "Counter, QR and kiosk ratings (self-selected)",
    },
    "counter_warning": {
        "vi": "KHÔNG phải mẫu xác suất: người đánh giá tự chọn tham gia. Số liệu này không được gộp với "
        "Chỉ số SIPAS và không dùng để so sánh giữa các cơ quan.",
        "en": "NOT a probability sample: raters choose themselves. These figures are never pooled with the "
        "SIPAS index and are not for comparing agencies.",
    },
    "ratings": {"vi": "Số lượt đánh giá", "en": "Ratings"},
    "very_satisfied": {"vi": "Rất hài lòng", "en": "Very satisfied"},
    "satisfied": {"vi": "Hài lòng", "en": "Satisfied"},
    "dissatisfied": {"vi": "Không hài lòng", "en": "Dissatisfied"},
    "no_counter": {
        "vi": "Không có đánh giá tại quầy trong đợt này.",
        "en": "No counter ratings in this wave.",
    },
    "method": {"vi": "Ghi chú phương pháp", "en": "Method note"},
    "design": {"vi": "Thiết kế mẫu", "en": "Design"},
    "sample_size": {"vi": "Cỡ mẫu", "en": "Sample size"},
    "response_rate": {"vi": "Tỷ lệ trả lời", "en": "Response rate"},
    "unknown": {"vi": "không xác định", "en": "not known"},
    "weighting": {"vi": "Gia quyền", "en": "Weighting"},
    "aggregation": {"vi": "Quy tắc tổng hợp", "en": "Aggregation rule"},
    "publication": {"vi": "Quy tắc công bố", "en": "Publication rule"},
    "notes": {"vi": "Chú thích", "en": "Notes"},
    "suppressed_because": {"vi": "Không công bố", "en": "Suppressed"},
    "review_because": {"vi": "Cần thận trọng", "en": "Use with caution"},
    "page": {"vi": "Trang", "en": "Page"},
    "significant_mark": {
        "vi": "*: khác biệt có ý nghĩa thống kê ở mức 5 % (khoảng tin cậy của chênh lệch không chứa 0).",
        "en": "*: significant at the 5% level (the interval of the difference excludes 0).",
    },
}

# Publication-rule reasons (sampling.publication, English) in Vietnamese.
_REASONS_VI: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^effective sample size (\S+) < (\d+)$"), r"cỡ mẫu hiệu dụng \1 < \2"),
    (re.compile(r"^sample size (\S+) < (\d+)$"), r"cỡ mẫu \1 < \2"),
    (
        re.compile(r"^Korn-Graubard CI width (\S+) >= (\S+)$"),
        r"độ rộng khoảng tin cậy Korn–Graubard \1 ≥ \2",
    ),
    (
        re.compile(r"^relative CI width (\S+)% > (\S+)%$"),
        "độ rộng tương đối của khoảng tin cậy \\1\u00a0% > \\2\u00a0%",
    ),
    (re.compile(r"^degrees of freedom (\S+) < (\S+)$"), r"bậc tự do \1 < \2"),
    (re.compile(r"^estimate is (\S+)%$"), "ước lượng bằng \\1\u00a0%"),
    (re.compile(r"^relative standard error undefined$"), "không xác định được sai số chuẩn tương đối"),
    (
        re.compile(r"^relative standard error (\S+)% >= (\S+)%$"),
        "sai số chuẩn tương đối \\1\u00a0% ≥ \\2\u00a0%",
    ),
    (re.compile(r"^coefficient of variation undefined$"), "không xác định được hệ số biến thiên"),
    (re.compile(r"^CV (\S+)%: use with caution$"), "hệ số biến thiên \\1\u00a0%: cần thận trọng"),
    (re.compile(r"^CV (\S+)% > (\S+)%$"), "hệ số biến thiên \\1\u00a0% > \\2\u00a0%"),
)


def reason_text(reason: str, lang: Language) -> str:
    """A publication-rule reason in ``lang`` (known English patterns translated; numbers localised)."""
    reason = reason.strip()
    if lang == "vi":
        for pattern, replacement in _REASONS_VI:
            if pattern.match(reason):
                reason = pattern.sub(replacement, reason)
                break
    return localise_decimals(reason, lang).replace(">=", "≥").replace("<=", "≤")


def scorecard_filename(wave: str, agency: str, lang: Language) -> str:
    """``scorecard-{wave}-{agency}-{lang}.pdf`` (codes kept to safe characters)."""
    safe = re.compile(r"[^A-Za-z0-9_.-]+")
    return f"scorecard-{safe.sub('_', wave)}-{safe.sub('_', agency)}-{lang}.pdf"


class Notes:
    """Numbered notes: each suppressed or flagged figure points at the note that gives its reason."""

    def __init__(self, lang: Language) -> None:
        self.lang = lang
        self.items: list[str] = []

    def add(self, text: str) -> int:
        if text not in self.items:
            self.items.append(text)
        return self.items.index(text) + 1

    def for_figure(self, figure: Figure) -> int | None:
        """The note number explaining ``figure``'s flag (None when it is published without remark)."""
        t = TEXTS
        if figure.flag == "suppress":
            reason = reason_text(figure.flag_reason or "", self.lang)
            return self.add(f"{t['suppressed_because'][self.lang]}: {reason}.")
        if figure.suppressed:  # no estimate at all
            return self.add(f"{t['suppressed_because'][self.lang]}: {t['not_estimable'][self.lang]}.")
        if figure.flag == "review":
            reason = reason_text(figure.flag_reason or "", self.lang)
            return self.add(f"{t['review_because'][self.lang]}: {reason}.")
        return None


def _mark(note: int | None) -> str:
    return f" ({note})" if note is not None else ""


@cache
def _styles() -> dict[str, ParagraphStyle]:
    """Scorecard paragraph styles, built once per process (fonts registered once)."""
    register_fonts()
    base = paragraph_styles()["body"]
    s = {
        "body": ParagraphStyle("sc-body", parent=base, fontSize=9, leading=11.5),
        "small": ParagraphStyle("sc-small", parent=base, fontSize=7.5, leading=9.5, textColor=MUTED),
        "cell": ParagraphStyle("sc-cell", parent=base, fontSize=7.5, leading=9),
        "cell_bold": ParagraphStyle("sc-cell-b", parent=base, fontName=SANS_BOLD, fontSize=7.5, leading=9),
        "h1": ParagraphStyle(
            "sc-h1",
            parent=base,
            fontName=SANS_BOLD,
            fontSize=12,
            leading=15,
            textColor=PRIMARY,
            spaceBefore=8,
        ),
        "h2": ParagraphStyle(
            "sc-h2", parent=base, fontName=SANS_BOLD, fontSize=9.5, leading=12, textColor=PRIMARY
        ),
        "band_title": ParagraphStyle(
            "sc-bt", parent=base, fontName=SANS_BOLD, fontSize=15, leading=18, textColor=WHITE
        ),
        "band": ParagraphStyle("sc-b", parent=base, fontSize=9, leading=12, textColor=WHITE),
        "band_small": ParagraphStyle(
            "sc-bs", parent=base, fontSize=8, leading=10, textColor=HexColor("#C9D8EA")
        ),
        "big": ParagraphStyle(
            "sc-big", parent=base, fontName=SANS_BOLD, fontSize=30, leading=34, textColor=PRIMARY
        ),
        "mid": ParagraphStyle(
            "sc-mid", parent=base, fontName=SANS_BOLD, fontSize=15, leading=18, textColor=TEXT
        ),
        "label": ParagraphStyle(
            "sc-label", parent=base, fontName=SANS_BOLD, fontSize=8.5, leading=11, textColor=MUTED
        ),
        "warn": ParagraphStyle(
            "sc-warn", parent=base, fontName=SANS_BOLD, fontSize=8, leading=10, textColor=HexColor("#8A5A00")
        ),
        "num": ParagraphStyle("sc-num", parent=base, fontSize=7.5, leading=9, alignment=TA_RIGHT),
        "centre_small": ParagraphStyle(
            "sc-cs", parent=base, fontSize=7.5, leading=9, textColor=MUTED, alignment=TA_CENTER
        ),
    }
    return s


def _table_style(commands: list[Any]) -> TableStyle:
    """A table style whose default font is the Vietnamese one (ReportLab's default is Helvetica)."""
    return TableStyle([("FONTNAME", (0, 0), (-1, -1), SANS), *commands])


prepare_styles = _styles  # public: a report worker builds the styles once, before its first document


@lru_cache(maxsize=4096)
def _cell_text(text: str, width: float, bold: bool = False) -> str:
    """A table cell's text wrapped to ``width`` (minus padding) as plain lines: much cheaper than a
    Paragraph, and cached, since every agency's scorecard repeats the questionnaire's labels."""
    lines = wrap_text(text, SANS_BOLD if bold else SANS, CELL_FONT_SIZE, width - 8, max_lines=4)
    return "\n".join(lines)


def _p(text: str, style: str) -> Paragraph:
    return Paragraph(text, _styles()[style])


def _e(text: str) -> str:
    return escape(text)


class _Mark(Flowable):  # type: ignore[misc]
    """A small ▲/▼ significance mark (drawn: Roboto has no triangle glyphs)."""

    def __init__(self, up: bool) -> None:
        super().__init__()
        self.up = up
        self.width = 10
        self.height = 9

    def draw(self) -> None:
        d = Drawing(10, 9, initialFontName=SANS, initialFontSize=8)
        d.add(triangle(5, 4.5, 8, self.up, UP if self.up else DOWN))
        d.drawOn(self.canv, 0, 0)


def _label(obj: Any, lang: Language, prefix: str = "label") -> str:
    return str(getattr(obj, f"{prefix}_{lang}"))


def _headline(data: ScorecardData, notes: Notes, lang: Language) -> Table:
    t = TEXTS
    fig = data.sipas
    note = notes.for_figure(fig)
    if fig.suppressed:
        value = f"{DASH}<font size=12>{_mark(note)}</font>"
        status = f"{t['suppress'][lang]}{_mark(note)}"
    else:
        value = _e(format_percent(fig.estimate, lang))
        status = t["review"][lang] + _mark(note) if fig.flag == "review" else t["publish"][lang]
    ci = format_interval(fig.ci_low, fig.ci_high, lang) if not fig.suppressed else DASH
    left = [
        _p(_e(t["sipas"][lang]), "label"),
        _p(value, "big"),
        _p(f"{t['ci'][lang]}: {_e(ci)}", "body"),
        _p(f"{t['n'][lang]} = {format_count(fig.n, lang)}", "body"),
        _p(_e(status), "small"),
    ]
    middle = _trend_cell(data.trend, data.sipas, notes, lang)
    right = _peer_cell(data.peer, data.sipas, notes, lang)
    widths = [FRAME_WIDTH * 0.32, FRAME_WIDTH * 0.34, FRAME_WIDTH * 0.34]
    table = Table([[left, middle, right]], colWidths=widths)
    table.setStyle(
        _table_style(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (0, 0), PRIMARY_LIGHT),
                ("BOX", (0, 0), (-1, -1), 0.6, RULE),
                ("LINEBEFORE", (1, 0), (-1, -1), 0.6, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("RIGHTPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return table


def _verdict_line(change: Contrast, texts: dict[str, str], lang: Language) -> list[Flowable]:
    verdict = change.verdict
    if verdict is None:
        return [_p(_e(TEXTS["unknown_sig"][lang]), "small")]
    words = texts[verdict]
    if verdict == "not-different":
        return [_p(_e(words), "body")]
    mark_table = Table(
        [[_Mark(verdict == "above"), _p(f"<b>{_e(words)}</b>", "body")]],
        colWidths=[12, None],
    )
    mark_table.setStyle(
        _table_style(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (0, 0), 2),
                ("TOPPADDING", (1, 0), (1, 0), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return [mark_table]


def _blocked(cell: list[Flowable], figures: Sequence[Figure], notes: Notes, lang: Language) -> bool:
    """A comparison involving a suppressed index is itself suppressed: ``—`` and the note of the cause."""
    for figure in figures:
        if figure.suppressed:
            note = notes.for_figure(figure)
            cell.append(_p(f"{DASH}{_mark(note)}", "mid"))
            cell.append(_p(_e(TEXTS["not_compared"][lang]) + _mark(note), "small"))
            return True
    return False


def _trend_cell(trend: Trend | None, sipas: Figure, notes: Notes, lang: Language) -> list[Flowable]:
    t = TEXTS
    cell: list[Flowable] = [_p(_e(t["trend"][lang]), "label")]
    if trend is None:
        cell.append(_p(_e(t["no_trend"][lang]), "small"))
        return cell
    if _blocked(cell, (sipas, trend.previous), notes, lang):
        return cell
    change = trend.change
    star = "*" if change.verdict in ("above", "below") else ""
    cell.append(
        _p(
            f"{_e(format_signed(change.difference, lang))}{star} <font size=9>{t['points'][lang]}</font>",
            "mid",
        )
    )
    previous = trend.previous
    prev_value = DASH if previous.suppressed else format_percent(previous.estimate, lang)
    name = _label(trend, lang, "previous_wave_name")
    cell.append(_p(f"{t['previous'][lang]} ({_e(name)}): {_e(prev_value)}", "body"))
    cell.append(
        _p(
            f"{t['ci'][lang]}: {_e(format_signed_interval(change.ci_low, change.ci_high, lang))}; "
            f"{_e(format_p_value(change.p_value, lang))}",
            "small",
        )
    )
    cell.extend(
        _verdict_line(
            change, {"above": t["up"][lang], "below": t["down"][lang], "not-different": t["flat"][lang]}, lang
        )
    )
    return cell


def _peer_cell(peer: PeerComparison | None, sipas: Figure, notes: Notes, lang: Language) -> list[Flowable]:
    t = TEXTS
    cell: list[Flowable] = [_p(_e(t["peer"][lang]), "label")]
    if _blocked(cell, (sipas,) if peer is None else (sipas, peer.peer_mean), notes, lang):
        return cell
    if peer is None:
        cell.append(_p(_e(t["no_peer"][lang]), "small"))
        return cell
    level_name = LEVEL_NAMES.get(peer.level, {"vi": peer.level, "en": peer.level})[lang]
    gap = peer.gap
    star = "*" if gap.verdict in ("above", "below") else ""
    cell.append(
        _p(f"{_e(format_signed(gap.difference, lang))}{star} <font size=9>{t['points'][lang]}</font>", "mid")
    )
    mean = DASH if peer.peer_mean.suppressed else format_percent(peer.peer_mean.estimate, lang)
    count = format_count(peer.agencies, lang)
    cell.append(_p(f"{t['peer_mean'][lang]} {count} {_e(level_name)}: {_e(mean)}", "body"))
    cell.append(
        _p(
            f"{t['gap'][lang]} {t['ci'][lang]}: {_e(format_signed_interval(gap.ci_low, gap.ci_high, lang))}; "
            f"{_e(format_p_value(gap.p_value, lang))}",
            "small",
        )
    )
    cell.extend(_verdict_line(gap, {k: t[k][lang] for k in ("above", "below", "not-different")}, lang))
    if peer.best is not None and not peer.best.suppressed and peer.best_name_vi:
        name = peer.best_name_vi if lang == "vi" else (peer.best_name_en or peer.best_name_vi)
        cell.append(
            _p(
                f"{t['best'][lang]}: {_e(name)} {_e(format_percent(peer.best.estimate, lang))} "
                f"({t['ci'][lang]} {_e(format_interval(peer.best.ci_low, peer.best.ci_high, lang))}). "
                f"{_e(t['no_rank'][lang])}",
                "small",
            )
        )
    return cell


def _band(data: ScorecardData, lang: Language) -> Table:
    t = TEXTS
    other: Language = "en" if lang == "vi" else "vi"
    wave = data.wave
    period = format_period(wave.period_start, wave.period_end, lang)
    province = data.province_name_vi if lang == "vi" else (data.province_name_en or data.province_name_vi)
    return _page_band(
        province,
        _label(data.agency, lang, "name"),
        f"{t['wave'][lang]}: {_label(wave, lang, 'name')} ({wave.code}, {period}) · "
        f"{t['units'][lang]} {data.unit_version}",
        subtitle=_label(data.agency, other, "name"),
    )


def _page_band(top: str, title: str, line: str, subtitle: str | None = None) -> Table:
    """The dark band at the top of the first page: province, title, optional subtitle, wave line."""
    rows = [[_p(_e(top.upper()), "band_small")], [_p(_e(title), "band_title")]]
    if subtitle:
        rows.append([_p(_e(subtitle), "band_small")])
    rows.append([_p(_e(line), "band")])
    table = Table(rows, colWidths=[FRAME_WIDTH])
    table.setStyle(
        _table_style(
            [
                ("BACKGROUND", (0, 0), (-1, -1), PRIMARY),
                ("LINEBELOW", (0, -1), (-1, -1), 3, ACCENT),
                ("LEFTPADDING", (0, 0), (-1, -1), 12),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                ("TOPPADDING", (0, 0), (0, 0), 10),
                ("BOTTOMPADDING", (0, -1), (0, -1), 9),
            ]
        )
    )
    return table


def _element_chart(data: ScorecardData, notes: Notes, lang: Language) -> Drawing:
    rows = []
    for element in data.elements:
        fig = element.figure
        note = notes.for_figure(fig)
        rows.append(
            ChartRow(
                label=_label(element, lang),
                estimate=None if fig.suppressed else fig.estimate,
                ci_low=fig.ci_low,
                ci_high=fig.ci_high,
                suppressed=fig.suppressed,
                review=fig.flag == "review",
                note=note,
            )
        )
    reference = None if data.sipas.suppressed else data.sipas.estimate
    label = f"SIPAS {format_number(reference, lang)}" if reference is not None else None
    row_height = 22.0 if len(rows) <= 12 else 15.0
    return interval_chart(
        rows,
        FRAME_WIDTH,
        lang,
        label_width=FRAME_WIDTH * 0.38,
        row_height=row_height,
        reference=reference,
        reference_label=label,
    )


_TABLE_BASE = [
    ("FONTNAME", (0, 0), (-1, -1), SANS),
    ("FONTSIZE", (0, 0), (-1, -1), 7.5),
    ("LEADING", (0, 0), (-1, -1), 9),
    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ("TOPPADDING", (0, 0), (-1, -1), 2),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ("LEFTPADDING", (0, 0), (-1, -1), 4),
    ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ("BACKGROUND", (0, 0), (-1, 0), PRIMARY),
    ("TEXTCOLOR", (0, 0), (-1, 0), WHITE),
    ("FONTNAME", (0, 0), (-1, 0), SANS_BOLD),
    ("LINEBELOW", (0, 1), (-1, -1), 0.3, RULE),
]


def _criterion_table(data: ScorecardData, notes: Notes, lang: Language) -> Table:
    t = TEXTS
    header = [
        t["col_criterion"][lang],
        t["col_index"][lang],
        t["ci"][lang],
        "n",
        t["col_dk"][lang],
        t["col_note"][lang],
    ]
    rows: list[list[Any]] = [header]
    style = list(_TABLE_BASE)
    elements = {e.code: e for e in data.elements}
    current: str | None = "\0"
    for criterion in data.criteria:
        if criterion.element != current and criterion.element in elements:
            element = elements[criterion.element]
            fig = element.figure
            note = notes.for_figure(fig)
            value = DASH if fig.suppressed else format_number(fig.estimate, lang)
            ci = DASH if fig.suppressed else format_interval(fig.ci_low, fig.ci_high, lang)
            rows.append(
                [
                    _cell_text(_label(element, lang), FRAME_WIDTH - 235, bold=True),
                    value,
                    ci,
                    format_count(fig.n, lang),
                    "",
                    _mark(note).strip(),
                ]
            )
            i = len(rows) - 1
            style += [
                ("BACKGROUND", (0, i), (-1, i), PRIMARY_LIGHT),
                ("FONTNAME", (1, i), (-1, i), SANS_BOLD),
            ]
        current = criterion.element
        fig = criterion.figure
        note = notes.for_figure(fig)
        value = DASH if fig.suppressed else format_number(fig.estimate, lang)
        ci = DASH if fig.suppressed else format_interval(fig.ci_low, fig.ci_high, lang)
        rows.append(
            [
                _cell_text(_label(criterion, lang), FRAME_WIDTH - 235),
                value,
                ci,
                format_count(fig.n, lang),
                format_count(criterion.dont_know, lang),
                _mark(note).strip(),
            ]
        )
    widths = [FRAME_WIDTH - 235, 48, 72, 38, 40, 37]
    style += [("ALIGN", (1, 0), (-1, -1), "RIGHT"), ("ALIGN", (5, 0), (5, -1), "CENTER")]
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(_table_style(style))
    return table


def _perception_table(data: ScorecardData, notes: Notes, lang: Language) -> Table:
    t = TEXTS
    rows: list[list[Any]] = [
        [t["col_item"][lang], t["none"][lang], t["some"][lang], t["many"][lang], "n", ""]
    ]
    for item in data.perception:
        cells: list[Any] = [_cell_text(_label(item, lang), FRAME_WIDTH - 270)]
        values: list[float | None] = []
        for option in item.options[:3]:
            fig = option.share
            note = notes.for_figure(fig)
            if fig.suppressed:
                cells.append(DASH + _mark(note))
                values.append(None)
            else:
                cells.append(format_percent(fig.estimate, lang) + _mark(note))
                values.append(fig.estimate)
        while len(cells) < 4:
            cells.append(DASH)
            values.append(None)
        cells.append(format_count(item.n, lang))
        cells.append(stacked_share_bar(values, SHARE_COLOURS, 70, 8))
        rows.append(cells)
    widths = [FRAME_WIDTH - 270, 50, 50, 50, 40, 80]
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(_table_style([*_TABLE_BASE, ("ALIGN", (1, 0), (4, -1), "RIGHT")]))
    return table


def _expectation_table(data: ScorecardData, notes: Notes, lang: Language) -> Table:
    t = TEXTS
    rows: list[list[Any]] = [[t["col_expectation"][lang], t["col_share"][lang], t["ci"][lang]]]
    for row in data.expectations:
        fig = row.share
        note = notes.for_figure(fig)
        value = DASH + _mark(note) if fig.suppressed else format_percent(fig.estimate, lang) + _mark(note)
        ci = DASH if fig.suppressed else format_interval(fig.ci_low, fig.ci_high, lang)
        rows.append([_cell_text(_label(row, lang), FRAME_WIDTH - 140), value, ci])
    table = Table(rows, colWidths=[FRAME_WIDTH - 140, 60, 80], repeatRows=1)
    table.setStyle(_table_style([*_TABLE_BASE, ("ALIGN", (1, 0), (-1, -1), "RIGHT")]))
    return table


def _counter_panel(data: ScorecardData, lang: Language) -> Table:
    t = TEXTS
    panel = data.counter
    inner: list[Any] = [
        _p(_e(t["counter"][lang]), "h2"),
        _p(_e(t["counter_warning"][lang]), "warn"),
    ]
    if panel is None or panel.n == 0:
        inner.append(_p(_e(t["no_counter"][lang]), "small"))
    else:
        shares = (panel.very_satisfied, panel.satisfied, panel.dissatisfied)
        labels = (t["very_satisfied"][lang], t["satisfied"][lang], t["dissatisfied"][lang])
        line = " · ".join(
            f"{_e(label)}: {_e(format_percent(v, lang))}" for label, v in zip(labels, shares, strict=True)
        )
        inner.append(_p(f"{t['ratings'][lang]}: {format_count(panel.n, lang)} · {line}", "body"))
        inner.append(stacked_share_bar(shares, SHARE_COLOURS, FRAME_WIDTH - 24, 9))
    table = Table([[item] for item in inner], colWidths=[FRAME_WIDTH])
    table.setStyle(
        _table_style(
            [
                ("BACKGROUND", (0, 0), (-1, -1), COUNTER_BG),
                ("BOX", (0, 0), (-1, -1), 1.2, COUNTER_RULE),
                ("LEFTPADDING", (0, 0), (-1, -1), 12),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ("TOPPADDING", (0, 0), (0, 0), 6),
                ("BOTTOMPADDING", (0, -1), (0, -1), 7),
            ]
        )
    )
    return table


def _method(data: ScorecardData, lang: Language) -> list[Flowable]:
    t = TEXTS
    m = data.method
    rate = format_percent(m.response_rate, lang) if m.response_rate is not None else t["unknown"][lang]
    lines = [
        (t["design"][lang], _label(m, lang, "design")),
        (t["sample_size"][lang], format_count(m.sample_size, lang)),
        (t["response_rate"][lang], rate),
        (t["weighting"][lang], _label(m, lang, "weighting")),
        (t["aggregation"][lang], _label(m, lang, "aggregation")),
        (t["publication"][lang], _label(m, lang, "publication")),
        (t["units"][lang].split(":")[0], f"{data.unit_version}"),
    ]
    return [_p(f"<b>{_e(k)}:</b> {_e(v)}", "small") for k, v in lines]


def _draw_footer(canvas: Canvas, left: str, right: str) -> None:
    """A rule and one line of small text at the foot of the page."""
    canvas.saveState()
    canvas.setFont(SANS, 7.5)
    canvas.setFillColor(MUTED)
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.5)
    canvas.line(MARGIN, 30, PAGE_WIDTH - MARGIN, 30)
    canvas.drawString(MARGIN, 20, left[:110])
    canvas.drawRightString(PAGE_WIDTH - MARGIN, 20, right)
    canvas.restoreState()


def _page_decorations(data: ScorecardData, lang: Language) -> Callable[[Canvas, Any], None]:
    name = _label(data.agency, lang, "name")
    left = f"SIPAS · {name} · {data.wave.code}"
    page_word = TEXTS["page"][lang]

    def draw(canvas: Canvas, doc: Any) -> None:
        _draw_footer(canvas, left, f"{page_word} {doc.page}")

    return draw


def scorecard_story(data: ScorecardData, lang: Language) -> list[Flowable]:
    """The flowables of one scorecard (for embedding in other documents)."""
    t = TEXTS
    notes = Notes(lang)
    story: list[Flowable] = [_band(data, lang), Spacer(1, 8), _p(_e(t["title"][lang]), "h1"), Spacer(1, 4)]
    story.append(_headline(data, notes, lang))
    story.append(_p(_e(t["significant_mark"][lang]), "small"))
    if data.elements:
        story.append(
            KeepTogether(
                [
                    _p(_e(t["elements"][lang]), "h1"),
                    Spacer(1, 2),
                    _element_chart(data, notes, lang),
                    _p(_e(t["chart_note"][lang]), "small"),
                ]
            )
        )
    if data.perception:
        story.append(
            KeepTogether(
                [_p(_e(t["perception"][lang]), "h1"), Spacer(1, 3), _perception_table(data, notes, lang)]
            )
        )
    if data.expectations:
        story.append(
            KeepTogether(
                [_p(_e(t["expectations"][lang]), "h1"), Spacer(1, 3), _expectation_table(data, notes, lang)]
            )
        )
    story.append(PageBreak())
    story.append(_p(_e(t["criteria"][lang]), "h1"))
    story.append(Spacer(1, 3))
    story.append(_criterion_table(data, notes, lang))
    story.append(_p(_e(t["dk_legend"][lang]), "small"))
    story.append(Spacer(1, 10))
    story.append(KeepTogether([_counter_panel(data, lang)]))
    method = [_p(_e(t["method"][lang]), "h1"), *_method(data, lang)]
    story.append(KeepTogether(method))
    if notes.items:
        block: list[Flowable] = [_p(_e(t["notes"][lang]), "h2")]
        block += [_p(f"({i}) {_e(text)}", "small") for i, text in enumerate(notes.items, 1)]
        story.append(Spacer(1, 6))
        story.append(KeepTogether(block))
    return story


def render_scorecard(data: ScorecardData, lang: Language | None = None, *, invariant: bool = False) -> bytes:
    """The scorecard as A4 PDF bytes (language ``lang``, default ``data.lang``)."""
    lang = lang or data.lang
    if lang not in ("vi", "en"):
        raise ValueError("lang must be 'vi' or 'en'")
    register_fonts()
    buffer = io.BytesIO()
    title = f"{TEXTS['title'][lang]} — {_label(data.agency, lang, 'name')} — {data.wave.code}"
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN - 6,
        bottomMargin=MARGIN + 4,
        title=title,
        author="sipas",
        creator="sipas",
        subject=f"scorecard {data.wave.code} {data.agency.code} {lang}",
        lang=lang,
        invariant=1 if invariant else 0,
        pageCompression=1,
        initialFontName=SANS,  # not Helvetica: every font in the file covers Vietnamese
        initialFontSize=9,
    )
    decorate = _page_decorations(data, lang)
    doc.build(scorecard_story(data, lang), onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()


def render_scorecards(
    items: Sequence[ScorecardData], lang: Language | None = None, *, invariant: bool = False
) -> list[bytes]:
    """Several scorecards, one PDF each (fonts and styles are shared within the process)."""
    return [render_scorecard(d, lang, invariant=invariant) for d in items]
