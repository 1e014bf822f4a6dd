"""Charts for scorecards and province summaries, drawn with ``reportlab.graphics`` in the Vietnamese font.

:func:`interval_chart` draws horizontal bars (the estimate) with whiskers (the 95 % interval) on a fixed
0–100 axis, so that bars are comparable across agencies and reports. A suppressed value draws no bar, only
``—`` and the number of its footnote.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from reportlab.graphics.shapes import Drawing, Line, Polygon, Rect, String
from reportlab.lib.colors import Color, HexColor
from reportlab.pdfbase.pdfmetrics import stringWidth

from reports.fonts import SANS, SANS_BOLD, register_fonts
from reports.numbers import DASH, Language, format_number
from reports.styles import MUTED, PRIMARY, RULE, TEXT, WHITE

BAR: Color = HexColor("#5B8DC9")
BAR_HIGHLIGHT: Color = HexColor("#0B3C6F")
BAR_REVIEW: Color = HexColor("#A9C1E0")
WHISKER: Color = HexColor("#1A1A1A")
UP: Color = HexColor("#1E7B34")
DOWN: Color = HexColor("#C8102E")


@dataclass(frozen=True)
class ChartRow:
    """One bar: label, estimate and interval on 0–100; ``note`` is the footnote number of a flag."""

    label: str
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    suppressed: bool = False
    review: bool = False
    note: int | None = None
    highlight: bool = False


def wrap_text(text: str, font: str, size: float, width: float, max_lines: int = 2) -> list[str]:
    """Greedy word wrap to ``width`` points; the last line is shortened with an ellipsis if needed.

    Cached per process: labels repeat across every agency of a wave.
    """
    return list(_wrap(text, font, size, width, max_lines))


@lru_cache(maxsize=8192)
def _wrap(text: str, font: str, size: float, width: float, max_lines: int) -> tuple[str, ...]:
    words = text.split()
    lines: list[str] = []
    current = ""
    for word in words:
        trial = f"{current} {word}".strip()
        if stringWidth(trial, font, size) <= width or not current:
            current = trial
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and stringWidth(last + "…", font, size) > width:
            last = last[:-1].rstrip()
        lines[-1] = last + "…"
    return tuple(lines)


def triangle(x: float, y: float, size: float, up: bool, colour: Color) -> Polygon:
    """A small filled triangle (Roboto has no ▲ ▼ glyphs), centred on (x, y)."""
    h = size * 0.87
    if up:
        points = [x - size / 2, y - h / 2, x + size / 2, y - h / 2, x, y + h / 2]
    else:
        points = [x - size / 2, y + h / 2, x + size / 2, y + h / 2, x, y - h / 2]
    return Polygon(points, fillColor=colour, strokeColor=None, strokeWidth=0)


def _round_step(least: float) -> float:
    """The smallest of 1, 2, 5 × 10^k that is at least ``least``."""
    power = 10.0 ** math.floor(math.log10(least))
    return next(m * power for m in (1.0, 2.0, 5.0, 10.0) if m * power >= least - 1e-12)


def interval_chart(
    rows: Sequence[ChartRow],
    width: float,
    lang: Language,
    *,
    label_width: float | None = None,
    row_height: float = 22.0,
    font_size: float = 8.0,
    reference: float | None = None,
    reference_label: str | None = None,
    axis_min: float = 0.0,
    axis_max: float = 100.0,
) -> Drawing:
    """Horizontal bars with 95 % interval whiskers; values printed right of each whisker.

    ``reference`` draws a dashed vertical line (e.g. the provincial mean) labelled ``reference_label``.
    """
    register_fonts()
    label_width = label_width if label_width is not None else width * 0.36
    value_room = 34.0
    top_pad, axis_room = (14.0 if reference is not None else 4.0), 16.0
    height = top_pad + row_height * max(len(rows), 1) + axis_room
    d = Drawing(width, height, initialFontName=SANS, initialFontSize=8)
    x0 = label_width + 6
    x1 = width - value_room
    span = axis_max - axis_min

    def sx(v: float) -> float:
        return x0 + (min(max(v, axis_min), axis_max) - axis_min) / span * (x1 - x0)

    plot_top = height - top_pad
    plot_bottom = axis_room
    # Grid and axis labels: every 20 points on 0–100; on another range (e.g. a 0–18 total) a round step
    # (1, 2, 5 × 10^k) that gives at most six intervals.
    step = 20.0 if abs(span - 100.0) < 1e-9 else _round_step(span / 6)
    tick = axis_min
    while tick <= axis_max + 1e-9:
        x = sx(tick)
        d.add(Line(x, plot_bottom, x, plot_top, strokeColor=RULE, strokeWidth=0.4))
        d.add(
            String(
                x,
                plot_bottom - 10,
                format_number(tick, lang, 0 if abs(tick - round(tick)) < 1e-9 else 1),
                fontName=SANS,
                fontSize=font_size - 1,
                fillColor=MUTED,
                textAnchor="middle",
            )
        )
        tick += step
    d.add(Line(x0, plot_bottom, x1, plot_bottom, strokeColor=MUTED, strokeWidth=0.6))

    # The reference line goes under the bars and their values, so it never hides a number.
    if reference is not None:
        x = sx(reference)
        d.add(
            Line(
                x,
                plot_bottom,
                x,
                plot_top + 2,
                strokeColor=PRIMARY,
                strokeWidth=0.9,
                strokeDashArray=[3, 2],
            )
        )
        if reference_label:
            d.add(
                String(
                    x,
                    plot_top + 4,
                    reference_label,
                    fontName=SANS,
                    fontSize=font_size - 1,
                    fillColor=PRIMARY,
                    textAnchor="middle",
                )
            )
    bar_h = min(row_height * 0.5, 11.0)
    for i, row in enumerate(rows):
        yc = plot_top - (i + 0.5) * row_height
        font = SANS_BOLD if row.highlight else SANS
        lines = wrap_text(row.label, font, font_size, label_width, max_lines=2)
        lead = font_size * 1.15
        first_y = yc + (len(lines) - 1) * lead / 2 - font_size * 0.35
        for k, line in enumerate(lines):
            d.add(
                String(
                    label_width,
                    first_y - k * lead,
                    line,
                    fontName=font,
                    fontSize=font_size,
                    fillColor=TEXT,
                    textAnchor="end",
                )
            )
        note = f" ({row.note})" if row.note is not None else ""
        if row.suppressed or row.estimate is None:
            d.add(
                String(
                    x0 + 4,
                    yc - font_size * 0.35,
                    DASH + note,
                    fontName=SANS,
                    fontSize=font_size,
                    fillColor=MUTED,
                )
            )
            continue
        colour = BAR_REVIEW if row.review else (BAR_HIGHLIGHT if row.highlight else BAR)
        d.add(Rect(x0, yc - bar_h / 2, sx(row.estimate) - x0, bar_h, fillColor=colour, strokeColor=None))
        right = sx(row.estimate)
        if row.ci_low is not None and row.ci_high is not None:
            lo, hi = sx(row.ci_low), sx(row.ci_high)
            d.add(Line(lo, yc, hi, yc, strokeColor=WHISKER, strokeWidth=0.9))
            for x in (lo, hi):
                d.add(Line(x, yc - bar_h * 0.45, x, yc + bar_h * 0.45, strokeColor=WHISKER, strokeWidth=0.9))
            right = max(right, hi)
        value_text = format_number(row.estimate, lang) + note
        value_font = SANS_BOLD if row.highlight else SANS
        # A white patch under the value keeps it legible where the reference line crosses it.
        text_width = stringWidth(value_text, value_font, font_size)
        d.add(
            Rect(
                right + 2,
                yc - font_size * 0.55,
                text_width + 2,
                font_size * 1.1,
                fillColor=WHITE,
                strokeColor=None,
            )
        )
        d.add(
            String(
                right + 3,
                yc - font_size * 0.35,
                value_text,
                fontName=value_font,
                fontSize=font_size,
                fillColor=TEXT,
            )
        )
    return d


def stacked_share_bar(
    shares: Sequence[float | None], colours: Sequence[Color], width: float, height: float = 10.0
) -> Drawing:
    """One 100 % bar split into the given shares (missing shares draw nothing)."""
    d = Drawing(width, height, initialFontName=SANS, initialFontSize=8)
    x = 0.0
    for share, colour in zip(shares, colours, strict=True):
        if share is None or share <= 0:
            continue
        w = width * min(share, 100.0) / 100.0
        d.add(Rect(x, 0, w, height, fillColor=colour, strokeColor=None))
        x += w
    d.add(Rect(0, 0, width, height, fillColor=None, strokeColor=RULE, strokeWidth=0.4))
    return d
