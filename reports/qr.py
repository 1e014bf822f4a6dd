"""QR codes as module matrices, PNG and SVG bytes (error correction M, a 4-module quiet zone).

PNG and SVG are written here rather than by an imaging library, so the bytes depend only on the data.
"""

from __future__ import annotations

import struct
import zlib

import qrcode
from qrcode.constants import ERROR_CORRECT_M

QUIET_ZONE = 4  # modules of white around the symbol, as ISO/IEC 18004 requires


def qr_matrix(data: str) -> list[list[bool]]:
    """The QR symbol for ``data`` (smallest version, error correction M), without the quiet zone.

    ``True`` is a dark module; rows top to bottom, columns left to right.
    """
    if not data:
        raise ValueError("a QR code needs data")
    code = qrcode.QRCode(version=None, error_correction=ERROR_CORRECT_M, border=0)
    code.add_data(data.encode("utf-8"))
    code.make(fit=True)
    return [[bool(cell) for cell in row] for row in code.get_matrix()]


def _with_quiet_zone(matrix: list[list[bool]], border: int) -> list[list[bool]]:
    width = len(matrix) + 2 * border
    blank = [[False] * width for _ in range(border)]
    middle = [[False] * border + row + [False] * border for row in matrix]
    return blank + middle + [list(r) for r in blank]


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def qr_png(url: str, box_size: int = 10, border: int = QUIET_ZONE) -> bytes:
    """A black-on-white 1-bit greyscale PNG; ``box_size`` pixels per module."""
    if not 1 <= box_size <= 100:
        raise ValueError("box_size must be between 1 and 100 pixels")
    if not 0 <= border <= 20:
        raise ValueError("border must be between 0 and 20 modules")
    modules = _with_quiet_zone(qr_matrix(url), border)
    side = len(modules) * box_size
    raw = bytearray()
    for row in modules:
        bits = [not dark for dark in row for _ in range(box_size)]  # 1 = white in greyscale
        packed = bytearray((side + 7) // 8)
        for i, white in enumerate(bits):
            if white:
                packed[i >> 3] |= 0x80 >> (i & 7)
        line = b"\x00" + bytes(packed)  # filter type 0
        raw += line * box_size
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)  # bit depth 1, greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(bytes(raw), 9))
        + _png_chunk(b"IEND", b"")
    )


def dark_runs(matrix: list[list[bool]]) -> list[tuple[int, int, int]]:
    """Horizontal runs of dark modules as (row, first column, length): fewer shapes to draw."""
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                runs.append((y, start, x - start))
            else:
                x += 1
    return runs


def qr_svg(url: str, border: int = QUIET_ZONE, module_mm: float = 1.0) -> bytes:
    """A standalone SVG (one path, no external references), ``module_mm`` millimetres per module."""
    if not 0 <= border <= 20:
        raise ValueError("border must be between 0 and 20 modules")
    matrix = qr_matrix(url)
    side = len(matrix) + 2 * border
    path = "".join(f"M{x + border} {y + border}h{n}v1h-{n}z" for y, x, n in dark_runs(matrix))
    size = f"{side * module_mm:g}mm"
    svg = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{size}" height="{size}" '
        f'viewBox="0 0 {side} {side}" shape-rendering="crispEdges">'
        f'<rect width="{side}" height="{side}" fill="#ffffff"/>'
        f'<path fill="#000000" d="{path}"/></svg>\n'
    )
    return svg.encode("utf-8")
