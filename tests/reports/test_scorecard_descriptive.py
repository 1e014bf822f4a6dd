"""Issue #13 item 2 on the printed page: a scorecard (and a province summary) of a series that is not a
probability sample lists the channels present in its method note and marks every comparison as
descriptive, in words a reader understands; a probability series keeps its significance statements.
The PDF text is read with poppler's pdftotext, as a reader's copy-and-paste would."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path

import pytest

from reports.build import method_note, province_rows
from reports.province import ProvinceSummaryData, render_province_summary
from reports.scorecard import render_scorecard
from reports.scorecard_data import AgencyInfo, ScorecardData
from tests.reports.test_scorecard_build import build_scorecard, synthetic_province

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")

CHANNELS = {"paper": 91, "phone": 68, "online": 141}


def pdftotext(pdf: bytes, tmp_path: Path, name: str) -> str:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True)
    return " ".join(out.stdout.decode("utf-8").split())


@pytest.fixture(scope="module")
def province():  # type: ignore[no-untyped-def]
    return synthetic_province()


def _descriptive(data: ScorecardData, province) -> ScorecardData:  # type: ignore[no-untyped-def]
    """The same scorecard as if its series were the responses not linked to the sample."""
    assert data.trend is not None and data.peer is not None
    note = method_note(
        province.result.groups,
        sample_size=data.sipas.n,
        design=(
            "Các câu trả lời không gắn với mẫu xác suất của đợt khảo sát: không phải mẫu xác suất",
            "Responses not linked to the wave's probability sample: not a probability sample",
        ),
        weighting="unweighted",
        channels=CHANNELS,
        descriptive=True,
    )
    return dataclasses.replace(
        data,
        method=note,
        trend=dataclasses.replace(data.trend, descriptive=True),
        peer=dataclasses.replace(data.peer, descriptive=True),
    )


def _agency_with_marks(province) -> str:  # type: ignore[no-untyped-def]
    """An agency whose trend or peer difference has an interval that excludes 0 (a mark is printed)."""
    for code in province.codes:
        data = build_scorecard(province, code, "vi")
        verdicts = {
            data.trend.change.verdict if data.trend else None,
            data.peer.gap.verdict if data.peer else None,
        }
        if verdicts & {"above", "below"} and not data.sipas.suppressed:
            return str(code)
    raise AssertionError("the synthetic province should have a significant difference")


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_non_probability_scorecard_marks_comparisons_as_descriptive(province, tmp_path, lang) -> None:  # type: ignore[no-untyped-def]
    code = _agency_with_marks(province)
    data = _descriptive(build_scorecard(province, code, lang), province)
    text = pdftotext(render_scorecard(data, invariant=True), tmp_path, f"{code}-{lang}")
    if lang == "vi":
        assert "Kênh trả lời: trực tuyến: 141 phiếu; phiếu giấy: 91 phiếu; điện thoại: 68 phiếu." in text
        assert "chỉ mô tả, không phải kiểm định thống kê" in text
        assert "†: chỉ mang tính mô tả." in text and "không phải mẫu xác suất" in text
        headline = text.split("†:")[0]  # the legend itself says what a descriptive mark cannot show
        assert "có ý nghĩa thống kê" not in headline and "*: khác biệt" not in text
    else:
        assert "Channels: online: 141 responses; paper: 91 responses; phone: 68 responses." in text
        assert "descriptive only, not a significance test" in text
        assert "†: descriptive only." in text and "not a probability sample" in text
        assert "Significant" not in text and "significant at the 5% level" not in text
    assert "†" in text.split("†:")[0]  # the mark beside a difference, not only in its legend


def test_a_probability_scorecard_keeps_its_significance_words(province, tmp_path) -> None:  # type: ignore[no-untyped-def]
    code = _agency_with_marks(province)
    data = build_scorecard(province, code, "vi")
    text = pdftotext(render_scorecard(data, invariant=True), tmp_path, code)
    assert "*: khác biệt có ý nghĩa thống kê ở mức 5 %" in text
    assert "có ý nghĩa thống kê" in text.split("*:")[0]
    assert "†" not in text and "chỉ mô tả" not in text


def test_a_trend_across_series_alone_is_descriptive(province, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A probability wave compared with a previous wave that had no sample: the trend is descriptive, the
    peer comparison (same wave, probability series) keeps its significance words; both legends print."""
    code = _agency_with_marks(province)
    data = build_scorecard(province, code, "en")
    assert data.trend is not None
    data = dataclasses.replace(data, trend=dataclasses.replace(data.trend, descriptive=True))
    text = pdftotext(render_scorecard(data, invariant=True), tmp_path, code)
    assert "*: significant at the 5% level" in text and "†: descriptive only." in text
    trend_words = {"above": "Increase", "below": "Decrease", "not-different": "No clear change"}
    assert (
        f"{trend_words[data.trend.change.verdict or '']} (descriptive only, not a significance test)" in text
    )
    assert "Significant increase" not in text and "Significant decrease" not in text
    assert data.peer is not None and data.peer.gap.verdict in ("above", "below", "not-different")
    peer_words = {
        "above": "Significantly above the peer mean",
        "below": "Significantly below the peer mean",
        "not-different": "Not significantly different from the peer mean",
    }
    assert peer_words[data.peer.gap.verdict] in text


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_non_probability_province_summary_is_descriptive(province, tmp_path, lang) -> None:  # type: ignore[no-untyped-def]
    infos = [AgencyInfo(c, *province.names[c], "province") for c in province.codes]
    rows, mean = province_rows(province.result.groups, infos)
    note = method_note(province.result.groups, weighting="unweighted", channels=CHANNELS, descriptive=True)
    data = build_scorecard(province, province.codes[0], lang)
    summary = ProvinceSummaryData(
        province_name_vi="Tỉnh An Bình",
        province_name_en="An Binh province",
        wave=data.wave,
        unit_version="sipas-2025",
        rows=rows,
        province_mean=mean,
        method=note,
        lang=lang,
    )
    text = pdftotext(render_province_summary(summary), tmp_path, f"province-{lang}")
    assert any(r.vs_mean is not None and r.vs_mean.verdict in ("above", "below") for r in rows)
    if lang == "vi":
        assert (
            ("Cao hơn†" in text or "Thấp hơn†" in text) and "Cao hơn*" not in text and "Thấp hơn*" not in text
        )
        assert "†: chỉ mang tính mô tả" in text and "Kênh trả lời: trực tuyến: 141 phiếu" in text
    else:
        assert ("Above†" in text or "Below†" in text) and "Above*" not in text and "Below*" not in text
        assert "†: descriptive only" in text and "Channels: online: 141 responses" in text
