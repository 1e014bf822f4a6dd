"""The drivers section: chart and table in both languages, the caution, and suppression."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4
from reportlab.platypus import SimpleDocTemplate

from reports.scorecard_drivers import DriverRow, DriversSection, drivers_section

ROWS = (
    DriverRow("Tiếp cận dịch vụ", "Access", 0.10, 0.07, 0.13, 75.2, 74.6, 75.8, False),
    DriverRow("Thủ tục hành chính", "Procedures", 0.51, 0.47, 0.54, 60.4, 59.7, 61.0, True),
    DriverRow("Công chức", "Civil servants", -0.02, -0.08, 0.04, 70.1, 69.5, 70.6, False),
)


def _text(section: DriversSection, lang: str) -> str:
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4).build(drivers_section(section, lang))  # type: ignore[arg-type]
    return " ".join(p.extract_text() for p in PdfReader(io.BytesIO(buf.getvalue())).pages)


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "vi",
            ["Mức quan trọng", "Thủ tục hành chính *", "0,51", "0,47–0,54", "không phải quan hệ nhân quả"],
        ),
        (
            "en",
            [
                "Importance",
                "Procedures *",
                "0.51",
                "0.47–0.54",
                "association, not a cause",
                "1397 respondents",
            ],
        ),
    ],
)
def test_section_shows_figures_intervals_and_caution(lang: str, words: list[str]) -> None:
    text = " ".join(_text(DriversSection(ROWS, 1397), lang).split())
    for w in words:
        assert w in text, w


def test_suppressed_section_says_why_and_shows_no_figures() -> None:
    text = _text(DriversSection((), 42, "few_respondents", 100), "en")
    assert "Not shown: fewer than 100 complete respondents" in " ".join(text.split())
    assert "Importance" not in text
