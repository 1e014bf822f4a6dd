# ruff: noqa: E501  (Vietnamese/English label pairs read better unwrapped)
"""The `sipas-2017` template: the first-generation SIPAS questionnaire (5 elements, 22 criteria).

Template data (see :mod:`survey_engine.questionnaire.template_sources`, which builds the JSON files).
"""

from __future__ import annotations

from survey_engine.questionnaire.definition import (
    IndexGroup,
    IndexSpec,
    Item,
    Option,
    Questionnaire,
    Section,
)
from survey_engine.questionnaire.template_common import (
    AGE_BANDS,
    COMMENT_LABEL,
    EDUCATION,
    OCCUPATION,
    SATISFACTION5,
    SEX,
    T,
)

# --------------------------------------------------------------------------------------------
# sipas-2017: generation 1 (Decision 2640/QĐ-BNV), 5 elements, 22 criteria
# --------------------------------------------------------------------------------------------

GEN1_ELEMENTS: list[tuple[str, str, list[tuple[str, str]]]] = [
    (
        "Tiếp cận dịch vụ",
        "Access to the service",
        [
            (
                "Nơi ngồi chờ tại Bộ phận tiếp nhận và trả kết quả có đủ chỗ ngồi",
                "The waiting area of the reception and result-return section has enough seats",
            ),
            (
                "Trang thiết bị phục vụ người dân, tổ chức tại Bộ phận tiếp nhận và trả kết quả đầy đủ",
                "Equipment serving citizens and organisations is sufficient",
            ),
            (
                "Trang thiết bị phục vụ người dân, tổ chức tại Bộ phận tiếp nhận và trả kết quả hiện đại",
                "Equipment serving citizens and organisations is modern",
            ),
            (
                "Trang thiết bị phục vụ người dân, tổ chức tại Bộ phận tiếp nhận và trả kết quả dễ sử dụng",
                "Equipment serving citizens and organisations is easy to use",
            ),
        ],
    ),
    (
        "Thủ tục hành chính",
        "Administrative procedures",
        [
            ("Thủ tục hành chính được niêm yết công khai đầy đủ", "The procedure is publicly posted in full"),
            (
                "Thủ tục hành chính được niêm yết công khai chính xác",
                "The procedure is publicly posted accurately",
            ),
            (
                "Thành phần hồ sơ mà người dân, tổ chức phải nộp là đúng quy định",
                "The dossier components required are as regulated",
            ),
            (
                "Phí, lệ phí mà người dân, tổ chức phải nộp là đúng quy định",
                "The fees charged are as regulated",
            ),
            (
                "Thời hạn giải quyết (tính từ ngày hồ sơ được tiếp nhận đến ngày nhận kết quả) là đúng quy định",
                "The processing time (from receipt of the dossier to the result) is as regulated",
            ),
        ],
    ),
    (
        "Sự phục vụ của công chức",
        "Civil servants",
        [
            ("Công chức có thái độ giao tiếp lịch sự", "Civil servants are polite"),
            ("Công chức chú ý lắng nghe ý kiến của người dân, tổ chức", "Civil servants listen attentively"),
            (
                "Công chức trả lời, giải thích đầy đủ các ý kiến của người dân, tổ chức",
                "Civil servants answer and explain fully",
            ),
            (
                "Công chức hướng dẫn kê khai hồ sơ tận tình, chu đáo",
                "Civil servants guide thoroughly and kindly",
            ),
            ("Công chức hướng dẫn kê khai hồ sơ dễ hiểu", "Civil servants' guidance is easy to understand"),
            (
                "Công chức tuân thủ đúng quy định trong giải quyết công việc",
                "Civil servants comply with the rules",
            ),
        ],
    ),
    (
        "Kết quả giải quyết thủ tục hành chính",
        "Results",
        [
            (
                "Kết quả mà người dân, tổ chức nhận được là đúng quy định",
                "The result received is as regulated",
            ),
            (
                "Kết quả mà người dân, tổ chức nhận được có thông tin đầy đủ",
                "The result's information is complete",
            ),
            (
                "Kết quả mà người dân, tổ chức nhận được có thông tin chính xác",
                "The result's information is accurate",
            ),
        ],
    ),
    (
        "Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị",
        "Handling of comments, complaints and petitions",
        [
            (
                "Cơ quan có bố trí hình thức tiếp nhận góp ý, phản ánh, kiến nghị",
                "The agency provides a channel for comments, complaints and petitions",
            ),
            (
                "Người dân, tổ chức dễ dàng thực hiện góp ý, phản ánh, kiến nghị",
                "It is easy to give comments, complaints and petitions",
            ),
            (
                "Cơ quan tiếp nhận, xử lý tích cực các góp ý, phản ánh, kiến nghị",
                "The agency handles comments, complaints and petitions actively",
            ),
            (
                "Cơ quan thông báo kịp thời kết quả xử lý góp ý, phản ánh, kiến nghị",
                "The agency promptly notifies the outcome of comments, complaints and petitions",
            ),
        ],
    ),
]


