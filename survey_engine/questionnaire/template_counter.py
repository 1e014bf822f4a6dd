"""The counter-rating templates: `counter-3` and `decree61-9` (Decree 61/2018, Circular 01/2018/TT-VPCP).

Template data (see :mod:`survey_engine.questionnaire.template_sources`, which builds the JSON files).
"""

from __future__ import annotations

from survey_engine.questionnaire.definition import (
    IndexBand,
    IndexGroup,
    IndexSpec,
    Item,
    Option,
    Questionnaire,
    Section,
)
from survey_engine.questionnaire.template_common import COMMENT_LABEL, COUNTER3, T

# --------------------------------------------------------------------------------------------
# counter-3 and decree61-9: counter / QR / kiosk ratings (Decree 61/2018, Circular 01/2018/TT-VPCP)
# --------------------------------------------------------------------------------------------


def counter_3() -> Questionnaire:
    return Questionnaire(
        id="counter-3",
        version="2018.1",
        instrument="counter",
        title=T("Đánh giá mức độ hài lòng tại quầy", "Counter satisfaction rating"),
        description=T(
            "Đánh giá 3 mức tại quầy, mã QR hoặc máy tính bảng. Kết quả tự nguyện, không gộp với "
            "khảo sát chọn mẫu.",
            "Three-level rating at the counter, by QR code or kiosk. Self-selected: never pooled "
            "with sample surveys.",
        ),
        scales={"counter3": COUNTER3},
        sections=[Section(code="S_RATING", title=T("Đánh giá", "Rating"))],
        items=[
            Item(
                code="RATING",
                ref="1",
                type="rating3",
                scale="counter3",
                section="S_RATING",
                labels=T(
                    "Ông/Bà đánh giá thế nào về sự phục vụ tại quầy?",
                    "How do you rate the service at this counter?",
                ),
                required=True,
                element="RATING",
            ),
            Item(
                code="COMMENT",
                ref="2",
                type="text",
                section="S_RATING",
                labels=COMMENT_LABEL,
                max_length=1000,
            ),
        ],
        index=IndexSpec(
            rule="top_box_share",
            groups=[IndexGroup(code="RATING", labels=T("Tỷ lệ hài lòng", "Share satisfied"))],
        ),
    )


def _scored(s2: tuple[str, str], s1: tuple[str, str], s0: tuple[str, str]) -> list[Option]:
    return [
        Option(code="S2", labels=T(*s2), score=2),
        Option(code="S1", labels=T(*s1), score=1),
        Option(code="S0", labels=T(*s0), score=0),
    ]


DECREE61: list[tuple[str, str, list[Option]]] = [
    (
        "Thời gian tiếp nhận, giải quyết và trả kết quả so với thời hạn quy định",
        "Time to receive, process and return the result against the regulated deadline",
        _scored(("Trước hạn", "Early"), ("Đúng hạn", "On time"), ("Quá hạn", "Late")),
    ),
    (
        "Số lần phải liên hệ với nơi tiếp nhận hồ sơ để hoàn thiện hồ sơ",
        "Number of visits to the receiving office to complete the dossier",
        _scored(("Không quá 1 lần", "At most once"), ("2 lần", "Twice"), ("Trên 2 lần", "More than twice")),
    ),
    (
        "Số cơ quan, đơn vị, tổ chức phải liên hệ để hoàn thiện hồ sơ",
        "Number of agencies, units or organisations contacted to complete the dossier",
        _scored(
            ("1 cơ quan, đơn vị", "One"),
            ("2 cơ quan, đơn vị", "Two"),
            ("Từ 3 cơ quan, đơn vị trở lên", "Three or more"),
        ),
    ),
    (
        "Yêu cầu về thành phần hồ sơ so với quy định",
        "Dossier requirements against the regulation",
        _scored(
            ("Đúng quy định", "As regulated"),
            ("Phải bổ sung do hướng dẫn chưa đầy đủ", "Additions needed because guidance was incomplete"),
            ("Bị yêu cầu giấy tờ ngoài quy định", "Documents beyond the regulation were demanded"),
        ),
    ),
    (
        "Phí, lệ phí phải nộp",
        "Fees and charges paid",
        _scored(
            ("Đúng quy định, có biên lai", "As regulated, with a receipt"),
            (
                "Đúng mức nhưng không được hướng dẫn, cung cấp biên lai rõ ràng",
                "Correct amount but no clear guidance or receipt",
            ),
            ("Phải nộp thêm ngoài quy định", "Charged beyond the regulation"),
        ),
    ),
    (
        "Thái độ của cán bộ, công chức khi hướng dẫn, tiếp nhận và giải quyết hồ sơ",
        "Attitude of officials when guiding, receiving and processing the dossier",
        _scored(
            ("Lịch sự, tận tình", "Polite and helpful"),
            ("Bình thường", "Neutral"),
            ("Gây phiền hà, sách nhiễu", "Troublesome or harassing"),
        ),
    ),
    (
        "Tiếp nhận, xử lý phản ánh, kiến nghị",
        "Handling of feedback and complaints",
        _scored(
            ("Được tiếp nhận, xử lý và trả lời đúng hạn", "Received, handled and answered on time"),
            ("Được tiếp nhận nhưng xử lý, trả lời chậm", "Received but answered late"),
            ("Không được tiếp nhận, xử lý", "Not received or handled"),
        ),
    ),
    (
        "Cung cấp dịch vụ công trực tuyến đối với thủ tục hành chính",
        "Online provision of the procedure",
        _scored(
            ("Trực tuyến toàn trình", "Fully online"),
            ("Trực tuyến một phần", "Partly online"),
            ("Chưa cung cấp trực tuyến", "Not available online"),
        ),
    ),
    (
        "Kết quả giải quyết thủ tục hành chính",
        "Result of the procedure",
        _scored(
            ("Đúng quy định, đầy đủ, chính xác", "As regulated, complete and accurate"),
            ("Phải điều chỉnh, bổ sung do sai sót", "Had to be corrected"),
            ("Không đúng quy định", "Not as regulated"),
        ),
    ),
]


