"""The page layout shared by the scorecard and the province summary: geometry, colours, paragraph and
table styles, the title band and the page footer.
"""

from __future__ import annotations

import io
from functools import cache, lru_cache
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.colors import HexColor
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

from reports.charts import wrap_text
from reports.fonts import SANS, SANS_BOLD, register_fonts
from reports.styles import ACCENT, MUTED, PRIMARY, RULE, TEXT, WHITE, paragraph_styles

__all__ = [
    "CELL_FONT_SIZE",
    "COUNTER_BG",
    "COUNTER_RULE",
    "FRAME_WIDTH",
    "MARGIN",
    "PAGE_HEIGHT",
    "PAGE_WIDTH",
    "SHARE_COLOURS",
    "TABLE_BASE",
    "cell_text",
    "draw_footer",
    "note_mark",
    "page_band",
    "paragraph",
    "scorecard_styles",
    "table_style",
]

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 40.0
FRAME_WIDTH = PAGE_WIDTH - 2 * MARGIN
CELL_FONT_SIZE = 7.5

SHARE_COLOURS = (HexColor("#4E9A5B"), HexColor("#E3B23C"), HexColor("#C8102E"))
COUNTER_BG = HexColor("#FFF6E0")
COUNTER_RULE = HexColor("#E3B23C")


@cache
def scorecard_styles() -> dict[str, ParagraphStyle]:
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


def table_style(commands: list[Any]) -> TableStyle:
    """A table style whose default font is the Vietnamese one (ReportLab's default is Helvetica)."""
    return TableStyle([("FONTNAME", (0, 0), (-1, -1), SANS), *commands])


@lru_cache(maxsize=4096)
def cell_text(text: str, width: float, bold: bool = False) -> str:
    """A table cell's text wrapped to ``width`` (minus padding) as plain lines: much cheaper than a
    Paragraph, and cached, since every agency's scorecard repeats the questionnaire's labels."""
    lines = wrap_text(text, SANS_BOLD if bold else SANS, CELL_FONT_SIZE, width - 8, max_lines=4)
    return "\n".join(lines)


def paragraph(text: str, style: str) -> Paragraph:
    """A paragraph in one of the scorecard styles (``text`` is ReportLab markup: escape plain text)."""
    return Paragraph(text, scorecard_styles()[style])


def note_mark(note: int | None) -> str:
    """`` (3)`` after a figure that note 3 explains; nothing for a figure without a note."""
    return f" ({note})" if note is not None else ""


TABLE_BASE = [
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


def page_band(top: str, title: str, line: str, subtitle: str | None = None) -> Table:
    """The dark band at the top of the first page: province, title, optional subtitle, wave line."""
    rows = [[paragraph(escape(top.upper()), "band_small")], [paragraph(escape(title), "band_title")]]
    if subtitle:
        rows.append([paragraph(escape(subtitle), "band_small")])
    rows.append([paragraph(escape(line), "band")])
    table = Table(rows, colWidths=[FRAME_WIDTH])
    table.setStyle(
        table_style(
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


def draw_footer(canvas: Canvas, left: str, right: str) -> None:
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


def report_document(
    buffer: io.BytesIO, title: str, lang: str, invariant: bool, subject: str | None = None
) -> SimpleDocTemplate:
    """The A4 document every scorecard-family PDF (scorecard, province and national summaries) is laid out
    on: the same margins, metadata and initial font (not Helvetica: every font in the file covers
    Vietnamese); ``invariant`` makes the bytes reproducible (no creation date)."""
    return SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN - 6,
        bottomMargin=MARGIN + 4,
        title=title,
        author="sipas",
        creator="sipas",
        subject=subject,
        lang=lang,
        invariant=1 if invariant else 0,
        pageCompression=1,
        initialFontName=SANS,
        initialFontSize=9,
    )
