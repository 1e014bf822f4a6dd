"""The words of the scorecard: every fixed text in Vietnamese and English, and the numbered notes.

Shared by the scorecard (``reports.scorecard``) and the province summary (``reports.province``); the
console shows publication-rule reasons with :func:`reason_text` too.
"""

from __future__ import annotations

import re
from typing import Any

from reports.numbers import Language, localise_decimals
from reports.scorecard_data import Figure

__all__ = ["DESCRIPTIVE", "LEVEL_NAMES", "SIGNIFICANT", "TEXTS", "Notes", "localised", "reason_text"]

LEVEL_NAMES: dict[str, dict[str, str]] = {
    "province": {"vi": "sở, ban, ngành cấp tỉnh", "en": "provincial departments"},
    "district": {"vi": "cơ quan cấp huyện", "en": "district agencies"},
    "commune": {"vi": "UBND xã, phường", "en": "communes and wards"},
}


# Every fixed text of the scorecard, Vietnamese first.
TEXTS: dict[str, dict[str, str]] = {
    "title": {
        "vi": "Phiếu kết quả Chỉ số hài lòng về sự phục vụ hành chính (SIPAS)",
        "en": "Satisfaction with Public Administrative Services (SIPAS): agency scorecard",
    },
    "wave": {"vi": "Đợt khảo sát", "en": "Survey wave"},
    "units": {"vi": "Đơn vị hành chính: phiên bản", "en": "Administrative units: version"},
    "sipas": {"vi": "Chỉ số SIPAS", "en": "SIPAS index"},
    "ci": {"vi": "KTC 95 %", "en": "95% CI"},
    "n": {"vi": "Cỡ mẫu n", "en": "Sample size n"},
    "publish": {"vi": "Đủ độ tin cậy để công bố", "en": "Reliable: published"},
    "review": {"vi": "Cần thận trọng khi sử dụng", "en": "Use with caution"},
    "suppress": {"vi": "Không công bố", "en": "Suppressed"},
    "not_estimable": {
        "vi": "không ước lượng được (không có câu trả lời hợp lệ)",
        "en": "not estimable (no valid answers)",
    },
    "trend": {"vi": "So với đợt trước", "en": "Change since the previous wave"},
    "carried_from": {
        "vi": "Đợt trước: tính từ các đơn vị tiền thân trên bản đồ hành chính {version} (gộp theo dân số; "
        "sai số chuẩn gần đúng, coi các đơn vị tiền thân là độc lập).",
        "en": "Previous wave: computed from predecessor units on the {version} map (population-weighted; "
        "approximate standard error, predecessors treated as independent).",
    },
    "not_carried": {
        "vi": "Đợt trước theo bản đồ hành chính {version}: không tính được chỉ số từ các đơn vị tiền thân "
        "({reason}).",
        "en": "The previous wave is on the {version} map: the index could not be computed from the "
        "predecessor units ({reason}).",
    },
    "not_carried_no_agency": {
        "vi": "một đơn vị tiền thân không có cơ quan trong đợt đó",
        "en": "a predecessor unit has no agency in that wave",
    },
    "not_carried_several_agencies": {
        "vi": "một đơn vị tiền thân có nhiều cơ quan và chưa ghi nhận cơ quan nào được kế tục",
        "en": "a predecessor unit has several agencies and no recorded agency succession says which one "
        "is continued",
    },
    "not_carried_not_published": {
        "vi": "chỉ số của một đơn vị tiền thân bị ẩn hoặc không có",
        "en": "a predecessor unit's index is suppressed or missing",
    },
    "not_carried_no_population": {
        "vi": "thiếu dân số của một đơn vị tiền thân để gộp",
        "en": "a predecessor unit's population, needed to weight the merge, is missing",
    },
    "no_trend": {
        "vi": "Không có đợt trước cùng bộ câu hỏi để so sánh.",
        "en": "No previous wave with the same questionnaire to compare with.",
    },
    "points": {"vi": "điểm %", "en": "percentage points"},
    "score_points": {"vi": "điểm", "en": "points"},
    "title_scores": {
        "vi": "Phiếu kết quả đánh giá sự phục vụ hành chính",
        "en": "Rating of public administrative services: agency scorecard",
    },
    "scale": {"vi": "Thang điểm", "en": "Scale"},
    "grade": {"vi": "Xếp loại", "en": "Grade"},
    "chart_note_scores": {
        "vi": "Thanh: điểm; vạch ngang: khoảng tin cậy 95 %; đường đứt: chỉ số chung của cơ quan.",
        "en": "Bar: score; whisker: 95% confidence interval; dashed line: the agency's overall index.",
    },
    "col_score": {"vi": "Điểm", "en": "Score"},
    "previous": {"vi": "Đợt trước", "en": "Previous wave"},
    "up": {"vi": "Tăng có ý nghĩa thống kê", "en": "Significant increase"},
    "down": {"vi": "Giảm có ý nghĩa thống kê", "en": "Significant decrease"},
    "flat": {"vi": "Thay đổi không có ý nghĩa thống kê", "en": "No significant change"},
    "unknown_sig": {"vi": "Không kiểm định được", "en": "Significance not assessed"},
    "peer": {"vi": "So với các cơ quan cùng cấp", "en": "Compared with peers"},
    "no_peer": {
        "vi": "Không có đủ cơ quan cùng cấp để so sánh.",
        "en": "Not enough agencies of the same level to compare with.",
    },
    "not_compared": {
        "vi": "Không so sánh vì chỉ số không được công bố",
        "en": "Not compared: an index involved is suppressed",
    },
    "peer_mean": {"vi": "Trung bình", "en": "Mean of"},
    "gap": {"vi": "Chênh lệch", "en": "Difference"},
    "above": {
        "vi": "Cao hơn có ý nghĩa thống kê so với trung bình cùng cấp",
        "en": "Significantly above the peer mean",
    },
    "not-different": {
        "vi": "Không khác biệt có ý nghĩa thống kê so với trung bình cùng cấp",
        "en": "Not significantly different from the peer mean",
    },
    "below": {
        "vi": "Thấp hơn có ý nghĩa thống kê so với trung bình cùng cấp",
        "en": "Significantly below the peer mean",
    },
    "best": {"vi": "Cao nhất cùng cấp", "en": "Highest among peers"},
    "no_rank": {
        "vi": "Không xếp hạng: khoảng tin cậy chồng lấn không cho phép kết luận thứ bậc.",
        "en": "No ranking: overlapping intervals do not establish an order.",
    },
    "elements": {"vi": "Chỉ số theo yếu tố", "en": "Element indices"},
    "chart_note": {
        "vi": "Thanh: chỉ số (%); vạch ngang: khoảng tin cậy 95 %; đường đứt: chỉ số SIPAS của cơ quan.",
        "en": "Bar: index (%); whisker: 95% confidence interval; dashed line: the agency's SIPAS index.",
    },
    "criteria": {"vi": "Chỉ số theo tiêu chí", "en": "Criterion indices"},
    "col_criterion": {"vi": "Tiêu chí", "en": "Criterion"},
    "col_index": {"vi": "Chỉ số (%)", "en": "Index (%)"},
    "col_dk": {"vi": "KB/KAD", "en": "DK/NA"},
    "col_note": {"vi": "Ghi chú", "en": "Note"},
    "dk_legend": {
        "vi": "KB/KAD: số câu trả lời “Không biết / Không áp dụng”, không tính vào mẫu số của tiêu chí. "
        "n: số câu trả lời hợp lệ.",
        "en": "DK/NA: answers “don't know / not applicable”, excluded from the criterion's denominator. "
        "n: valid answers.",
    },
    "perception": {"vi": "Cảm nhận về nhũng nhiễu và chi phí không chính thức", "en": "Perceptions"},
    "col_item": {"vi": "Câu hỏi", "en": "Question"},
    "none": {"vi": "Không", "en": "None"},
    "some": {"vi": "Một số", "en": "Some"},
    "many": {"vi": "Nhiều", "en": "Many"},
    "expectations": {"vi": "Mong đợi hàng đầu của người dân", "en": "Citizens' top expectations"},
    "col_expectation": {"vi": "Mong đợi", "en": "Expectation"},
    "col_share": {"vi": "Tỷ lệ", "en": "Share"},
    "counter": {
        "vi": "Đánh giá tại quầy, mã QR và ki-ốt (người dùng tự đánh giá)",
        "en": "Counter, QR and kiosk ratings (self-selected)",
    },
    "counter_warning": {
        "vi": "KHÔNG phải mẫu xác suất: người đánh giá tự chọn tham gia. Số liệu này không được gộp với "
        "Chỉ số SIPAS và không dùng để so sánh giữa các cơ quan.",
        "en": "NOT a probability sample: raters choose themselves. These figures are never pooled with the "
        "SIPAS index and are not for comparing agencies.",
    },
    "counter_warning_scores": {
        "vi": "KHÔNG phải mẫu xác suất: người đánh giá tự chọn tham gia. Số liệu này không được gộp với "
        "chỉ số chung của phiếu kết quả và không dùng để so sánh giữa các cơ quan.",
        "en": "NOT a probability sample: raters choose themselves. These figures are never pooled with the "
        "scorecard's overall index and are not for comparing agencies.",
    },
    "ratings": {"vi": "Số lượt đánh giá", "en": "Ratings"},
    "very_satisfied": {"vi": "Rất hài lòng", "en": "Very satisfied"},
    "satisfied": {"vi": "Hài lòng", "en": "Satisfied"},
    "dissatisfied": {"vi": "Không hài lòng", "en": "Dissatisfied"},
    "no_counter": {
        "vi": "Không có đánh giá tại quầy trong đợt này.",
        "en": "No counter ratings in this wave.",
    },
    "method": {"vi": "Ghi chú phương pháp", "en": "Method note"},
    "design": {"vi": "Thiết kế mẫu", "en": "Design"},
    "sample_size": {"vi": "Cỡ mẫu", "en": "Sample size"},
    "response_rate": {"vi": "Tỷ lệ trả lời", "en": "Response rate"},
    "unknown": {"vi": "không xác định", "en": "not known"},
    "weighting": {"vi": "Gia quyền", "en": "Weighting"},
    "aggregation": {"vi": "Quy tắc tổng hợp", "en": "Aggregation rule"},
    "publication": {"vi": "Quy tắc công bố", "en": "Publication rule"},
    "notes": {"vi": "Chú thích", "en": "Notes"},
    "suppressed_because": {"vi": "Không công bố", "en": "Suppressed"},
    "review_because": {"vi": "Cần thận trọng", "en": "Use with caution"},
    "page": {"vi": "Trang", "en": "Page"},
    "significant_mark": {
        "vi": "*: khác biệt có ý nghĩa thống kê ở mức 5 % (khoảng tin cậy của chênh lệch không chứa 0).",
        "en": "*: significant at the 5% level (the interval of the difference excludes 0).",
    },
    # Series not linked to the probability sample: its channels, and marks that only describe.
    "channels": {"vi": "Kênh trả lời", "en": "Channels"},
    "descriptive_mark": {
        "vi": "†: chỉ mang tính mô tả. Các câu trả lời này không phải mẫu xác suất (người trả lời không "
        "được chọn ngẫu nhiên), nên khoảng tin cậy và chênh lệch chỉ mô tả các phiếu đã nhận, không cho "
        "phép kết luận có ý nghĩa thống kê về toàn bộ người sử dụng dịch vụ.",
        "en": "†: descriptive only. These responses are not a probability sample (respondents were not "
        "chosen at random), so intervals and differences describe the responses received; they do not "
        "show a statistically significant difference for all service users.",
    },
    "up_descriptive": {
        "vi": "Tăng (chỉ mô tả, không phải kiểm định thống kê)",
        "en": "Increase (descriptive only, not a significance test)",
    },
    "down_descriptive": {
        "vi": "Giảm (chỉ mô tả, không phải kiểm định thống kê)",
        "en": "Decrease (descriptive only, not a significance test)",
    },
    "flat_descriptive": {
        "vi": "Không thấy thay đổi rõ (chỉ mô tả, không phải kiểm định thống kê)",
        "en": "No clear change (descriptive only, not a significance test)",
    },
    "above_descriptive": {
        "vi": "Cao hơn trung bình cùng cấp (chỉ mô tả, không phải kiểm định thống kê)",
        "en": "Above the peer mean (descriptive only, not a significance test)",
    },
    "below_descriptive": {
        "vi": "Thấp hơn trung bình cùng cấp (chỉ mô tả, không phải kiểm định thống kê)",
        "en": "Below the peer mean (descriptive only, not a significance test)",
    },
    "not-different_descriptive": {
        "vi": "Không thấy khác biệt rõ so với trung bình cùng cấp (chỉ mô tả, không phải kiểm định thống kê)",
        "en": "No clear difference from the peer mean (descriptive only, not a significance test)",
    },
}

