"""Printed questionnaires (A4, Vietnamese, large type, tick boxes), one copy per serial.

Pure rendering: the caller supplies the layout (sections, numbered questions, boxes with the digit a clerk
keys, skip instructions) and each copy's serial, with an address block for copies sent by post.

The questions are laid out once: each page body is drawn into a PDF form XObject and every copy reuses the
same bodies, drawing only its own header (serial and its QR code, on every page, so loose pages still
find their copy) and, on its first page, the address block. So printing ten thousand copies costs little
more than printing one, and the file stays small.

The address block sits where a DL window envelope shows it (20 mm from the left, 45 mm from the top).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Frame, Paragraph, Spacer, Table, TableStyle

from reports.fonts import MONO, SANS, SANS_BOLD, register_fonts
from reports.qr import QUIET_ZONE, dark_runs, qr_matrix

PRIMARY = HexColor("#0b4f8a")
RULE = HexColor("#8a99a8")
SHADE = HexColor("#eef2f6")
MARGIN = 15 * mm
HEADER = 24 * mm  # title bar, serial and QR code at the top of every page
FOOTER = 12 * mm
ADDRESS_TOP = 45 * mm  # window envelope: the address window's top edge, from the page top
ADDRESS_HEIGHT = 40 * mm
BOX = 4.6 * mm  # a tick box: large enough for an elderly respondent's cross


@dataclass(frozen=True)
class Choice:
    key: str
    label: str
    goto: str = ""


@dataclass(frozen=True)
class Question:
    code: str
    number: str
    text: str
    kind: str  # scale | single | yesno | multi | text | number
    choices: list[Choice]
    instruction: str = ""
    required: bool = False
    scale: str = ""
    max_length: int | None = None


@dataclass(frozen=True)
class Section:
    code: str
    title: str
    description: str
    questions: list[Question] = field(default_factory=list)


@dataclass(frozen=True)
class FormLayout:
    title: str
    description: str
    sections: list[Section]


@dataclass(frozen=True)
class FormCopy:
    """One printed copy: its serial as printed (``4821-0937-553``) and, for post, the address lines."""

    serial: str
    agency: str = ""  # printed at the top of every page: copies of one run may serve several agencies
    address: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class FormHeading:
    """What every copy of one print run says above the questions."""

    wave: str
    service_point: str
    return_to: str  # where the respondent sends the copy back (the agency's name and address)
    deadline: str  # dd/mm/yyyy


def layout_from_mapping(data: Mapping[str, Any]) -> FormLayout:
    """A layout from plain data (``dataclasses.asdict`` of the survey engine's paper layout)."""
    return FormLayout(
        title=str(data["title"]),
        description=str(data.get("description", "")),
        sections=[
            Section(
                code=s["code"],
                title=s["title"],
                description=s.get("description", ""),
                questions=[
                    Question(**{**q, "choices": [Choice(**c) for c in q["choices"]]}) for q in s["questions"]
                ],
            )
            for s in data["sections"]
        ],
    )


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=SANS, fontSize=12, leading=15.5)
    return {
        "body": base,
        "title": ParagraphStyle(
            "title", parent=base, fontName=SANS_BOLD, fontSize=16, leading=20, alignment=1, textColor=PRIMARY
        ),
        "head": ParagraphStyle("head", parent=base, fontName=SANS_BOLD, fontSize=11, leading=14, alignment=1),
        "section": ParagraphStyle(
            "section",
            parent=base,
            fontName=SANS_BOLD,
            fontSize=13,
            leading=17,
            textColor=PRIMARY,
            spaceBefore=8,
        ),
        "question": ParagraphStyle("question", parent=base, fontSize=12, leading=15.5, spaceBefore=5),
        "instruction": ParagraphStyle(
            "instruction",
            parent=base,
            fontName=SANS_BOLD,
            fontSize=11.5,
            leading=15,
            textColor=HexColor("#8a1c1c"),
        ),
        "choice": ParagraphStyle("choice", parent=base, fontSize=12, leading=15),
        "grid_head": ParagraphStyle("grid_head", parent=base, fontSize=9, leading=10.5, alignment=1),
        "cell": ParagraphStyle("cell", parent=base, fontSize=11.5, leading=14.5),
        "small": ParagraphStyle("small", parent=base, fontSize=10, leading=13, textColor=HexColor("#333333")),
        "address": ParagraphStyle("address", parent=base, fontSize=12, leading=16),
    }


