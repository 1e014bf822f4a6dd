"""Printable A4/A5 posters inviting people to rate a service point by scanning its QR code.

Vietnamese comes first (``lang="vi"``) with a smaller English line; ``lang="en"`` swaps the order.
The QR code is drawn as vector rectangles from :func:`reports.qr.qr_matrix`, so it prints sharply at
any size. ``invariant=True`` gives byte-identical output for identical input (tests, caching).
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass, field
from typing import Literal
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4, A5
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from reports.fonts import MONO, SANS_BOLD, register_fonts
from reports.qr import QUIET_ZONE, dark_runs, qr_matrix
from reports.styles import ACCENT, PRIMARY, PRIMARY_LIGHT, RULE, WHITE, paragraph_styles, scaled

PosterSize = Literal["A4", "A5"]
Language = Literal["vi", "en"]
Channel = Literal["online", "kiosk"]

PAGE_SIZES: dict[str, tuple[float, float]] = {"A4": A4, "A5": A5}
_A4_WIDTH = A4[0]

TITLE = {
    "vi": "Ý kiến của Ông/Bà giúp chúng tôi\nphục vụ tốt hơn",
    "en": "Your opinion helps us serve you better",
}
# The subtitle line (the other language) reads as one line.
FOOTER = {
    "vi": "Khảo sát độc lập, ẩn danh — không thu thập thông tin cá nhân",
    "en": "An independent, anonymous survey — no personal data is collected",
}
FALLBACK_LABEL = {
    "vi": "Không quét được mã? Nhập địa chỉ sau vào trình duyệt:",
    "en": "Cannot scan the code? Type this address into a browser:",
}
POINT_LABEL = {"vi": "Nơi đánh giá", "en": "Service point"}


@dataclass(frozen=True)
class PosterData:
    """What a poster shows. ``url`` goes into the QR code; ``fallback_text`` is printed to type by hand."""

    agency_name_vi: str
    agency_name_en: str
    point_name_vi: str
    point_name_en: str
    channel: Channel
    url: str
    fallback_text: str
    province_name: str | None = None
    questions: int | None = None  # "about N questions"; None → "a few short questions"
    minutes: int = 5

    def __post_init__(self) -> None:
        if self.channel not in ("online", "kiosk"):
            raise ValueError("channel must be 'online' or 'kiosk'")
        if not self.url:
            raise ValueError("a poster needs the URL of its form")
        for name in ("agency_name_vi", "agency_name_en", "point_name_vi", "point_name_en"):
            # NFC: precomposed letters (ộ, not o + ̣ + ̂) so every glyph exists and text extracts cleanly.
            object.__setattr__(self, name, unicodedata.normalize("NFC", getattr(self, name)).strip())
        if self.province_name is not None:
            object.__setattr__(self, "province_name", unicodedata.normalize("NFC", self.province_name))


def steps(poster: PosterData) -> dict[str, list[str]]:
    """The three numbered instructions, in both languages."""
    if poster.channel == "kiosk":
        first = {
            "vi": "Quét mã QR bằng camera điện thoại, hoặc dùng máy tính bảng khảo sát đặt tại quầy.",
            "en": "Scan the QR code with your phone camera, or use the survey tablet at the counter.",
        }
    else:
        first = {
            "vi": "Mở camera điện thoại và quét mã QR ở trên.",
            "en": "Open your phone camera and scan the QR code above.",
        }
    if poster.questions:
        second = {
            "vi": f"Trả lời khoảng {poster.questions} câu hỏi, mất khoảng {poster.minutes} phút. "
            "Phiếu không ghi tên.",
            "en": f"Answer about {poster.questions} questions; it takes about {poster.minutes} minutes. "
            "It is anonymous.",
        }
    else:
        second = {
            "vi": f"Trả lời vài câu hỏi ngắn, mất khoảng {poster.minutes} phút. Phiếu không ghi tên.",
            "en": f"Answer a few short questions; it takes about {poster.minutes} minutes. It is anonymous.",
        }
    third = {
        "vi": "Nhấn nút “Gửi” để hoàn tất. Xin cảm ơn Ông/Bà!",
        "en": "Press “Gửi” (Submit) to finish. Thank you!",
    }
    return {lang: [first[lang], second[lang], third[lang]] for lang in ("vi", "en")}


@dataclass(frozen=True)
class QrBox:
    """Where the QR symbol sits on the page, in points from the bottom-left corner (quiet zone included)."""

    x: float
    y: float
    side: float
    modules: int  # symbol width in modules, without the quiet zone

    @property
    def module(self) -> float:
        return self.side / (self.modules + 2 * QUIET_ZONE)


def _other(lang: Language) -> Language:
    return "en" if lang == "vi" else "vi"


def _p(text: str, style_name: str, factor: float, **overrides: object) -> Paragraph:
    style = scaled(paragraph_styles()[style_name], factor)
    for key, value in overrides.items():
        setattr(style, key, value)
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


@dataclass
class _Column:
    """Paragraphs stacked top-down in a fixed-width column; measures before it draws."""

    width: float
    items: list[tuple[Paragraph, float, float]] = field(default_factory=list)  # paragraph, indent, gap

    def add(self, paragraph: Paragraph, gap: float = 0.0, indent: float = 0.0) -> Paragraph:
        self.items.append((paragraph, indent, gap))
        return paragraph

    def height(self) -> float:
        return sum(gap + float(p.wrap(self.width - indent, 10_000)[1]) for p, indent, gap in self.items)

    def draw(self, canvas: Canvas, x: float, top: float) -> list[float]:
        """Draw from ``top`` down; returns the top edge of each paragraph."""
        y, tops = top, []
        for paragraph, indent, gap in self.items:
            _, h = paragraph.wrap(self.width - indent, 10_000)
            y -= gap
            tops.append(y)
            y -= h
            paragraph.drawOn(canvas, x + indent, y)
        return tops


def _fit_font_size(text: str, font: str, preferred: float, minimum: float, width: float) -> float:
    size = preferred
    while size > minimum and stringWidth(text, font, size) > width:
        size -= 0.25
    return size


@dataclass
class _Layout:
    width: float
    height: float
    f: float  # scale factor relative to A4
    margin: float
    band: _Column
    band_height: float
    head: _Column
    steps: _Column
    step_starts: list[int]  # which items of ``steps`` begin a numbered step
    fallback: _Column
    footer: _Column
    footer_height: float
    gap: float
    qr: QrBox

    @property
    def inner(self) -> float:
        return self.width - 2 * self.margin


def _layout(poster: PosterData, size: PosterSize, lang: Language) -> _Layout:
    """Measure every block, then give the QR code the room that is left (at most half the page width)."""
    if size not in PAGE_SIZES:
        raise ValueError("size must be 'A4' or 'A5'")
    if lang not in ("vi", "en"):
        raise ValueError("lang must be 'vi' or 'en'")
    width, height = PAGE_SIZES[size]
    f = width / _A4_WIDTH
    margin = 36 * f
    inner = width - 2 * margin
    other = _other(lang)
    names = {
        "agency": (poster.agency_name_vi, poster.agency_name_en),
        "point": (poster.point_name_vi, poster.point_name_en),
    }
    first, second = (0, 1) if lang == "vi" else (1, 0)

    band = _Column(inner)
    if poster.province_name:
        band.add(_p(poster.province_name.upper(), "band_small", f))
    band.add(_p(names["agency"][first], "band", f), 3 * f)
    band.add(_p(names["agency"][second], "band_small", f), 1 * f)
    band_height = band.height() + 26 * f

    head = _Column(inner)
    head.add(_p(TITLE[lang], "title", f))
    head.add(_p(TITLE[other], "subtitle", f), 4 * f)
    head.add(_p(f"{POINT_LABEL[lang]}: {names['point'][first]}", "heading", f, alignment=1), 14 * f)
    head.add(_p(names["point"][second], "step_en", f, alignment=1), 1 * f)

    texts = steps(poster)
    badge = 22 * f
    step_column = _Column(inner)
    starts = []
    for number, (primary, secondary) in enumerate(zip(texts[lang], texts[other], strict=True)):
        starts.append(len(step_column.items))
        step_column.add(_p(primary, "step", f), 10 * f if number else 0, badge + 10 * f)
        step_column.add(_p(secondary, "step_en", f), 1 * f, badge + 10 * f)

    fallback = _Column(inner - 20 * f)
    fallback.add(_p(FALLBACK_LABEL[lang], "centre", f))
    fallback.add(_p(FALLBACK_LABEL[other], "small", f, alignment=1))
    mono_size = _fit_font_size(poster.fallback_text, MONO, 18 * f, 7 * f, inner - 28 * f)
    fallback.add(_p(poster.fallback_text, "mono", f, fontSize=mono_size, leading=mono_size * 1.25), 5 * f)

    footer = _Column(inner)
    footer.add(_p(FOOTER[lang], "footer", f))
    footer.add(_p(FOOTER[other], "footer", f, fontSize=8 * f, leading=10 * f), 1 * f)
    footer_height = footer.height() + 16 * f

    gap = 16 * f
    used = band_height + head.height() + step_column.height() + fallback.height() + 16 * f + footer_height
    qr_side = min(0.5 * width, height - used - 6 * gap)
    if qr_side < 0.25 * width:
        raise ValueError("the names are too long to fit on the poster beside a scannable QR code")
    qr_top = height - band_height - gap - head.height() - gap
    modules = len(qr_matrix(poster.url))
    return _Layout(
        width=width,
        height=height,
        f=f,
        margin=margin,
        band=band,
        band_height=band_height,
        head=head,
        steps=step_column,
        step_starts=starts,
        fallback=fallback,
        footer=footer,
        footer_height=footer_height,
        gap=gap,
        qr=QrBox(x=(width - qr_side) / 2, y=qr_top - qr_side, side=qr_side, modules=modules),
    )


def qr_box(poster: PosterData, size: PosterSize = "A4", lang: Language = "vi") -> QrBox:
    """Where :func:`render_poster` draws the QR code (lets tests read the code back from pixels)."""
    return _layout(poster, size, lang).qr


def _draw_qr(canvas: Canvas, url: str, box: QrBox) -> None:
    matrix = qr_matrix(url)
    m = box.module
    canvas.setFillColor(WHITE)
    canvas.rect(box.x, box.y, box.side, box.side, stroke=0, fill=1)
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.8)
    canvas.roundRect(box.x - 2, box.y - 2, box.side + 4, box.side + 4, 6, stroke=1, fill=0)
    path = canvas.beginPath()
    top = box.y + box.side - QUIET_ZONE * m
    for row, column, run in dark_runs(matrix):
        path.rect(box.x + (QUIET_ZONE + column) * m, top - (row + 1) * m, run * m, m)
    canvas.setFillColorRGB(0, 0, 0)
    canvas.drawPath(path, stroke=0, fill=1)


def render_poster(
    poster: PosterData, size: PosterSize = "A4", lang: Language = "vi", invariant: bool = False
) -> bytes:
    """The poster as a one-page PDF with embedded Roboto (or DejaVu) subsets."""
    register_fonts()
    layout = _layout(poster, size, lang)
    width, height, f = layout.width, layout.height, layout.f
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(width, height), invariant=1 if invariant else 0, pageCompression=1)
    canvas.setTitle(f"{TITLE[lang]} — {poster.point_name_vi}".replace("\n", " "))
    canvas.setAuthor(poster.agency_name_vi)
    canvas.setSubject(poster.url)
    canvas.setCreator("sipas")

    # Top band: province, agency.
    canvas.setFillColor(PRIMARY)
    canvas.rect(0, height - layout.band_height, width, layout.band_height, stroke=0, fill=1)
    canvas.setFillColor(ACCENT)
    canvas.rect(0, height - layout.band_height - 4 * f, width, 4 * f, stroke=0, fill=1)
    layout.band.draw(canvas, layout.margin, height - 13 * f)

    y = height - layout.band_height - layout.gap
    layout.head.draw(canvas, layout.margin, y)
    _draw_qr(canvas, poster.url, layout.qr)

    # Numbered steps with round badges.
    steps_top = layout.qr.y - layout.gap * 1.5
    tops = layout.steps.draw(canvas, layout.margin, steps_top)
    radius = 11 * f
    for number, index in enumerate(layout.step_starts, 1):
        cy = tops[index] - radius + 1 * f
        canvas.setFillColor(PRIMARY)
        canvas.circle(layout.margin + radius, cy, radius, stroke=0, fill=1)
        canvas.setFillColor(WHITE)
        canvas.setFont(SANS_BOLD, 13 * f)
        canvas.drawCentredString(layout.margin + radius, cy - 4.6 * f, str(number))
    y = steps_top - layout.steps.height() - layout.gap

    # The address to type, in a light box.
    box_height = layout.fallback.height() + 16 * f
    canvas.setFillColor(PRIMARY_LIGHT)
    canvas.roundRect(layout.margin, y - box_height, layout.inner, box_height, 6 * f, stroke=0, fill=1)
    layout.fallback.draw(canvas, layout.margin + 10 * f, y - 8 * f)

    # Footer band.
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.6)
    canvas.line(layout.margin, layout.footer_height, width - layout.margin, layout.footer_height)
    layout.footer.draw(canvas, layout.margin, layout.footer_height - 8 * f)

    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
