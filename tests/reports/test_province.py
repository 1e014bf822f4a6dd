"""Province summary: every agency, sorted, intervals, the overlap note, suppressed agencies last."""

from __future__ import annotations

import io
import re
import unicodedata

import pytest
from pypdf import PdfReader

from reports.build import example_wave, method_note, province_rows
from reports.numbers import format_interval, format_number
from reports.province import ProvinceSummaryData, province_filename, render_province_summary
from reports.scorecard_data import AgencyInfo
from tests.reports.test_scorecard_build import find_estimate, synthetic_province


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text))


def summary(lang: str, n: int = 5, small: int = 1) -> tuple[ProvinceSummaryData, object]:
    province = synthetic_province(n, 160, 11, small)
    agencies = [AgencyInfo(c, *province.names[c], "province") for c in province.codes]
    rows, mean = province_rows(province.result.groups, agencies)
    data = ProvinceSummaryData(
        "Tỉnh An Bình",
        "An Binh province",
        example_wave(),
        "sipas-2025",
        rows,
        mean,
        method_note(province.result.groups),
        lang,  # type: ignore[arg-type]
    )
    return data, province


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_agency_with_its_interval_and_the_overlap_note(lang: str) -> None:
    data, province = summary(lang)
    pdf = render_province_summary(data, invariant=True)
    text = text_of(pdf)
    for code in province.codes[:5]:  # type: ignore[attr-defined]
        e = find_estimate(province.result.groups, "SIPAS", code)  # type: ignore[attr-defined]
        assert format_interval(e.ci_low, e.ci_high, lang) in text
        assert format_number(e.estimate, lang) in text
    if lang == "vi":
        assert "Sở Tư pháp" in text and "không phải là xếp hạng" in text
        assert "(1) Không công bố: cỡ mẫu 12 < 30." in text
    else:
        assert "their order is not a ranking" in text and "(1) Suppressed: sample size 12 < 30." in text
    assert len(pdf) <= 300 * 1024
    assert render_province_summary(data, invariant=True) == pdf


def test_sorted_by_index_suppressed_last_and_verdicts_from_the_difference() -> None:
    data, _ = summary("vi")
    from reports.province import sorted_rows

    ordered = sorted_rows(data.rows)
    shown = [r.sipas.estimate for r in ordered if not r.sipas.suppressed]
    assert shown == sorted(shown, reverse=True)
    assert ordered[-1].sipas.suppressed and ordered[-1].vs_mean is None
    assert data.province_mean is not None
    mean = sum(shown) / len(shown)  # type: ignore[arg-type]
    assert data.province_mean.estimate == pytest.approx(mean, rel=1e-12)
    for row in ordered[:-1]:
        assert row.vs_mean is not None
        assert row.vs_mean.difference == pytest.approx(row.sipas.estimate - mean, rel=1e-9)  # type: ignore[operator]


def test_many_agencies_fit_on_several_pages() -> None:
    data, _ = summary("en", n=90, small=0)
    pdf = render_province_summary(data, invariant=True)
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    assert 3 <= pages <= 12 and len(pdf) <= 300 * 1024
    assert province_filename("AB-2026", "en") == "province-summary-AB-2026-en.pdf"