# The mark beside a difference whose interval excludes 0: a significance statement on a probability
# sample, a descriptive one on any other series.
SIGNIFICANT, DESCRIPTIVE = "*", "†"


# Publication-rule reasons (sampling.publication, English) in Vietnamese.
_REASONS_VI: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^effective sample size (\S+) < (\d+)$"), r"cỡ mẫu hiệu dụng \1 < \2"),
    (re.compile(r"^sample size (\S+) < (\d+)$"), r"cỡ mẫu \1 < \2"),
    (
        re.compile(r"^Korn-Graubard CI width (\S+) >= (\S+)$"),
        r"độ rộng khoảng tin cậy Korn–Graubard \1 ≥ \2",
    ),
    (
        re.compile(r"^relative CI width (\S+)% > (\S+)%$"),
        "độ rộng tương đối của khoảng tin cậy \\1\u00a0% > \\2\u00a0%",
    ),
    (re.compile(r"^degrees of freedom (\S+) < (\S+)$"), r"bậc tự do \1 < \2"),
    (re.compile(r"^estimate is (\S+)%$"), "ước lượng bằng \\1\u00a0%"),
    (re.compile(r"^relative standard error undefined$"), "không xác định được sai số chuẩn tương đối"),
    (
        re.compile(r"^relative standard error (\S+)% >= (\S+)%$"),
        "sai số chuẩn tương đối \\1\u00a0% ≥ \\2\u00a0%",
    ),
    (re.compile(r"^coefficient of variation undefined$"), "không xác định được hệ số biến thiên"),
    (re.compile(r"^CV (\S+)%: use with caution$"), "hệ số biến thiên \\1\u00a0%: cần thận trọng"),
    (re.compile(r"^CV (\S+)% > (\S+)%$"), "hệ số biến thiên \\1\u00a0% > \\2\u00a0%"),
)


