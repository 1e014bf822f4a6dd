"""Printed questionnaires: A4 pages, every copy its serial and QR code on every page, Vietnamese glyphs,
the address block in the envelope window, the layout drawn once for all copies."""

from __future__ import annotations

import dataclasses
import io
import subprocess
from pathlib import Path

import pypdf
import pytest

from reports.fonts import SANS, missing_glyphs, register_fonts
from reports.paper_form import (
    FormCopy,
    FormHeading,
    layout_from_mapping,
    render_paper_forms,
    serial_digits,
)
from reports.qr import qr_matrix
from survey_engine.paper.layout import paper_layout
from survey_engine.questionnaire import get_template

HEADING = FormHeading("Khảo sát SIPAS 2025", "Bộ phận một cửa", "UBND phường Ba Đình", "31/12/2026")
LAYOUT = layout_from_mapping(dataclasses.asdict(paper_layout(get_template("sipas-2025"))))


def test_every_copy_has_its_serial_on_every_page_and_the_address_on_page_one() -> None:
    copies = [
        FormCopy(
            "1965-6417-612", "UBND phường Ba Đình", ["Nguyễn Thị Hằng", "Số 12 ngõ 34 phố Đội Cấn", "Hà Nội"]
        ),
        FormCopy("2822-5530-914", "UBND phường Ba Đình"),
    ]
    reader = pypdf.PdfReader(io.BytesIO(render_paper_forms(LAYOUT, HEADING, copies)))
    assert len(reader.pages) % 2 == 0
    per_copy = len(reader.pages) // 2
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert (round(width), round(height)) == (595, 842)  # A4
    for n, copy in enumerate(copies):
        for p in range(per_copy):
            text = reader.pages[n * per_copy + p].extract_text()
            assert copy.serial in text and f"Trang {p + 1}/{per_copy}" in text
    first = reader.pages[0].extract_text()
    assert "Nguyễn Thị Hằng" in first and "PHIẾU KHẢO SÁT" in first
    assert "Nguyễn Thị Hằng" not in reader.pages[per_copy].extract_text()
    everything = " ".join(page.extract_text() for page in reader.pages[:per_copy])
    assert "Chỉ trả lời câu 9.II.A.1 đến 9.II.E.3 nếu câu 8.3 là “Có” hoặc câu 8.4 là “Có”" in everything
    assert "(chuyển đến câu A.3)" in everything and "Xin trân trọng cảm ơn" in everything


def test_the_printed_words_have_every_glyph_in_the_embedded_font() -> None:
    register_fonts()
    words = " ".join(
        [
            q.text + " " + q.instruction + " " + " ".join(c.label for c in q.choices)
            for s in LAYOUT.sections
            for q in s.questions
        ]
    )
    assert missing_glyphs(SANS, words) == ""


def test_many_copies_reuse_one_layout() -> None:
    one = render_paper_forms(LAYOUT, HEADING, [FormCopy("1965-6417-612")], invariant=True)
    many = render_paper_forms(LAYOUT, HEADING, [FormCopy("1965-6417-612")] * 40, invariant=True)
    # the questions are drawn once: each further copy adds its headers and QR codes, not its questions
    assert len(many) - len(one) < 39 * len(one) / 3
    with pytest.raises(ValueError, match="no copies"):
        render_paper_forms(LAYOUT, HEADING, [])


def test_the_qr_code_holds_the_serial_digits(tmp_path: Path) -> None:
    pdf = tmp_path / "copy.pdf"
    pdf.write_bytes(render_paper_forms(LAYOUT, HEADING, [FormCopy("1965-6417-612")]))
    subprocess.run(
        ["pdftoppm", "-gray", "-r", "300", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")], check=True
    )
    data = next(tmp_path.glob("p*.pgm")).read_bytes()
    parts = data.split(maxsplit=4)
    width = int(parts[1])
    pixels = parts[4]
    matrix = qr_matrix(serial_digits("1965-6417-612"))
    # the QR code sits in the top right corner: 20 mm square, 15 mm from the right, 7 mm from the top
    scale = 300 / 25.4
    side = 20 * scale
    module = side / (len(matrix) + 8)
    x0 = width - 15 * scale - side
    y0 = 7 * scale
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            x = int(x0 + (4 + c + 0.5) * module)
            y = int(y0 + (4 + r + 0.5) * module)
            assert (pixels[y * width + x] < 128) == dark, (r, c)
