"""Posters: Vietnamese text survives (fonts, extraction), page sizes, byte-stable builds, a readable QR."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pypdf
import pytest

from reports.fonts import MONO, SANS, SANS_BOLD, VIETNAMESE_LETTERS, missing_glyphs, register_fonts
from reports.posters import PosterData, qr_box, render_poster
from reports.qr import QUIET_ZONE, qr_matrix

URL = "https://khaosat.example.vn/f/Xy3kP0lO1-_abcdefghijk"
POSTER = PosterData(
    agency_name_vi="Sở Tài nguyên và Môi trường",
    agency_name_en="Department of Natural Resources and Environment",
    point_name_vi="Bộ phận Một cửa UBND xã Phước Ân — quầy số 2",
    point_name_en="One-stop section, Phuoc An commune People's Committee — counter 2",
    channel="online",
    url=URL,
    fallback_text=URL,
    province_name="Tỉnh Đắk Lắk",
    questions=12,
)


def text_of(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    return reader.pages[0].extract_text()


def test_fonts_cover_vietnamese() -> None:
    register_fonts()
    letters = VIETNAMESE_LETTERS + VIETNAMESE_LETTERS.upper()
    assert missing_glyphs(SANS, letters) == ""
    assert missing_glyphs(SANS_BOLD, letters) == ""
    assert missing_glyphs(MONO, "https://abc.XYZ/f/0O1lI-_") == ""


@pytest.mark.parametrize("size,width,height", [("A4", 595, 842), ("A5", 420, 595)])
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_poster_text_and_page_size(size: str, width: int, height: int, lang: str) -> None:
    pdf = render_poster(POSTER, size, lang)  # type: ignore[arg-type]
    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (width, height)
    text = text_of(pdf)
    for expected in (
        "Sở Tài nguyên và Môi trường",
        "Bộ phận Một cửa UBND xã Phước Ân — quầy số 2",
        "TỈNH ĐẮK LẮK",
        URL,
        "Khảo sát độc lập, ẩn danh — không thu thập thông tin cá nhân",
        "khoảng 12 câu hỏi",
        "“Gửi”",
        "Your opinion helps us serve you better",
    ):
        assert expected in text, expected
    assert "Ý kiến của Ông/Bà giúp chúng tôi" in text
    assert b"/FontFile2" in pdf  # TrueType embedded, not a base-14 font


def test_decomposed_input_is_normalised() -> None:
    import unicodedata

    poster = PosterData(
        agency_name_vi=unicodedata.normalize("NFD", "Sở Y tế"),
        agency_name_en="Department of Health",
        point_name_vi="Quầy",
        point_name_en="Counter",
        channel="kiosk",
        url="https://x.vn/k/abc",
        fallback_text="https://x.vn/k/abc",
    )
    text = text_of(render_poster(poster, "A5"))
    assert "Sở Y tế" in text and "máy tính bảng" in text and "vài câu hỏi" in text


def test_invariant_output_is_byte_identical() -> None:
    first = render_poster(POSTER, "A4", invariant=True)
    assert render_poster(POSTER, "A4", invariant=True) == first
    assert render_poster(POSTER, "A5", invariant=True) != first


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        render_poster(POSTER, "A3")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        PosterData("a", "a", "b", "b", "phone", URL, URL)  # type: ignore[arg-type]
    very_long = PosterData("Sở " * 300, "x", "Quầy " * 300, "y", "online", URL, URL)
    with pytest.raises(ValueError, match="too long"):
        render_poster(very_long, "A5")


def _read_pgm(path: Path) -> tuple[int, int, bytes]:
    data = path.read_bytes()
    parts = data.split(maxsplit=4)
    assert parts[0] == b"P5" and parts[3] == b"255"
    width, height = int(parts[1]), int(parts[2])
    return width, height, parts[4][: width * height]


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils (pdftoppm) is not installed")
@pytest.mark.parametrize("size", ["A4", "A5"])
def test_printed_qr_modules_read_back_as_the_symbol(size: str, tmp_path: Path) -> None:
    """Rasterise the poster and sample the centre of every module: the symbol that a phone sees."""
    pdf = tmp_path / "poster.pdf"
    pdf.write_bytes(render_poster(POSTER, size))  # type: ignore[arg-type]
    dpi = 150
    subprocess.run(["pdftoppm", "-gray", "-r", str(dpi), str(pdf), str(tmp_path / "p")], check=True)
    width, height, pixels = _read_pgm(next(tmp_path.glob("p*.pgm")))
    box = qr_box(POSTER, size)  # type: ignore[arg-type]
    scale = dpi / 72
    page_height = height / scale
    matrix = qr_matrix(URL)
    m = box.module
    assert m * scale >= 6  # at least 6 pixels per module at 150 dpi: big enough to print and scan
    border = QUIET_ZONE
    for r in range(-border, len(matrix) + border):
        for c in range(-border, len(matrix) + border):
            x = box.x + (QUIET_ZONE + c + 0.5) * m
            y = box.y + box.side - (QUIET_ZONE + r + 0.5) * m
            px, py = int(x * scale), int((page_height - y) * scale)
            dark = pixels[py * width + px] < 128
            expected = 0 <= r < len(matrix) and 0 <= c < len(matrix) and matrix[r][c]
            assert dark == expected, (r, c)
