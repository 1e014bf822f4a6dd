"""Numbers as people read them in each language: ``83,4 %`` in Vietnamese, ``83.4%`` in English.

Vietnamese writes a decimal comma, a dot between thousands (``36.525``) and a space before the per-cent
sign; English writes a decimal point, a comma between thousands and no space. The space in Vietnamese is a
no-break space (U+00A0) so that a number is never separated from its sign at a line break. Negative numbers
use the minus sign (U+2212). A missing value (None, NaN, ±inf) is an em dash ``—``.
"""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Final, Literal

Language = Literal["vi", "en"]
LANGUAGES: Final = ("vi", "en")

DASH: Final = "—"  # a suppressed or missing number
MINUS: Final = "\u2212"
NBSP: Final = "\u00a0"
EN_DASH: Final = "–"


def _check(lang: str) -> None:
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be 'vi' or 'en' (got {lang!r})")


def _missing(x: float | None) -> bool:
    return x is None or not math.isfinite(x)


def _localise(text: str, lang: str) -> str:
    """Swap separators of a number formatted the English way (``1,234.5``) for ``lang``."""
    if lang == "vi":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text.replace("-", MINUS)


def format_number(x: float | None, lang: Language, digits: int = 1, *, grouping: bool = True) -> str:
    """``83.44`` → ``83,4`` (vi) / ``83.4`` (en); thousands grouped; ``—`` when missing."""
    _check(lang)
    if x is None or not math.isfinite(x):
        return DASH
    value = round(float(x), digits)
    if value == 0:
        value = 0.0  # no "−0,0"
    text = f"{value:,.{digits}f}" if grouping else f"{value:.{digits}f}"
    return _localise(text, lang)


def format_count(n: int | None, lang: Language) -> str:
    """``36525`` → ``36.525`` (vi) / ``36,525`` (en)."""
    _check(lang)
    if n is None:
        return DASH
    return _localise(f"{int(n):,d}", lang)


def format_percent(x: float | None, lang: Language, digits: int = 1) -> str:
    """A percentage already on the 0–100 scale: ``83,4 %`` (vi) / ``83.4%`` (en); ``—`` when missing."""
    if _missing(x):
        _check(lang)
        return DASH
    number = format_number(x, lang, digits)
    return f"{number}{NBSP}%" if lang == "vi" else f"{number}%"


def format_signed(x: float | None, lang: Language, digits: int = 1) -> str:
    """A difference with its sign: ``+2,1`` / ``−0,4`` (``0,0`` without a sign)."""
    if _missing(x):
        _check(lang)
        return DASH
    text = format_number(x, lang, digits)
    assert x is not None  # noqa: S101 - invariant, not input
    return text if text.startswith(MINUS) or round(float(x), digits) == 0 else f"+{text}"


def format_interval(low: float | None, high: float | None, lang: Language, digits: int = 1) -> str:
    """``80,1–86,7`` (vi) / ``80.1–86.7`` (en); bounds with a sign are spaced: ``−1,2 – +3,4``."""
    if _missing(low) or _missing(high):
        _check(lang)
        return DASH
    a, b = format_number(low, lang, digits), format_number(high, lang, digits)
    if a.startswith(MINUS) or b.startswith(MINUS):
        return f"{a} {EN_DASH} {b}"
    return f"{a}{EN_DASH}{b}"


def format_signed_interval(low: float | None, high: float | None, lang: Language, digits: int = 1) -> str:
    """An interval of a difference, bounds with signs: ``−1,2 – +3,4``."""
    if _missing(low) or _missing(high):
        _check(lang)
        return DASH
    return f"{format_signed(low, lang, digits)} {EN_DASH} {format_signed(high, lang, digits)}"


def format_p_value(p: float | None, lang: Language) -> str:
    """``p = 0,032`` / ``p < 0,001`` (vi) and ``p = 0.032`` / ``p < 0.001`` (en)."""
    if _missing(p):
        _check(lang)
        return DASH
    assert p is not None  # noqa: S101 - invariant, not input
    if p < 0.001:
        return f"p < {format_number(0.001, lang, 3)}"
    digits = 3 if p < 0.1 else 2
    return f"p = {format_number(p, lang, digits)}"


_DECIMAL = re.compile(r"(?<![\w.])(\d+)\.(\d+)(?![\w.])")


def localise_decimals(text: str, lang: Language) -> str:
    """Decimal points inside free English text (``0.312``) become commas in Vietnamese."""
    _check(lang)
    return _DECIMAL.sub(r"\1,\2", text) if lang == "vi" else text


_MONTHS_EN: Final = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_date(day: date, lang: Language) -> str:
    """``01/07/2025`` (vi) / ``1 Jul 2025`` (en)."""
    _check(lang)
    if lang == "vi":
        return f"{day.day:02d}/{day.month:02d}/{day.year}"
    return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"


def format_period(start: date, end: date, lang: Language) -> str:
    """A period: ``01/01/2026–31/12/2026`` (vi) / ``1 Jan 2026 – 31 Dec 2026`` (en)."""
    if lang == "en":
        return f"{format_date(start, lang)} {EN_DASH} {format_date(end, lang)}"
    return f"{format_date(start, lang)}{EN_DASH}{format_date(end, lang)}"
