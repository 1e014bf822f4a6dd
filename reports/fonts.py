"""TrueType fonts that cover Vietnamese, registered with ReportLab once per process.

ReportLab's built-in fonts (Helvetica, Times) and its bundled Vera cannot draw Vietnamese letters
(ạ ế ộ ư ơ đ …). Roboto, shipped as TTF files by the ``font-roboto`` package, covers all of them;
Debian's DejaVu Sans (``fonts-dejavu-core``) is the fallback. The monospaced face for addresses that
people type by hand is DejaVu Sans Mono when installed (it tells 0 from O and l from 1), else Roboto.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

SANS = "SipasSans"
SANS_BOLD = "SipasSans-Bold"
MONO = "SipasMono"

DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")

# The 67 letters of Vietnamese beyond ASCII (lower case), for coverage checks.
VIETNAMESE_LETTERS = "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"


class FontUnavailable(RuntimeError):
    """No TrueType font covering Vietnamese was found (install font-roboto or fonts-dejavu-core)."""


@dataclass(frozen=True)
class FontFiles:
    regular: Path
    bold: Path
    mono: Path
    family: str  # "Roboto" or "DejaVu Sans"


def _roboto_dir() -> Path | None:
    try:
        files = resources.files("font_roboto") / "files"
    except ModuleNotFoundError:
        return None
    path = Path(str(files))
    return path if (path / "Roboto-Regular.ttf").is_file() else None


def find_font_files() -> FontFiles:
    """Roboto from the ``font-roboto`` package, else DejaVu Sans from the system."""
    dejavu_mono = DEJAVU_DIR / "DejaVuSansMono-Bold.ttf"
    roboto = _roboto_dir()
    if roboto is not None and (roboto / "Roboto-Bold.ttf").is_file():
        mono = dejavu_mono if dejavu_mono.is_file() else roboto / "Roboto-Medium.ttf"
        if not mono.is_file():
            mono = roboto / "Roboto-Bold.ttf"
        return FontFiles(roboto / "Roboto-Regular.ttf", roboto / "Roboto-Bold.ttf", mono, "Roboto")
    regular, bold = DEJAVU_DIR / "DejaVuSans.ttf", DEJAVU_DIR / "DejaVuSans-Bold.ttf"
    if regular.is_file() and bold.is_file():
        return FontFiles(regular, bold, dejavu_mono if dejavu_mono.is_file() else bold, "DejaVu Sans")
    raise FontUnavailable("no font covering Vietnamese: install font-roboto (PyPI) or fonts-dejavu-core")


_lock = threading.Lock()
_registered: FontFiles | None = None


def register_fonts() -> FontFiles:
    """Register :data:`SANS`, :data:`SANS_BOLD` and :data:`MONO` (idempotent, thread-safe).

    ``<b>`` in a Paragraph using :data:`SANS` switches to :data:`SANS_BOLD`.
    """
    global _registered
    with _lock:
        if _registered is None:
            files = find_font_files()
            pdfmetrics.registerFont(TTFont(SANS, str(files.regular)))
            pdfmetrics.registerFont(TTFont(SANS_BOLD, str(files.bold)))
            pdfmetrics.registerFont(TTFont(MONO, str(files.mono)))
            addMapping(SANS, 0, 0, SANS)
            addMapping(SANS, 1, 0, SANS_BOLD)
            addMapping(SANS, 0, 1, SANS)
            addMapping(SANS, 1, 1, SANS_BOLD)
            _registered = files
        return _registered


def missing_glyphs(font_name: str, text: str) -> str:
    """The characters of ``text`` that the registered TrueType font ``font_name`` has no glyph for."""
    font = pdfmetrics.getFont(font_name)
    char_to_glyph: dict[int, int] = getattr(getattr(font, "face", None), "charToGlyph", {})
    return "".join(sorted({c for c in text if not c.isspace() and ord(c) not in char_to_glyph}))
