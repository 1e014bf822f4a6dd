"""Invitation letters: one A4 page per dossier, Vietnamese text, a QR code that reads back as its URL."""

from __future__ import annotations

import io
import shutil
import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path

import pypdf
import pytest

from reports.letters import LetterData, qr_position, render_letters
from reports.qr import QUIET_ZONE, qr_matrix

URL = "https://khaosat.example.vn/f/AbCdEf0123456789?r=1.SDU2LTAwMDEfQTEtUTE.abcdefghijklmnopqrstuv"
LETTER = LetterData(
    dossier_code="000.00.01.H01-261101-0001",
    field="Hộ tịch",
    completed_on=date(2026, 3, 31),
    agency_name_vi="Sở Tư pháp tỉnh An Bình",
    service_point_name_vi="Quầy Hộ tịch — Trung tâm Phục vụ hành chính công",
    url=URL,
    wave_name_vi="Khảo sát SIPAS năm 2026",
    period_end=date(2026, 12, 31),
    reference="AB-2026-17",
)


def test_one_a4_page_per_letter_with_vietnamese_text() -> None:
    other = replace(LETTER, dossier_code="H56-0002", reference="AB-2026-18")
    reader = pypdf.PdfReader(io.BytesIO(render_letters([LETTER, other])))
    assert len(reader.pages) == 2
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    text = reader.pages[0].extract_text().replace("\n", " ")
    for expected in ("THƯ MỜI THAM GIA KHẢO SÁT", "000.00.01.H01-261101-0001", "31/03/2026", "31/12/2026",
                     "Hộ tịch", "AB-2026-17"):  # fmt: skip
        assert expected in text
    assert "H56-0002" in reader.pages[1].extract_text()


def test_invariant_output_is_byte_identical_and_empty_input_refused() -> None:
    assert render_letters([LETTER], invariant=True) == render_letters([LETTER], invariant=True)
    with pytest.raises(ValueError):
        render_letters([])


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils (pdftoppm) is not installed")
def test_printed_qr_reads_back_as_the_receipt_url(tmp_path: Path) -> None:
    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(render_letters([LETTER]))
    dpi = 150
    subprocess.run(["pdftoppm", "-gray", "-r", str(dpi), str(pdf), str(tmp_path / "p")], check=True)
    data = next(tmp_path.glob("p*.pgm")).read_bytes()
    parts = data.split(maxsplit=4)
    width, height = int(parts[1]), int(parts[2])
    pixels = parts[4][: width * height]
    x0, y0, side = qr_position()
    matrix = qr_matrix(URL)
    m = side / (len(matrix) + 2 * QUIET_ZONE)
    scale = dpi / 72
    assert m * scale >= 5
    for r in range(-QUIET_ZONE, len(matrix) + QUIET_ZONE):
        for c in range(-QUIET_ZONE, len(matrix) + QUIET_ZONE):
            x = x0 + (QUIET_ZONE + c + 0.5) * m
            y = y0 + side - (QUIET_ZONE + r + 0.5) * m
            px, py = int(x * scale), int((height / scale - y) * scale)
            expected = 0 <= r < len(matrix) and 0 <= c < len(matrix) and matrix[r][c]
            assert (pixels[py * width + px] < 128) == expected, (r, c)