def sipas_2017() -> Questionnaire:
    sections = [Section(code="S_D", title=T("Thông tin người trả lời", "About you"))]
    items = [
        Item(
            code="D1",
            ref="D.1",
            type="single",
            section="S_D",
            labels=T("Giới tính", "Sex"),
            options=SEX,
            required=True,
        ),
        Item(
            code="D2",
            ref="D.2",
            type="single",
            section="S_D",
            labels=T("Độ tuổi", "Age band"),
            options=AGE_BANDS,
            required=True,
        ),
        Item(
            code="D3",
            ref="D.3",
            type="single",
            section="S_D",
            labels=T("Trình độ học vấn", "Education"),
            options=EDUCATION,
        ),
        Item(
            code="D4",
            ref="D.4",
            type="single",
            section="S_D",
            labels=T("Nghề nghiệp", "Occupation"),
            options=OCCUPATION,
        ),
    ]
    groups = []
    for e, (evi, een, criteria) in enumerate(GEN1_ELEMENTS, start=1):
        sec = f"S_E{e}"
        sections.append(Section(code=sec, title=T(f"{e}. {evi}", f"{e}. {een}")))
        groups.append(IndexGroup(code=f"E{e}", ref=str(e), labels=T(evi, een)))
        for c, (cvi, cen) in enumerate(criteria, start=1):
            items.append(
                Item(
                    code=f"C{e}_{c}",
                    ref=f"{e}.{c}",
                    type="likert5",
                    scale="satisfaction5",
                    section=sec,
                    labels=T(cvi, cen),
                    required=True,
                    allow_dont_know=True,
                    element=f"E{e}",
                )
            )
        items.append(
            Item(
                code=f"E{e}_ALL",
                ref=f"{e}.0",
                type="likert5",
                scale="satisfaction5",
                section=sec,
                labels=T(
                    f"Nhìn chung, Ông/Bà hài lòng ở mức nào về {evi.lower()}?",
                    f"Overall, how satisfied are you with {een.lower()}?",
                ),
                required=True,
                allow_dont_know=True,
            )
        )
    sections.append(Section(code="S_END", title=T("Đánh giá chung và góp ý", "Overall and comments")))
    items += [
        Item(
            code="OVERALL",
            ref="6.1",
            type="likert5",
            scale="satisfaction5",
            section="S_END",
            labels=T(
                "Nhìn chung, Ông/Bà hài lòng ở mức nào về việc giải quyết thủ tục hành chính?",
                "Overall, how satisfied are you with how your procedure was handled?",
            ),
            required=True,
            allow_dont_know=True,
        ),
        Item(
            code="EXPECT",
            ref="6.2",
            type="multi",
            section="S_END",
            labels=T(
                "Ông/Bà mong muốn cơ quan cải thiện những nội dung nào?",
                "Which aspects would you like the agency to improve?",
            ),
            options=[
                Option(code=f"E{e}", labels=T(evi, een))
                for e, (evi, een, _c) in enumerate(GEN1_ELEMENTS, start=1)
            ],
        ),
        Item(code="COMMENT", ref="6.3", type="text", section="S_END", labels=COMMENT_LABEL, max_length=2000),
    ]
    return Questionnaire(
        id="sipas-2017",
        version="2017.1",
        instrument="sipas-gen1",
        title=T(
            "Phiếu khảo sát sự hài lòng của người dân, tổ chức đối với sự phục vụ của cơ quan "
            "hành chính nhà nước (SIPAS thế hệ 1)",
            "Survey of citizen and organisation satisfaction with state administrative agencies "
            "(SIPAS generation 1)",
        ),
        description=T(
            "Cấu trúc theo Quyết định 2640/QĐ-BNV: 5 yếu tố, 22 tiêu chí, thang đo hài lòng 5 mức. "
            "Câu chữ được diễn đạt lại, không phải văn bản chính thức. Mã 0 = Không biết / Không áp dụng.",
            "Structure of Decision 2640/QĐ-BNV: 5 elements, 22 criteria, 5-point satisfaction scale. "
            "Wording is paraphrased, not the official text. Code 0 = don't know / not applicable.",
        ),
        scales={"satisfaction5": SATISFACTION5},
        sections=sections,
        items=items,
        index=IndexSpec(rule="top_box_share", groups=groups),
    )
