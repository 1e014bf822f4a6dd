"""QR codes: the matrix, PNG and SVG bytes read back and compared with qrcode's own symbol."""

from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET
import zlib

import pytest
import qrcode
from qrcode.constants import ERROR_CORRECT_M

from reports.qr import QUIET_ZONE, dark_runs, qr_matrix, qr_png, qr_svg

URL = "https://khaosat.example.vn/f/Xy3kP0lO1-_abcdefghijk"


def reference(data: str) -> list[list[bool]]:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    code.add_data(data)
    code.make(fit=True)
    assert code.error_correction == ERROR_CORRECT_M
    return [[bool(c) for c in row] for row in code.get_matrix()]


def read_png(data: bytes) -> tuple[int, int, list[list[bool]]]:
    """A minimal reader for the 1-bit greyscale PNGs we write: (width, height, dark pixels)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + body)
        chunks[kind] = chunks.get(kind, b"") + body
        pos += 12 + length
    width, height, depth, colour, *_ = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    assert (depth, colour) == (1, 0)
    raw = zlib.decompress(chunks[b"IDAT"])
    stride = (width + 7) // 8 + 1
    rows = []
    for y in range(height):
        line = raw[y * stride : (y + 1) * stride]
        assert line[0] == 0
        rows.append([not (line[1 + x // 8] >> (7 - x % 8)) & 1 for x in range(width)])
    return width, height, rows


@pytest.mark.parametrize(
    "data",
    [URL, "https://x.vn/k/a", "http://127.0.0.1:8000/f/" + "A" * 22 + "?r=1.abc.def", "Sở Tư pháp — ộ"],
)
def test_matrix_is_qrcodes_symbol_with_error_correction_m(data: str) -> None:
    matrix = qr_matrix(data)
    assert matrix == reference(data)
    n = len(matrix)
    assert (n - 17) % 4 == 0  # a valid QR version size
    for r0, c0 in ((0, 0), (0, n - 7), (n - 7, 0)):  # finder patterns: dark ring, light ring, dark core
        assert all(matrix[r0][c0 + i] and matrix[r0 + 6][c0 + i] for i in range(7))
        assert all(matrix[r0 + 2 + i][c0 + 2 + j] for i in range(3) for j in range(3))
        assert not any(matrix[r0 + 1][c0 + 1 + i] for i in range(5))


def test_png_pixels_are_the_matrix_with_a_quiet_zone() -> None:
    matrix = qr_matrix(URL)
    box = 3
    width, height, pixels = read_png(qr_png(URL, box_size=box))
    side = (len(matrix) + 2 * QUIET_ZONE) * box
    assert width == height == side
    for y in range(len(matrix)):
        for x in range(len(matrix)):
            py, px = (QUIET_ZONE + y) * box + 1, (QUIET_ZONE + x) * box + 1
            assert pixels[py][px] == matrix[y][x]
    assert not any(pixels[y][x] for y in range(QUIET_ZONE * box) for x in range(side))  # quiet zone


def test_svg_is_standalone_and_draws_the_matrix() -> None:
    svg = qr_svg(URL)
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{ns}svg"
    n = len(qr_matrix(URL)) + 2 * QUIET_ZONE
    assert root.get("viewBox") == f"0 0 {n} {n}"
    assert b"href" not in svg and b"<image" not in svg and b"<style" not in svg
    path = root.find(f"{ns}path")
    assert path is not None
    drawn = [[False] * n for _ in range(n)]
    d = path.get("d", "")
    runs = re.findall(r"M(\d+) (\d+)h(\d+)v1h-\3z", d)
    assert "".join(f"M{x} {y}h{n}v1h-{n}z" for x, y, n in runs) == d
    for x, y, run in ((int(a), int(b), int(c)) for a, b, c in runs):
        for i in range(run):
            drawn[y][x + i] = True
    matrix = qr_matrix(URL)
    assert [row[QUIET_ZONE : n - QUIET_ZONE] for row in drawn[QUIET_ZONE : n - QUIET_ZONE]] == matrix
    assert sum(r for *_, r in dark_runs(matrix)) == sum(map(sum, matrix))


def test_outputs_are_deterministic_and_inputs_checked() -> None:
    assert qr_png(URL) == qr_png(URL) and qr_svg(URL) == qr_svg(URL)
    with pytest.raises(ValueError):
        qr_matrix("")
    with pytest.raises(ValueError):
        qr_png(URL, box_size=0)
