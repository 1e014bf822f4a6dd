"""Number formats per language: decimal comma and ``83,4 %`` in Vietnamese, ``83.4%`` in English."""

from __future__ import annotations

import math
from datetime import date

import pytest

from reports.numbers import (
    DASH,
    format_count,
    format_date,
    format_interval,
    format_number,
    format_p_value,
    format_percent,
    format_period,
    format_signed,
    format_signed_interval,
    localise_decimals,
)


def test_percent_and_number() -> None:
    assert format_percent(83.44, "vi") == "83,4\u00a0%"
    assert format_percent(83.44, "en") == "83.4%"
    assert format_number(83.45678, "vi", 2) == "83,46"
    assert format_number(1234.5, "vi") == "1.234,5"
    assert format_number(1234.5, "en") == "1,234.5"
    assert format_number(-0.04, "vi") == "0,0"  # no negative zero
    assert format_number(-3.25, "en", 1) == "\u22123.2"  # round half to even, minus sign


@pytest.mark.parametrize("missing", [None, math.nan, math.inf])
def test_missing_is_a_dash(missing: float | None) -> None:
    for lang in ("vi", "en"):
        assert format_percent(missing, lang) == DASH
        assert format_number(missing, lang) == DASH
        assert format_signed(missing, lang) == DASH
        assert format_interval(missing, 2.0, lang) == DASH
        assert format_p_value(missing, lang) == DASH


def test_counts_intervals_and_signs() -> None:
    assert format_count(36525, "vi") == "36.525"
    assert format_count(36525, "en") == "36,525"
    assert format_interval(80.06, 86.74, "vi") == "80,1–86,7"
    assert format_interval(80.06, 86.74, "en") == "80.1–86.7"
    assert format_signed(2.06, "vi") == "+2,1"
    assert format_signed(-0.44, "en") == "\u22120.4"
    assert format_signed(0.01, "en") == "0.0"
    assert format_signed_interval(-1.2, 3.4, "vi") == "\u22121,2 – +3,4"
    assert format_interval(-1.2, 3.4, "en") == "\u22121.2 – 3.4"


def test_p_values() -> None:
    assert format_p_value(0.0004, "vi") == "p < 0,001"
    assert format_p_value(0.0321, "vi") == "p = 0,032"
    assert format_p_value(0.0321, "en") == "p = 0.032"
    assert format_p_value(0.456, "en") == "p = 0.46"


def test_dates_and_free_text() -> None:
    assert format_date(date(2025, 7, 1), "vi") == "01/07/2025"
    assert format_date(date(2025, 7, 1), "en") == "1 Jul 2025"
    assert format_period(date(2026, 1, 1), date(2026, 12, 31), "vi") == "01/01/2026–31/12/2026"
    assert localise_decimals("width 0.312 >= 0.30 in v1.2a", "vi") == "width 0,312 >= 0,30 in v1.2a"
    assert localise_decimals("width 0.312", "en") == "width 0.312"


def test_unknown_language() -> None:
    with pytest.raises(ValueError, match="lang"):
        format_number(1.0, "fr")  # type: ignore[arg-type]