class TickBox(Flowable):  # type: ignore[misc]  # reportlab ships no type hints
    """A square to tick, with the digit a clerk keys for it printed small beside it."""

    def __init__(self, key: str, with_key: bool = True) -> None:
        super().__init__()
        self.key = key
        self.with_key = with_key
        self.width = BOX + (4 * mm if with_key else 0)
        self.height = BOX

    def draw(self) -> None:
        canvas = self.canv
        canvas.setStrokeColorRGB(0, 0, 0)
        canvas.setLineWidth(1)
        canvas.rect(0, 0, BOX, BOX, stroke=1, fill=0)
        if self.with_key:
            canvas.setFont(SANS, 8)
            canvas.setFillColor(RULE)
            canvas.drawString(BOX + 1.2 * mm, 0.4 * mm, self.key)
            canvas.setFillColorRGB(0, 0, 0)


class WriteLines(Flowable):  # type: ignore[misc]  # reportlab ships no type hints
    """Ruled lines to write an answer on."""

    def __init__(self, width: float, lines: int) -> None:
        super().__init__()
        self.width = width
        self.lines = lines
        self.height = lines * 9 * mm

    def draw(self) -> None:
        canvas = self.canv
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.6)
        for n in range(self.lines):
            y = self.height - (n + 1) * 9 * mm + 1.5 * mm
            canvas.line(0, y, self.width, y)


class NeedSpace(Flowable):  # type: ignore[misc]  # reportlab ships no type hints
    """Moves what follows to the next page unless ``need`` points are left (a heading stays with its
    questions; KeepTogether and keepWithNext need a document template, these pages are drawn by frame)."""

    def __init__(self, need: float) -> None:
        super().__init__()
        self.need = need

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return 0, (0 if available_height >= self.need else available_height + 1)

    def draw(self) -> None:
        pass


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(text, style)


def _grid(questions: list[Question], styles: dict[str, ParagraphStyle], width: float) -> Table:
    """Questions on one scale as a grid: one row per question, one column per box."""
    choices = questions[0].choices
    box_col = 17 * mm
    text_col = width - box_col * len(choices)
    head = [_p("", styles["grid_head"])] + [
        _p(f"{escape(c.label)}<br/><b>{escape(c.key)}</b>", styles["grid_head"]) for c in choices
    ]
    rows: list[list[Any]] = [head]
    for q in questions:
        rows.append(
            [_p(f"<b>{escape(q.number)}</b>  {escape(q.text)}", styles["cell"])]
            + [TickBox(c.key, with_key=False) for c in q.choices]
        )
    table = Table(rows, colWidths=[text_col] + [box_col] * len(choices), repeatRows=1)
    style = [
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (1, 1), (-1, -1), "CENTER"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
        ("BACKGROUND", (0, 0), (-1, 0), SHADE),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (1, 1), (-1, -1), (box_col - BOX) / 2),
    ]
    table.setStyle(TableStyle(style))
    return table


def _choice_list(q: Question, styles: dict[str, ParagraphStyle], width: float) -> Table:
    rows = []
    for c in q.choices:
        label = escape(c.label)
        if c.goto:
            label += f"  <b>(chuyển đến {escape(c.goto)})</b>"
        rows.append([TickBox(c.key), _p(label, styles["choice"])])
    table = Table(rows, colWidths=[11 * mm, width - 11 * mm])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ]
        )
    )
    return table


def _question(q: Question, styles: dict[str, ParagraphStyle], width: float) -> list[Flowable]:
    parts: list[Flowable] = []
    if q.instruction:
        parts.append(_p("Lưu ý: " + escape(q.instruction), styles["instruction"]))
    hint = " <i>(có thể đánh dấu nhiều ô)</i>" if q.kind == "multi" else ""
    parts.append(_p(f"<b>Câu {escape(q.number)}.</b> {escape(q.text)}{hint}", styles["question"]))
    parts.append(Spacer(1, 2))
    if q.kind == "text":
        lines = 1 if (q.max_length or 2000) <= 200 or "other" in q.number else 3
        parts.append(WriteLines(width, lines))
    elif q.kind == "number":
        parts.append(WriteLines(60 * mm, 1))
    else:
        parts.append(_choice_list(q, styles, width))
    return [_unsplittable(parts, width)]


