"""Scorecard PDFs: Vietnamese text, exactly the estimator's numbers, suppression notes, invariance, size."""

from __future__ import annotations

import io
import re
import unicodedata

import pytest
from pypdf import PdfReader

from reports.numbers import format_interval, format_number, format_percent
from reports.scorecard import render_scorecard, scorecard_filename
from tests.reports.test_scorecard_build import build_scorecard, find_estimate, synthetic_province

MAX_BYTES = 300 * 1024


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text))  # cells and lines: one space


def pages(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture(scope="module")
def province():  # type: ignore[no-untyped-def]
    return synthetic_province(small=1)


@pytest.fixture(scope="module")
def rendered(province):  # type: ignore[no-untyped-def]
    return {
        (code, lang): render_scorecard(build_scorecard(province, code, lang), invariant=True)
        for code in ("A1", "A6")
        for lang in ("vi", "en")
    }


def test_vietnamese_labels_with_diacritics(rendered) -> None:  # type: ignore[no-untyped-def]
    text = pdf_text(rendered["A1", "vi"])
    for label in (
        "Sở Tư pháp",
        "Tỉnh An Bình".upper(),
        "Chỉ số hài lòng về sự phục vụ hành chính",
        "Tiếp cận dịch vụ",
        "Công chức giải quyết thủ tục hành chính",
        "Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị",
        "Không phải mẫu xác suất".upper()[:5],
        "Ghi chú phương pháp",
        "Đơn vị hành chính",
        "sipas-2025",
    ):
        assert label in text, label
    assert "KHÔNG phải mẫu xác suất" in text
    en = pdf_text(rendered["A1", "en"])
    assert "Department of Justice" in en and "NOT a probability sample" in en
    assert "Sở Tư pháp" in en  # the other language's name under the heading


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_exactly_the_estimators_numbers(province, rendered, lang) -> None:  # type: ignore[no-untyped-def]
    text = pdf_text(rendered["A1", lang])
    sipas = find_estimate(province.result.groups, "SIPAS", "A1")
    assert format_percent(sipas.estimate, lang).replace("\u00a0", " ") in text
    assert format_interval(sipas.ci_low, sipas.ci_high, lang) in text
    for element in ("II_A", "II_C", "I_D"):
        e = find_estimate(province.result.groups, element, "A1")
        assert format_number(e.estimate, lang) in text
        assert format_interval(e.ci_low, e.ci_high, lang) in text
    for code in ("Q9_I_A_1", "Q9_II_B_3", "Q9_II_E_3"):
        c = find_estimate(province.result.criteria, code, "A1")
        assert f"{format_number(c.estimate, lang)} {format_interval(c.ci_low, c.ci_high, lang)} {c.n}" in text
    dk = {d.criterion: d.count for d in province.result.dont_know if d.domain == {"agency": "A1"}}
    c = find_estimate(province.result.criteria, "Q9_II_B_3", "A1")
    assert f"{c.n} {dk['Q9_II_B_3']}" in text
    value = format_number(sipas.estimate, lang)
    assert ("," in value) == (lang == "vi") and ("." in value) == (lang == "en")
    if lang == "vi":
        assert re.search(r"\d+,\d %", text) and not re.search(r"\d+\.\d%", text)
    else:
        assert re.search(r"\d+\.\d%", text) and not re.search(r"\d+,\d %", text)


def test_trend_and_peer_say_whether_the_difference_is_significant(rendered, province) -> None:  # type: ignore[no-untyped-def]
    data = build_scorecard(province, "A1", "vi")
    text = pdf_text(rendered["A1", "vi"])
    assert data.trend is not None and data.peer is not None
    words = {
        "above": "Tăng có ý nghĩa thống kê",
        "below": "Giảm có ý nghĩa thống kê",
        "not-different": "Thay đổi không có ý nghĩa thống kê",
    }
    assert words[data.trend.change.verdict or ""] in text
    peer_words = {
        "above": "Cao hơn có ý nghĩa thống kê",
        "below": "Thấp hơn có ý nghĩa thống kê",
        "not-different": "Không khác biệt có ý nghĩa thống kê",
    }
    assert peer_words[data.peer.gap.verdict or ""] in text
    assert format_percent(data.peer.peer_mean.estimate, "vi").replace("\u00a0", " ") in text


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_suppressed_numbers_show_a_dash_and_why(province, rendered, lang) -> None:  # type: ignore[no-untyped-def]
    sipas = find_estimate(province.result.groups, "SIPAS", "A6")
    assert sipas.flag == "suppress"
    text = pdf_text(rendered["A6", lang])
    assert format_number(sipas.estimate, lang) not in text
    assert "— (1)" in text
    reason = f"cỡ mẫu {sipas.n} < 30" if lang == "vi" else f"sample size {sipas.n} < 30"
    assert f"(1) {'Không công bố' if lang == 'vi' else 'Suppressed'}: {reason}." in text
    # Comparisons with a suppressed index are not made.
    assert ("Không so sánh" if lang == "vi" else "Not compared") in text
    assert "Tăng có ý nghĩa" not in text and "Significant increase" not in text


def test_review_flags_are_explained(province, rendered) -> None:  # type: ignore[no-untyped-def]
    data = build_scorecard(province, "A1", "vi")
    flagged = [o.share for p in data.perception for o in p.options if o.share.flag == "review"]
    assert flagged, "the synthetic data should flag a small perception share"
    text = pdf_text(rendered["A1", "vi"])
    assert "Cần thận trọng: sai số chuẩn tương đối" in text


def test_invariant_builds_are_byte_identical(province, rendered) -> None:  # type: ignore[no-untyped-def]
    again = render_scorecard(build_scorecard(province, "A1", "vi"), invariant=True)
    assert again == rendered["A1", "vi"]
    assert render_scorecard(build_scorecard(province, "A1", "en"), invariant=True) == rendered["A1", "en"]


def test_pages_size_and_embedded_fonts(rendered) -> None:  # type: ignore[no-untyped-def]
    for pdf in rendered.values():
        assert pdf.startswith(b"%PDF-")
        assert 2 <= pages(pdf) <= 4
        assert len(pdf) <= MAX_BYTES
        reader = PdfReader(io.BytesIO(pdf))
        fonts = set()
        for page in reader.pages:
            resources = page["/Resources"]["/Font"]
            fonts |= {str(resources[name].get_object()["/BaseFont"]) for name in resources}
        assert fonts and all("Helvetica" not in f and "Times" not in f for f in fonts), fonts


def test_language_override_and_filename(province) -> None:  # type: ignore[no-untyped-def]
    data = build_scorecard(province, "A2", "vi")
    text = pdf_text(render_scorecard(data, "en", invariant=True))
    assert "SIPAS index" in text and "Chỉ số SIPAS" not in text
    assert scorecard_filename("AB-2026", "A2", "en") == "scorecard-AB-2026-A2-en.pdf"
    assert scorecard_filename("AB 2026", "../x", "vi") == "scorecard-AB_2026-.._x-vi.pdf"
    with pytest.raises(ValueError, match="lang"):
        render_scorecard(data, "fr")  # type: ignore[arg-type]
