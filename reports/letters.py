"""Printable invitation letters (A4, Vietnamese, one page per sampled dossier) with a receipt QR code.

Pure rendering: the caller supplies each letter's text fields and the form address that already carries
the signed receipt code (``/f/{token}?r={receipt}``). The QR code is drawn as vector rectangles from
:func:`reports.qr.qr_matrix`, so it scans at any print size.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape

from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Frame, Paragraph

from reports.fonts import MONO, SANS, SANS_BOLD, register_fonts
from reports.qr import QUIET_ZONE, dark_runs, qr_matrix

PRIMARY = HexColor("#0b4f8a")
RULE = HexColor("#c9d3dd")


@dataclass(frozen=True)
class LetterData:
    """One letter. ``url`` is the online form with the signed receipt; ``reference`` identifies the letter."""

    dossier_code: str
    field: str
    completed_on: date
    agency_name_vi: str
    service_point_name_vi: str
    url: str
    wave_name_vi: str
    period_end: date
    reference: str


def _date_vi(value: date) -> str:
    return f"{value.day:02d}/{value.month:02d}/{value.year}"


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=SANS, fontSize=11.5, leading=16, spaceAfter=7)
    return {
        "body": base,
        "title": ParagraphStyle(
            "title",
            parent=base,
            fontName=SANS_BOLD,
            fontSize=17,
            leading=22,
            alignment=1,
            textColor=PRIMARY,
            spaceAfter=10,
        ),
        "head": ParagraphStyle("head", parent=base, fontName=SANS_BOLD, fontSize=11, leading=14, alignment=1),
        "small": ParagraphStyle("small", parent=base, fontSize=9, leading=12, textColor=HexColor("#444444")),
        "mono": ParagraphStyle("mono", parent=base, fontName=MONO, fontSize=8.5, leading=11, spaceAfter=0),
    }


def paragraphs(letter: LetterData) -> list[tuple[str, str]]:
    """The letter's text as (style, markup) pairs, Vietnamese."""
    e = escape
    return [
        ("head", f"{e(letter.agency_name_vi).upper()}"),
        ("title", "THƯ MỜI THAM GIA KHẢO SÁT SỰ HÀI LÒNG"),
        ("body", "Kính gửi Quý Ông/Bà,"),
        (
            "body",
            f"Hồ sơ số <b>{e(letter.dossier_code)}</b> (lĩnh vực {e(letter.field)}) của Quý Ông/Bà "
            f"đã được giải quyết xong ngày {_date_vi(letter.completed_on)}. "
            "Hồ sơ này được chọn ngẫu nhiên vào mẫu của "
            f"đợt khảo sát <b>{e(letter.wave_name_vi)}</b> nhằm đo lường sự hài lòng của người dân, "
            "tổ chức đối với sự phục vụ của cơ quan hành chính nhà nước (SIPAS).",
        ),
        (
            "body",
            "Ý kiến của Quý Ông/Bà giúp cơ quan cải thiện chất lượng phục vụ. Phiếu khảo sát mất "
            "khoảng 10 phút, hoàn toàn tự nguyện và được giữ bí mật: "
            "kết quả chỉ được công bố dưới dạng tổng hợp.",
        ),
        (
            "body",
            f"Xin mời Quý Ông/Bà quét mã QR dưới đây bằng điện thoại để trả lời trước ngày "
            f"<b>{_date_vi(letter.period_end)}</b>. Mã chỉ dùng được một lần cho hồ sơ này "
            f"(điểm phục vụ: {e(letter.service_point_name_vi)}). Nếu Quý Ông/Bà đã được phỏng vấn qua điện "
            "thoại, xin không trả lời thêm.",
        ),
        ("body", "Trân trọng cảm ơn sự hợp tác của Quý Ông/Bà."),
    ]


def _draw_qr(canvas: Canvas, url: str, x: float, y: float, side: float) -> None:
    matrix = qr_matrix(url)
    module = side / (len(matrix) + 2 * QUIET_ZONE)
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.8)
    canvas.roundRect(x - 2, y - 2, side + 4, side + 4, 6, stroke=1, fill=0)
    path = canvas.beginPath()
    top = y + side - QUIET_ZONE * module
    for row, column, run in dark_runs(matrix):
        path.rect(x + (QUIET_ZONE + column) * module, top - (row + 1) * module, run * module, module)
    canvas.setFillColorRGB(0, 0, 0)
    canvas.drawPath(path, stroke=0, fill=1)


QR_SIDE = 55 * mm
MARGIN = 20 * mm


def qr_position() -> tuple[float, float, float]:
    """(x, y, side) of the QR code on the page, in points (lets tests read the code back)."""
    width, _ = A4
    return (width - QR_SIDE) / 2, 62 * mm, QR_SIDE


def render_letters(letters: Sequence[LetterData], invariant: bool = False) -> bytes:
    """All letters in one PDF, one A4 page each."""
    if not letters:
        raise ValueError("no letters to render")
    register_fonts()
    styles = _styles()
    width, height = A4
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1 if invariant else 0, pageCompression=1)
    canvas.setTitle("Thư mời tham gia khảo sát")
    canvas.setCreator("sipas")
    qx, qy, side = qr_position()
    for letter in letters:
        canvas.setFillColor(PRIMARY)
        canvas.rect(0, height - 8 * mm, width, 8 * mm, stroke=0, fill=1)
        story = [Paragraph(text, styles[style]) for style, text in paragraphs(letter)]
        frame = Frame(
            MARGIN,
            qy + side + 8 * mm,
            width - 2 * MARGIN,
            height - 20 * mm - (qy + side + 8 * mm),
            showBoundary=0,
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        frame.addFromList(story, canvas)
        if story:
            raise ValueError(f"letter {letter.reference}: the text does not fit on one page")
        _draw_qr(canvas, letter.url, qx, qy, side)
        bottom = [
            Paragraph("Nếu không quét được mã, mở địa chỉ sau trên trình duyệt:", styles["small"]),
            Paragraph(escape(letter.url), styles["mono"]),
            Paragraph(f"Số tham chiếu: {escape(letter.reference)}", styles["small"]),
        ]
        footer = Frame(
            MARGIN,
            15 * mm,
            width - 2 * MARGIN,
            qy - 20 * mm,
            showBoundary=0,
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        footer.addFromList(bottom, canvas)
        if bottom:
            raise ValueError(f"letter {letter.reference}: the address does not fit on one page")
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