def _unsplittable(parts: list[Flowable], width: float) -> Table:
    """The parts in one table cell: a question never breaks across pages (KeepTogether needs a document
    template; these pages are drawn frame by frame)."""
    table = Table([[parts]], colWidths=[width])
    table.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    return table


def build_story(layout: FormLayout, width: float) -> list[Flowable]:
    """The questions as flowables: sections, grids of same-scale questions, choice lists, writing lines."""
    styles = _styles()
    story: list[Flowable] = []
    for section in layout.sections:
        story.append(NeedSpace(70 * mm))
        story.append(_p(escape(section.title), styles["section"]))
        if section.description:
            story.append(_p(escape(section.description), styles["small"]))
        run: list[Question] = []

        def flush(run: list[Question]) -> None:
            if run:
                story.append(NeedSpace(45 * mm))
                if run[0].instruction:
                    story.append(_p("Lưu ý: " + escape(run[0].instruction), styles["instruction"]))
                story.append(Spacer(1, 3))
                story.append(_grid(run, styles, width))
                story.append(Spacer(1, 4))

        for q in section.questions:
            same_scale = run and q.kind == "scale" and q.scale == run[0].scale and not q.instruction
            if q.kind == "scale" and (same_scale or not run):
                run.append(q)
                continue
            flush(run)
            run = []
            if q.kind == "scale":
                run = [q]
            else:
                story.extend(_question(q, styles, width))
        flush(run)
    story.append(Spacer(1, 8))
    story.append(_p("<b>Xin trân trọng cảm ơn Ông/Bà!</b>", styles["head"]))
    return story


