"""Server-rendered SVG charts for the results pages: dot-and-whisker rows and a trend over waves.

Pure functions from already formatted labels and numbers to inline ``<svg>`` markup (no database, no
request): the CSP forbids scripts and style attributes, so every colour and position is a presentation
attribute. Each chart is ``role="img"`` with a ``<title>`` and ``<desc>``; the page puts the same numbers
in a table next to it, for screen readers and for anyone who wants to read the figures.

The drawing is in a 960-unit wide viewBox that scales with the page (the console's ``.c-chart`` class):
at 1024 px the text is drawn at about its nominal 14 px. SVG text does not wrap, so long Vietnamese agency
names are broken into lines here at word boundaries (never inside a word, so diacritics are never split).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Literal

from markupsafe import Markup

State = Literal["ok", "review", "suppress"]

WIDTH = 960
FONT = 14
SMALL = 12
LINE = 18  # text line height in a row label
INK = "#1b1b1b"
MUTED = "#3d4551"
GRID = "#c5ccd6"
MAIN = "#0b4f8a"
STRONG = "#072f52"
REVIEW = "#8a4b00"
REFERENCE = "#5c6670"


@dataclass(frozen=True)
class Point:
    """One estimate as the chart draws it (0–100 scale).

    ``state`` ``"suppress"`` covers suppressed and not estimable figures: no dot and no number, only
    ``note`` (why). ``"review"`` draws a hollow dot and a dashed whisker, with ``note`` beside the value.
    ``value`` is the formatted estimate shown next to the whisker (``83,4``).
    """

    label: str
    estimate: float | None
    low: float | None
    high: float | None
    state: State = "ok"
    value: str = ""
    note: str = ""
    strong: bool = False  # the overall index among its elements


def _finite(x: float | None) -> bool:
    return x is not None and math.isfinite(x)


def _drawn(p: Point) -> bool:
    return p.state != "suppress" and _finite(p.estimate)


def axis_range(points: Sequence[Point], reference: float | None = None) -> tuple[float, float]:
    """A 0–100 sub-range that holds every drawn whisker, on multiples of 10 with some air.

    A dot plot need not start at zero (nothing is measured by length), and zooming in keeps narrow
    intervals visible; the axis is always labelled, so the scale is never hidden.
    """
    values: list[float] = [reference] if reference is not None and math.isfinite(reference) else []
    for p in points:
        if _drawn(p):
            values += [v for v in (p.estimate, p.low, p.high) if v is not None and math.isfinite(v)]
    if not values:
        return 0.0, 100.0
    lo = max(0.0, math.floor((min(values) - 3) / 10) * 10)
    hi = min(100.0, math.ceil((max(values) + 3) / 10) * 10)
    if hi - lo < 20:  # at least 20 points wide, so whiskers of a few points stay readable
        lo = max(0.0, hi - 20)
        hi = lo + 20
    return lo, hi


def _ticks(lo: float, hi: float) -> list[float]:
    step = 5 if hi - lo <= 30 else 10
    first = math.ceil(lo / step) * step
    return [float(v) for v in range(int(first), int(hi) + 1, step)]


def wrap(text: str, width: int, max_lines: int = 3) -> list[str]:
    """Words into lines of at most ``width`` characters (a word longer than that gets a line of its own);
    beyond ``max_lines`` the last line ends with an ellipsis."""
    lines = _greedy(text, width)
    if len(lines) > 1:
        # Vietnamese words are syllables separated by spaces, so any space may split a compound word
        # ("phản | ánh"): break after commas when that needs no more lines, else balance the lines (no
        # lone last syllable) with the narrowest width that needs no more lines.
        by_clause = _greedy_chunks(text.replace(", ", ",\0").split("\0"), width)
        if len(by_clause) == len(lines):
            lines = by_clause
        else:
            for narrower in range(max(1, -(-len(text) // len(lines))), width):
                candidate = _greedy(text, narrower)
                if len(candidate) == len(lines):
                    lines = candidate
                    break
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], lines[max_lines - 1] + " …"]
    return lines or [""]


def _greedy(text: str, width: int) -> list[str]:
    return _greedy_chunks(text.split(), width)


def _greedy_chunks(chunks: Sequence[str], width: int) -> list[str]:
    """Chunks (words or clauses) packed into lines of at most ``width`` characters where possible."""
    lines: list[str] = []
    for chunk in (c.strip() for c in chunks):
        if not chunk:
            continue
        if lines and len(lines[-1]) + 1 + len(chunk) <= width:
            lines[-1] += " " + chunk
        else:
            lines.append(chunk)
    return lines


def _num(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _text(x: float, y: float, body: str, *, size: int = FONT, fill: str = INK, **attrs: str) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{escape(v)}"' for k, v in attrs.items())
    return f'<text x="{_num(x)}" y="{_num(y)}" font-size="{size}" fill="{fill}"{extra}>{escape(body)}</text>'


def _open(chart_id: str, height: float, title: str, desc: str) -> list[str]:
    return [
        f'<svg class="c-chart rs-chart" id="{escape(chart_id)}" viewBox="0 0 {WIDTH} {_num(height)}" '
        f'role="img" aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(desc)}</desc>',
        f'<rect x="0" y="0" width="{WIDTH}" height="{_num(height)}" fill="#fff"/>',
    ]


def _marker(x: float, y: float, p: Point) -> str:
    r = 7 if p.strong else 6
    if p.state == "review":
        return (
            f'<circle cx="{_num(x)}" cy="{_num(y)}" r="{r}" fill="#fff" stroke="{REVIEW}" '
            'stroke-width="2.5"/>'
        )
    colour = STRONG if p.strong else MAIN
    return f'<circle cx="{_num(x)}" cy="{_num(y)}" r="{r}" fill="{colour}"/>'


def _whisker(x1: float, y1: float, x2: float, y2: float, p: Point, cap: str) -> str:
    colour = REVIEW if p.state == "review" else (STRONG if p.strong else MAIN)
    dash = ' stroke-dasharray="5 3"' if p.state == "review" else ""
    line = (
        f'<line x1="{_num(x1)}" y1="{_num(y1)}" x2="{_num(x2)}" y2="{_num(y2)}" stroke="{colour}" '
        f'stroke-width="2.5"{dash}/>'
    )
    caps = []
    for cx, cy in ((x1, y1), (x2, y2)):
        if cap == "vertical":
            caps.append(
                f'<line x1="{_num(cx)}" y1="{_num(cy - 6)}" x2="{_num(cx)}" y2="{_num(cy + 6)}" '
                f'stroke="{colour}" stroke-width="2"/>'
            )
        else:
            caps.append(
                f'<line x1="{_num(cx - 6)}" y1="{_num(cy)}" x2="{_num(cx + 6)}" y2="{_num(cy)}" '
                f'stroke="{colour}" stroke-width="2"/>'
            )
    return line + "".join(caps)


def dot_whisker(
    points: Sequence[Point],
    *,
    chart_id: str,
    title: str,
    desc: str,
    axis_label: str,
    tick_label: Callable[[float], str],
    reference: tuple[float, str] | None = None,
    label_chars: int = 44,
) -> Markup:
    """Horizontal rows: label | dot with interval whiskers on a shared axis | value.

    ``reference`` draws a dashed vertical line (e.g. the province mean) with its label at the top.
    Suppressed rows show their note across the plot area instead of a dot.
    """
    label_w, plot_x0, plot_x1, value_x = 330.0, 350.0, 820.0, 836.0
    top = 34.0 if reference else 12.0
    rows = []
    y = top
    for p in points:
        lines = wrap(p.label, label_chars)
        h = max(40.0, len(lines) * LINE + 14)
        rows.append((p, lines, y, h))
        y += h
    axis_y = y + 6
    height = axis_y + 52
    lo, hi = axis_range(points, reference[0] if reference else None)

    def sx(v: float) -> float:
        return plot_x0 + (min(max(v, lo), hi) - lo) / (hi - lo) * (plot_x1 - plot_x0)

    out = _open(chart_id, height, title, desc)
    # Layers from the back: row stripes, gridlines and axis, the reference line, then each row's marks
    # (a suppressed row's note sits on a white band so the reference line never runs through its text).
    for i, (_, _, y0, h) in enumerate(rows):
        if i % 2 == 1:
            out.append(f'<rect x="0" y="{_num(y0)}" width="{WIDTH}" height="{_num(h)}" fill="#f3f5f8"/>')
    for tick in _ticks(lo, hi):
        x = sx(tick)
        out.append(
            f'<line x1="{_num(x)}" y1="{_num(top - 4)}" x2="{_num(x)}" y2="{_num(axis_y)}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        out.append(_text(x, axis_y + 20, tick_label(tick), size=SMALL, fill=MUTED, text_anchor="middle"))
    out.append(
        f'<line x1="{_num(plot_x0)}" y1="{_num(axis_y)}" x2="{_num(plot_x1)}" y2="{_num(axis_y)}" '
        f'stroke="{MUTED}" stroke-width="1"/>'
    )
    out.append(
        _text((plot_x0 + plot_x1) / 2, axis_y + 42, axis_label, size=SMALL, fill=MUTED, text_anchor="middle")
    )
    if reference:
        x = sx(reference[0])
        out.append(
            f'<line x1="{_num(x)}" y1="{_num(top - 8)}" x2="{_num(x)}" y2="{_num(axis_y)}" '
            f'stroke="{REFERENCE}" stroke-width="2" stroke-dasharray="6 4"/>'
        )
        anchor = "end" if x > (plot_x0 + plot_x1) / 2 else "start"
        out.append(
            _text(
                x + (-6 if anchor == "end" else 6), 18, reference[1], size=SMALL, fill=INK, text_anchor=anchor
            )
        )
    for p, lines, y0, h in rows:
        mid = y0 + h / 2
        first = mid - (len(lines) - 1) * LINE / 2 + 5
        weight = "700" if p.strong else "400"
        for j, line in enumerate(lines):
            out.append(_text(label_w, first + j * LINE, line, text_anchor="end", font_weight=weight))
        if _drawn(p):
            assert p.estimate is not None  # noqa: S101 - invariant, not input
            if _finite(p.low) and _finite(p.high):
                assert p.low is not None and p.high is not None  # noqa: S101 - invariant, not input
                out.append(_whisker(sx(p.low), mid, sx(p.high), mid, p, "vertical"))
            out.append(_marker(sx(p.estimate), mid, p))
            colour = REVIEW if p.state == "review" else INK
            if p.note:
                out.append(_text(value_x, mid - 3, p.value, fill=colour, font_weight="700"))
                out.append(_text(value_x, mid + 13, p.note, size=SMALL, fill=colour))
            else:
                out.append(_text(value_x, mid + 5, p.value, fill=colour, font_weight="700"))
        else:
            band = min(plot_x1 - plot_x0, 16 + len(p.note) * 6.6)
            out.append(
                f'<rect x="{_num(plot_x0)}" y="{_num(mid - 11)}" width="{_num(band)}" height="22" '
                f'fill="#fff" stroke="{GRID}" rx="3"/>'
            )
            out.append(_text(plot_x0 + 8, mid + 4, p.note, size=SMALL, fill=MUTED, font_style="italic"))
            out.append(_text(value_x, mid + 5, "—", fill=MUTED))
    out.append("</svg>")
    return Markup("".join(out))  # noqa: S704 - parts escaped


def trend(
    points: Sequence[Point],
    *,
    chart_id: str,
    title: str,
    desc: str,
    axis_label: str,
    tick_label: Callable[[float], str],
) -> Markup:
    """Waves left to right (oldest first): dot with a vertical interval whisker per wave, neighbouring
    published estimates joined by a thin line (a reading aid, not a claim of change: the table beside
    the chart says which changes are significant; a wave without an estimate breaks the line)."""
    height = 320.0
    plot_x0, plot_x1, plot_y0, plot_y1 = 70.0, WIDTH - 30.0, 20.0, 240.0
    lo, hi = axis_range(points)
    n = max(len(points), 1)
    step = (plot_x1 - plot_x0) / n

    def sx(i: int) -> float:
        return plot_x0 + step * (i + 0.5)

    def sy(v: float) -> float:
        return plot_y1 - (min(max(v, lo), hi) - lo) / (hi - lo) * (plot_y1 - plot_y0)

    out = _open(chart_id, height, title, desc)
    for tick in _ticks(lo, hi):
        y = sy(tick)
        out.append(
            f'<line x1="{_num(plot_x0)}" y1="{_num(y)}" x2="{_num(plot_x1)}" y2="{_num(y)}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        out.append(_text(plot_x0 - 8, y + 4, tick_label(tick), size=SMALL, fill=MUTED, text_anchor="end"))
    out.append(
        _text(
            16,
            (plot_y0 + plot_y1) / 2,
            axis_label,
            size=SMALL,
            fill=MUTED,
            text_anchor="middle",
            transform=f"rotate(-90 16 {_num((plot_y0 + plot_y1) / 2)})",
        )
    )
    out.append(
        f'<line x1="{_num(plot_x0)}" y1="{_num(plot_y1)}" x2="{_num(plot_x1)}" y2="{_num(plot_y1)}" '
        f'stroke="{MUTED}" stroke-width="1"/>'
    )
    previous: tuple[float, float] | None = None
    for i, p in enumerate(points):
        if _drawn(p):
            assert p.estimate is not None  # noqa: S101 - invariant, not input
            here = (sx(i), sy(p.estimate))
            if previous is not None:
                out.append(
                    f'<line x1="{_num(previous[0])}" y1="{_num(previous[1])}" x2="{_num(here[0])}" '
                    f'y2="{_num(here[1])}" stroke="{GRID}" stroke-width="2"/>'
                )
            previous = here
        else:  # no line across a wave without a published estimate: that would suggest a value
            previous = None
    label_chars = max(8, int(step / 8))
    for i, p in enumerate(points):
        x = sx(i)
        for j, line in enumerate(wrap(p.label, label_chars, 2)):
            weight = "700" if p.strong else "400"
            out.append(
                _text(x, plot_y1 + 22 + j * LINE, line, size=SMALL, text_anchor="middle", font_weight=weight)
            )
        if _drawn(p):
            assert p.estimate is not None  # noqa: S101 - invariant, not input
            if _finite(p.low) and _finite(p.high):
                assert p.low is not None and p.high is not None  # noqa: S101 - invariant, not input
                out.append(_whisker(x, sy(p.low), x, sy(p.high), p, "horizontal"))
            out.append(_marker(x, sy(p.estimate), p))
            colour = REVIEW if p.state == "review" else INK
            out.append(_text(x + 12, sy(p.estimate) + 5, p.value, fill=colour, font_weight="700"))
            if p.note:
                out.append(_text(x + 12, sy(p.estimate) + 21, p.note, size=SMALL, fill=colour))
        else:
            out.append(_text(x, (plot_y0 + plot_y1) / 2, "—", fill=MUTED, text_anchor="middle"))
            for j, line in enumerate(wrap(p.note, label_chars, 3)):
                out.append(
                    _text(
                        x,
                        (plot_y0 + plot_y1) / 2 + 20 + j * 16,
                        line,
                        size=SMALL,
                        fill=MUTED,
                        text_anchor="middle",
                        font_style="italic",
                    )
                )
    out.append("</svg>")
    return Markup("".join(out))  # noqa: S704 - parts escaped