def reason_text(reason: str, lang: Language) -> str:
    """A publication-rule reason in ``lang`` (known English patterns translated; numbers localised)."""
    reason = reason.strip()
    if lang == "vi":
        for pattern, replacement in _REASONS_VI:
            if pattern.match(reason):
                reason = pattern.sub(replacement, reason)
                break
    return localise_decimals(reason, lang).replace(">=", "≥").replace("<=", "≤")


class Notes:
    """Numbered notes: each suppressed or flagged figure points at the note that gives its reason."""

    def __init__(self, lang: Language) -> None:
        self.lang = lang
        self.items: list[str] = []

    def add(self, text: str) -> int:
        if text not in self.items:
            self.items.append(text)
        return self.items.index(text) + 1

    def for_figure(self, figure: Figure) -> int | None:
        """The note number explaining ``figure``'s flag (None when it is published without remark)."""
        t = TEXTS
        if figure.flag == "suppress":
            reason = reason_text(figure.flag_reason or "", self.lang)
            return self.add(f"{t['suppressed_because'][self.lang]}: {reason}.")
        if figure.suppressed:  # no estimate at all
            return self.add(f"{t['suppressed_because'][self.lang]}: {t['not_estimable'][self.lang]}.")
        if figure.flag == "review":
            reason = reason_text(figure.flag_reason or "", self.lang)
            return self.add(f"{t['review_because'][self.lang]}: {reason}.")
        return None


def localised(obj: Any, lang: Language, prefix: str = "label") -> str:
    """The ``{prefix}_{lang}`` attribute of ``obj`` (``label_vi``, ``name_en``, …) as text."""
    return str(getattr(obj, f"{prefix}_{lang}"))