def _intro(heading: FormHeading, layout: FormLayout, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    e = escape
    how = (
        "Cách trả lời: đánh dấu <b>X</b> vào <b>một</b> ô vuông cho mỗi câu "
        "(trừ khi câu hỏi cho phép nhiều ô), viết chữ in hoa rõ ràng vào các dòng kẻ. "
        "Nếu đánh nhầm, tô kín ô nhầm và đánh dấu ô đúng. "
        "Làm theo các dòng <b>Lưu ý</b> và chỉ dẫn <b>(chuyển đến câu …)</b>."
    )
    back = (
        f"Xin gửi lại phiếu trước ngày <b>{e(heading.deadline)}</b> qua bưu điện về: {e(heading.return_to)} "
        "(không phải dán tem). Phiếu không ghi tên người trả lời; ý kiến được giữ bí mật và chỉ công bố "
        "dưới dạng tổng hợp."
    )
    parts = [
        _p(e(layout.title).upper(), styles["title"]),
        _p(e(heading.wave), styles["head"]),
        Spacer(1, 5),
    ]
    if heading.service_point:
        parts.append(_p(f"Điểm phục vụ: <b>{e(heading.service_point)}</b>", styles["head"]))
    parts += [Spacer(1, 4), _p(how, styles["body"]), Spacer(1, 3), _p(back, styles["body"])]
    return parts


def _draw_qr(canvas: Canvas, matrix: list[list[bool]], x: float, y: float, side: float) -> None:
    module = side / (len(matrix) + 2 * QUIET_ZONE)
    path = canvas.beginPath()
    top = y + side - QUIET_ZONE * module
    for row, column, run in dark_runs(matrix):
        path.rect(x + (QUIET_ZONE + column) * module, top - (row + 1) * module, run * module, module)
    canvas.setFillColorRGB(0, 0, 0)
    canvas.drawPath(path, stroke=0, fill=1)


def serial_digits(serial: str) -> str:
    """What the QR code carries: the serial's digits only, as a scanner types them into the entry field."""
    return "".join(ch for ch in serial if ch.isdigit())


def _header(canvas: Canvas, copy: FormCopy, qr_form: str, page: int, pages: int) -> None:
    width, height = A4
    canvas.setFillColor(PRIMARY)
    canvas.rect(0, height - 6 * mm, width, 6 * mm, stroke=0, fill=1)
    side = 20 * mm
    canvas.doForm(qr_form)  # drawn once per copy (see render_paper_forms), placed on every page
    canvas.setFillColorRGB(0, 0, 0)
    if copy.agency:
        canvas.setFont(SANS_BOLD, 11)
        canvas.drawString(MARGIN, height - 14 * mm, copy.agency.upper()[:60])
    canvas.setFont(SANS, 9)
    canvas.drawRightString(width - MARGIN - side - 2 * mm, height - 12 * mm, "Số phiếu")
    canvas.setFont(MONO, 15)
    canvas.drawRightString(width - MARGIN - side - 2 * mm, height - 19 * mm, copy.serial)
    canvas.setFont(SANS, 9)
    canvas.drawString(MARGIN, 7 * mm, f"Số phiếu {copy.serial}")
    canvas.drawRightString(width - MARGIN, 7 * mm, f"Trang {page}/{pages}")
    canvas.setStrokeColor(RULE)
    canvas.line(MARGIN, FOOTER - 1 * mm, width - MARGIN, FOOTER - 1 * mm)


def _address(canvas: Canvas, copy: FormCopy, styles: dict[str, ParagraphStyle]) -> None:
    _, height = A4
    lines = [f"<b>{escape(copy.address[0])}</b>"] + [escape(line) for line in copy.address[1:]]
    story: list[Flowable] = [_p("<br/>".join(lines), styles["address"])]
    frame = Frame(
        20 * mm,
        height - ADDRESS_TOP - ADDRESS_HEIGHT,
        95 * mm,
        ADDRESS_HEIGHT,
        leftPadding=2 * mm,
        rightPadding=2 * mm,
        topPadding=2 * mm,
        bottomPadding=0,
        showBoundary=0,
    )
    frame.addFromList(story, canvas)
    if story:
        raise ValueError(f"copy {copy.serial}: the address does not fit in the envelope window")


def _fill(frame: Frame, story: list[Flowable], canvas: Canvas) -> None:
    """Fill one frame from the story, splitting a grid across pages (``Frame.addFromList`` never splits,
    which would move a whole grid on and leave its heading alone at the foot of a page)."""
    while story:
        if frame.add(story[0], canvas, trySplit=0):
            del story[0]
            continue
        parts = frame.split(story[0], canvas)
        if len(parts) < 2 or not frame.add(parts[0], canvas, trySplit=0):
            return
        story[0:1] = parts[1:]


def render_paper_forms(
    layout: FormLayout,
    heading: FormHeading,
    copies: Sequence[FormCopy],
    invariant: bool = False,
) -> bytes:
    """Every copy in one PDF; each copy starts on a new page. Copies with an address print it on page 1."""
    if not copies:
        raise ValueError("no copies to render")
    register_fonts()
    styles = _styles()
    width, height = A4
    body_width = width - 2 * MARGIN
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1 if invariant else 0, pageCompression=1)
    canvas.setTitle(layout.title)
    canvas.setCreator("sipas")
    with_address = any(c.address for c in copies)
    # Page 1 leaves room for the address window (when any copy is posted) above the introduction.
    first_top = height - (ADDRESS_TOP + ADDRESS_HEIGHT + 4 * mm if with_address else HEADER)
    story = [*_intro(heading, layout, styles), Spacer(1, 4), *build_story(layout, body_width)]
    pages = 0
    while story:
        top = first_top if pages == 0 else height - HEADER
        canvas.beginForm(f"body{pages}")
        frame = Frame(MARGIN, FOOTER, body_width, top - FOOTER, showBoundary=0, topPadding=0, bottomPadding=0)
        before = len(story)
        _fill(frame, story, canvas)
        canvas.endForm()
        pages += 1
        if len(story) == before and story:
            raise ValueError("a question is taller than a page")
    side = 20 * mm
    for number, copy in enumerate(copies):
        qr_form = f"qr{number}"
        canvas.beginForm(qr_form)
        _draw_qr(
            canvas, qr_matrix(serial_digits(copy.serial)), width - MARGIN - side, height - 7 * mm - side, side
        )
        canvas.endForm()
        for page in range(pages):
            _header(canvas, copy, qr_form, page + 1, pages)
            if page == 0 and copy.address:
                _address(canvas, copy, styles)
            canvas.doForm(f"body{page}")
            canvas.showPage()
    canvas.save()
    return buffer.getvalue()
