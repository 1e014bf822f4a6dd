"""Colours and paragraph styles shared by posters and scorecards."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from types import MappingProxyType
from typing import Final

from reportlab.lib.colors import Color, HexColor
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.styles import ParagraphStyle

from reports.fonts import MONO, SANS, SANS_BOLD, register_fonts

# A restrained palette: dark blue for headings and bands, a warm accent, greys for secondary text.
PRIMARY: Final[Color] = HexColor("#0B3C6F")
PRIMARY_LIGHT: Final[Color] = HexColor("#E6EEF7")
ACCENT: Final[Color] = HexColor("#C8102E")
TEXT: Final[Color] = HexColor("#1A1A1A")
MUTED: Final[Color] = HexColor("#5A6572")
RULE: Final[Color] = HexColor("#B8C4D0")
WHITE: Final[Color] = HexColor("#FFFFFF")


def scaled(style: ParagraphStyle, factor: float, name: str | None = None) -> ParagraphStyle:
    """A copy of ``style`` with font size and leading multiplied by ``factor`` (A4 → A5 is 0.707)."""
    return ParagraphStyle(
        name or f"{style.name}@{factor:.3f}",
        parent=style,
        fontSize=style.fontSize * factor,
        leading=style.leading * factor,
        spaceBefore=style.spaceBefore * factor,
        spaceAfter=style.spaceAfter * factor,
    )


@cache
def paragraph_styles() -> Mapping[str, ParagraphStyle]:
    """Named styles (sizes for A4; use :func:`scaled` for smaller pages). Registers the fonts."""
    register_fonts()
    base = ParagraphStyle("body", fontName=SANS, fontSize=11, leading=14, textColor=TEXT, alignment=TA_LEFT)
    styles = {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8.5, leading=11, textColor=MUTED),
        "title": ParagraphStyle(
            "title",
            parent=base,
            fontName=SANS_BOLD,
            fontSize=30,
            leading=36,
            textColor=PRIMARY,
            alignment=TA_CENTER,
        ),
        "subtitle": ParagraphStyle(
            "subtitle", parent=base, fontSize=15, leading=19, textColor=MUTED, alignment=TA_CENTER
        ),
        "heading": ParagraphStyle(
            "heading", parent=base, fontName=SANS_BOLD, fontSize=16, leading=20, textColor=PRIMARY
        ),
        "band": ParagraphStyle(
            "band",
            parent=base,
            fontName=SANS_BOLD,
            fontSize=13,
            leading=16,
            textColor=WHITE,
            alignment=TA_CENTER,
        ),
        "band_small": ParagraphStyle(
            "band_small", parent=base, fontSize=10, leading=13, textColor=WHITE, alignment=TA_CENTER
        ),
        "centre": ParagraphStyle("centre", parent=base, alignment=TA_CENTER),
        "step": ParagraphStyle("step", parent=base, fontSize=14, leading=18),
        "step_en": ParagraphStyle("step_en", parent=base, fontSize=10, leading=13, textColor=MUTED),
        "mono": ParagraphStyle(
            "mono", parent=base, fontName=MONO, fontSize=16, leading=20, alignment=TA_CENTER
        ),
        "footer": ParagraphStyle(
            "footer", parent=base, fontSize=9.5, leading=12, textColor=MUTED, alignment=TA_CENTER
        ),
    }
    return MappingProxyType(styles)