# The grading of a Decree 61 total (lowest first; a band is reached at its minimum). The cut-offs are written
# from secondary accounts of the decree and circular; they are data, so a province whose reading of the
# official text differs publishes its own questionnaire version with other bands, no code change.
DECREE61_BANDS = [
    IndexBand(code="unacceptable", labels=T("Không đạt", "Not acceptable"), min=0.0),
    IndexBand(code="acceptable", labels=T("Đạt", "Acceptable"), min=10.0),
    IndexBand(code="good", labels=T("Tốt", "Good"), min=15.0),
    IndexBand(code="excellent", labels=T("Xuất sắc", "Excellent"), min=18.0),
]


def decree61_9() -> Questionnaire:
    items = [
        Item(
            code=f"D61_{k}",
            ref=str(k),
            type="single",
            section="S_D61",
            labels=T(vi, en),
            options=opts,
            required=True,
            element="D61",
        )
        for k, (vi, en, opts) in enumerate(DECREE61, start=1)
    ]
    items.append(
        Item(code="COMMENT", ref="10", type="text", section="S_D61", labels=COMMENT_LABEL, max_length=1000)
    )
    return Questionnaire(
        id="decree61-9",
        version="2018.2",
        instrument="decree61",
        title=T(
            "Đánh giá việc giải quyết thủ tục hành chính theo 9 chỉ số (Nghị định 61/2018/NĐ-CP)",
            "Rating of administrative procedure handling on 9 indicators (Decree 61/2018/ND-CP)",
        ),
        description=T(
            "Chín chỉ số theo Nghị định 61/2018/NĐ-CP và Thông tư 01/2018/TT-VPCP, mỗi chỉ số 0–2 "
            "điểm, tối đa 18 điểm. Câu chữ được diễn đạt lại, không phải văn bản chính thức.",
            "The nine indicators of Decree 61/2018 and Circular 01/2018/TT-VPCP, each scored 0–2, "
            "maximum 18. Wording is paraphrased, not the official text.",
        ),
        sections=[Section(code="S_D61", title=T("Đánh giá", "Rating"))],
        items=items,
        index=IndexSpec(
            rule="score_sum",
            groups=[IndexGroup(code="D61", labels=T("Tổng điểm 9 chỉ số", "Total of the 9 indicators"))],
            bands=DECREE61_BANDS,
            source=T(
                "Nghị định 61/2018/NĐ-CP và Thông tư 01/2018/TT-VPCP: 9 chỉ số, mỗi chỉ số 0–2 điểm, "
                "tối đa 18; xếp loại xuất sắc 18 điểm, tốt từ 15 đến dưới 18, đạt từ 10 đến dưới 15, "
                "không đạt dưới 10.",
                "Decree 61/2018/ND-CP and Circular 01/2018/TT-VPCP: 9 indicators scored 0–2, at most 18; "
                "graded excellent at 18, good from 15 to under 18, acceptable from 10 to under 15, not "
                "acceptable under 10.",
            ),
        ),
    )
