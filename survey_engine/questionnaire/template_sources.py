# ruff: noqa: E501  (Vietnamese/English label pairs read better unwrapped)
"""Source of the built-in templates in ``templates/*.json``.

The JSON files are what the platform loads (and what an administrator copies to make a local
variant); this module generates them so that 100+ items stay consistent (codes, refs, scales).
Regenerate after editing::

    .venv/bin/python -m survey_engine.questionnaire.template_sources

A test checks that the files on disk equal what this module produces.
"""

from __future__ import annotations

from pathlib import Path

from survey_engine.questionnaire import sipas_2025_wording as W25
from survey_engine.questionnaire.conditions import AnyOf, Condition, Contains, Equals
from survey_engine.questionnaire.definition import (
    IndexGroup,
    IndexPart,
    IndexSpec,
    Item,
    ItemType,
    Option,
    Questionnaire,
    Scale,
    ScalePoint,
    Section,
    Text,
)
from survey_engine.questionnaire.loader import check_definition, dump_definition_pretty

TEMPLATE_DIR = Path(__file__).parent / "templates"


def T(vi: str, en: str) -> Text:
    return Text(vi=vi, en=en)


def _scale(vi: str, en: str, points: list[tuple[str, str]], top_box: list[int]) -> Scale:
    return Scale(
        labels=T(vi, en),
        points=[ScalePoint(value=i, labels=T(pv, pe)) for i, (pv, pe) in enumerate(points, start=1)],
        top_box=top_box,
    )


SATISFACTION5 = _scale(
    "Mức độ hài lòng",
    "Satisfaction",
    [
        ("Rất không hài lòng", "Very dissatisfied"),
        ("Không hài lòng", "Dissatisfied"),
        ("Bình thường", "Neutral"),
        ("Hài lòng", "Satisfied"),
        ("Rất hài lòng", "Very satisfied"),
    ],
    [4, 5],
)
# 4-point scales: top box = the two upper points (used for "top expectations", never for SIPAS itself)
INTEREST4 = _scale(
    "Mức độ quan tâm",
    "Interest",
    [
        ("Không quan tâm theo dõi", "Not following"),
        ("Khá quan tâm", "Somewhat interested"),
        ("Quan tâm", "Interested"),
        ("Rất quan tâm", "Very interested"),
    ],
    [3, 4],
)
SUITABILITY4 = _scale(
    "Mức độ phù hợp",
    "Suitability",
    [
        ("Không phù hợp", "Not suitable"),
        ("Khá phù hợp", "Somewhat suitable"),
        ("Phù hợp", "Suitable"),
        ("Rất phù hợp", "Very suitable"),
    ],
    [3, 4],
)
EXPECTATION4 = _scale(
    "Mức độ mong muốn",
    "Expectation",
    [
        ("Không mong muốn", "Not wanted"),
        ("Khá mong muốn", "Somewhat wanted"),
        ("Mong muốn", "Wanted"),
        ("Rất mong muốn", "Strongly wanted"),
    ],
    [3, 4],
)
HARASSMENT3 = _scale(
    "Nhận định về việc gây phiền hà, sách nhiễu",
    "Perceived harassment",
    [
        ("Không có công chức nào gây phiền hà, sách nhiễu", "No civil servant causes trouble or harassment"),
        ("Có một số công chức gây phiền hà, sách nhiễu", "Some civil servants cause trouble or harassment"),
        ("Có nhiều công chức gây phiền hà, sách nhiễu", "Many civil servants cause trouble or harassment"),
    ],
    [],
)
PAYMENT3 = _scale(
    "Nhận định về chi phí không chính thức",
    "Perceived informal payments",
    [
        (
            "Không có trường hợp nào phải chi thêm tiền ngoài quy định",
            "No case of paying beyond the regulated fees",
        ),
        (
            "Có một số trường hợp phải chi thêm tiền ngoài quy định",
            "Some cases of paying beyond the regulated fees",
        ),
        (
            "Có nhiều trường hợp phải chi thêm tiền ngoài quy định",
            "Many cases of paying beyond the regulated fees",
        ),
    ],
    [],
)
COUNTER3 = _scale(
    "Đánh giá tại quầy",
    "Counter rating",
    [
        ("Không hài lòng", "Dissatisfied"),
        ("Hài lòng", "Satisfied"),
        ("Rất hài lòng", "Very satisfied"),
    ],
    [2, 3],
)

SEX = [Option(code="MALE", labels=T("Nam", "Male")), Option(code="FEMALE", labels=T("Nữ", "Female"))]
AGE_BANDS = [
    Option(code="18_24", labels=T("Từ 18 đến 24 tuổi", "18–24")),
    Option(code="25_34", labels=T("Từ 25 đến 34 tuổi", "25–34")),
    Option(code="35_49", labels=T("Từ 35 đến 49 tuổi", "35–49")),
    Option(code="50_60", labels=T("Từ 50 đến 60 tuổi", "50–60")),
    Option(code="60P", labels=T("Trên 60 tuổi", "Over 60")),
]
EDUCATION = [
    Option(code="NONE", labels=T("Chưa tốt nghiệp tiểu học", "Below primary")),
    Option(code="PRIMARY", labels=T("Tiểu học", "Primary")),
    Option(code="LOWER_SEC", labels=T("Trung học cơ sở", "Lower secondary")),
    Option(code="UPPER_SEC", labels=T("Trung học phổ thông", "Upper secondary")),
    Option(code="VOCATIONAL", labels=T("Trung cấp, cao đẳng", "Vocational / college")),
    Option(code="UNIVERSITY", labels=T("Đại học", "University")),
    Option(code="POSTGRAD", labels=T("Trên đại học", "Postgraduate")),
]
OCCUPATION = [
    Option(code="AGRI", labels=T("Nông, lâm, ngư nghiệp", "Agriculture, forestry, fishery")),
    Option(code="WORKER", labels=T("Công nhân", "Factory worker")),
    Option(code="BUSINESS", labels=T("Kinh doanh, buôn bán, dịch vụ", "Business, trade, services")),
    Option(code="PUBLIC", labels=T("Cán bộ, công chức, viên chức", "Public servant")),
    Option(
        code="EMPLOYEE", labels=T("Nhân viên doanh nghiệp, tổ chức", "Employee of a company or organisation")
    ),
    Option(code="STUDENT", labels=T("Học sinh, sinh viên", "Student")),
    Option(code="RETIRED", labels=T("Nghỉ hưu", "Retired")),
    Option(code="HOMEMAKER", labels=T("Nội trợ", "Homemaker")),
    Option(code="NO_JOB", labels=T("Không có việc làm", "Without work")),
    Option(code="OTHER", labels=T("Khác", "Other")),
]
COMMENT_LABEL = T(
    "Ông/Bà có ý kiến góp ý nào khác để nâng cao chất lượng phục vụ không?",
    "Any other suggestion to improve the service?",
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


# --------------------------------------------------------------------------------------------
# sipas-2023: generation 2 (Decision 1001/QĐ-BNV), docs/sipas.md §4
# --------------------------------------------------------------------------------------------

POLICIES: list[tuple[str, str]] = [
    ("giáo dục, đào tạo", "education and training"),
    ("y tế, chăm sóc sức khỏe", "health care"),
    ("bảo hiểm xã hội, bảo hiểm y tế", "social and health insurance"),
    ("phát triển hạ tầng giao thông", "transport infrastructure"),
    ("đất đai, nhà ở", "land and housing"),
    ("bảo vệ môi trường", "environmental protection"),
    ("việc làm, giải quyết việc làm", "employment"),
    ("giảm nghèo", "poverty reduction"),
    ("bảo đảm an ninh, trật tự", "public security and order"),
]
CHANNELS: list[tuple[str, str, str]] = [
    ("LOUDSPEAKER", "Loa truyền thanh của xã/phường, thôn/tổ dân phố", "Commune or village loudspeakers"),
    ("TV_RADIO", "Truyền hình, đài phát thanh", "Television, radio"),
    ("PRESS", "Báo in, báo điện tử", "Newspapers, online news"),
    ("PORTAL", "Cổng/Trang thông tin điện tử của cơ quan nhà nước", "Government web portals"),
    ("SOCIAL", "Mạng xã hội (Zalo, Facebook…)", "Social networks (Zalo, Facebook…)"),
    ("MEETING", "Họp thôn, tổ dân phố", "Village or residential group meetings"),
    ("OFFICIAL", "Cán bộ thôn, tổ dân phố, xã/phường", "Village, commune or ward officials"),
    ("RELATIVES", "Người thân, bạn bè, hàng xóm", "Family, friends, neighbours"),
]
SUBMISSION_MODES: list[tuple[str, str]] = [
    ("Nộp hồ sơ trực tiếp tại Bộ phận Một cửa", "Submitting in person at the one-stop section"),
    ("Nộp hồ sơ qua dịch vụ bưu chính công ích", "Submitting through the public postal service"),
    ("Nộp hồ sơ trực tuyến qua Cổng Dịch vụ công", "Submitting online through the public service portal"),
]
SERVICES_USED: list[tuple[str, str]] = [
    ("Chứng thực (bản sao, chữ ký)", "Certification of copies or signatures"),
    ("Hộ tịch (khai sinh, kết hôn, khai tử…)", "Civil status (birth, marriage, death registration…)"),
    ("Cư trú, căn cước", "Residence registration, identity card"),
    ("Đất đai (cấp giấy chứng nhận quyền sử dụng đất…)", "Land (land-use right certificates…)"),
    ("Xây dựng (cấp giấy phép xây dựng…)", "Construction (building permits…)"),
    ("Lao động, bảo hiểm xã hội, trợ cấp xã hội", "Labour, social insurance, social allowances"),
    ("Thủ tục hành chính khác", "Other administrative procedures"),
]
PART_I: list[tuple[str, str, str, list[tuple[str, str]]]] = [
    (
        "A",
        "Cung cấp thông tin về chính sách",
        "Information about policies",
        [
            (
                "Thông tin về chính sách được cung cấp đầy đủ, kịp thời",
                "Information about policies is complete and timely",
            ),
            (
                "Thông tin về chính sách dễ tiếp cận, dễ hiểu",
                "Information about policies is accessible and clear",
            ),
        ],
    ),
    (
        "B",
        "Sự tham gia của người dân",
        "Citizen participation",
        [
            (
                "Người dân được tham gia ý kiến trong quá trình xây dựng, thực hiện chính sách",
                "Citizens can give their views when policies are made and implemented",
            ),
            (
                "Ý kiến của người dân được tiếp thu, phản hồi",
                "Citizens' views are taken into account and answered",
            ),
        ],
    ),
    (
        "C",
        "Tổ chức thực hiện chính sách",
        "Implementation of policies",
        [
            (
                f"Việc tổ chức thực hiện chính sách {vi} tại địa phương",
                f"Local implementation of the {en} policy",
            )
            for vi, en in POLICIES
        ],
    ),
    (
        "D",
        "Kết quả, tác động của chính sách",
        "Results and impact of policies",
        [
            *(
                (
                    f"Chính sách {vi} mang lại kết quả, lợi ích thiết thực cho người dân",
                    f"The {en} policy brings real results and benefits to citizens",
                )
                for vi, en in POLICIES
            ),
            (
                "Nhìn chung, các chính sách góp phần nâng cao đời sống của người dân",
                "Overall, policies help improve citizens' lives",
            ),
        ],
    ),
]
PART_II: list[tuple[str, str, str, list[tuple[str, str]]]] = [
    (
        "A",
        "Tiếp cận dịch vụ",
        "Access to services",
        [
            (
                "Nơi tiếp nhận, trả kết quả có biển hiệu, chỉ dẫn rõ ràng, dễ thấy",
                "The service point has clear, visible signs and directions",
            ),
            (
                "Nơi tiếp nhận, trả kết quả có đủ chỗ ngồi, bàn viết cho người dân",
                "The service point has enough seats and writing desks",
            ),
            (
                "Trang thiết bị phục vụ người dân đầy đủ, hiện đại, dễ sử dụng",
                "Equipment for citizens is sufficient, modern and easy to use",
            ),
        ],
    ),
    (
        "B",
        "Thủ tục hành chính",
        "Administrative procedures",
        [
            (
                "Thủ tục hành chính được niêm yết công khai đầy đủ, chính xác",
                "The procedure is publicly posted, complete and accurate",
            ),
            ("Thành phần hồ sơ phải nộp đúng quy định", "The dossier required is as regulated"),
            ("Phí, lệ phí phải nộp đúng quy định", "The fees charged are as regulated"),
            ("Thời hạn giải quyết hồ sơ đúng quy định", "The processing time is as regulated"),
        ],
    ),
    (
        "C",
        "Công chức giải quyết thủ tục hành chính",
        "Civil servants",
        [
            ("Công chức có thái độ giao tiếp lịch sự", "Civil servants are polite"),
            (
                "Công chức hướng dẫn kê khai hồ sơ đầy đủ ngay từ lần đầu",
                "Civil servants give complete guidance the first time",
            ),
            (
                "Công chức tuân thủ đúng quy định trong giải quyết công việc",
                "Civil servants comply with the rules",
            ),
        ],
    ),
    (
        "D",
        "Kết quả giải quyết thủ tục hành chính",
        "Results",
        [
            ("Kết quả được trả đúng hạn", "The result is delivered on time"),
            ("Kết quả đầy đủ, chính xác", "The result is complete and accurate"),
            (
                "Kết quả giải quyết công bằng (việc từ chối giải quyết có lý do cũng là một kết quả)",
                "The result is fair (a reasoned refusal is also a result)",
            ),
        ],
    ),
    (
        "E",
        "Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị",
        "Handling of comments and complaints",
        [
            (
                "Có các hình thức tiếp nhận góp ý, phản ánh, kiến nghị thuận tiện, dễ sử dụng",
                "Channels for comments and complaints are convenient and easy to use",
            ),
            (
                "Góp ý, phản ánh, kiến nghị được tiếp nhận, xử lý đúng quy định",
                "Comments and complaints are received and handled as regulated",
            ),
            (
                "Kết quả xử lý góp ý, phản ánh, kiến nghị được thông báo kịp thời",
                "The outcome of comments and complaints is notified promptly",
            ),
        ],
    ),
]
EXPECTATIONS: list[tuple[str, str]] = [
    ("Cung cấp thông tin về chính sách đầy đủ, kịp thời hơn", "More complete and timely policy information"),
    ("Tạo điều kiện để người dân tham gia ý kiến vào chính sách", "More citizen participation in policy"),
    ("Nâng cao chất lượng tổ chức thực hiện chính sách", "Better implementation of policies"),
    ("Đơn giản hóa thủ tục hành chính", "Simpler administrative procedures"),
    ("Rút ngắn thời gian giải quyết hồ sơ", "Shorter processing times"),
    ("Giảm chi phí thực hiện thủ tục hành chính", "Lower costs of procedures"),
    ("Mở rộng cung cấp dịch vụ công trực tuyến", "More online public services"),
    ("Nâng cao thái độ, tinh thần phục vụ của công chức", "Better attitude of civil servants"),
    ("Cải thiện cơ sở vật chất nơi tiếp nhận, trả kết quả", "Better facilities at service points"),
    ("Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị hiệu quả hơn", "More effective handling of complaints"),
]


def sipas_2023() -> Questionnaire:
    sec = Section
    sections = [
        sec(code="S_A", title=T("Phần A. Thông tin người trả lời", "Part A. About you")),
        sec(code="S_Q1", title=T("Mức độ quan tâm đến chính sách", "Interest in policies")),
        sec(code="S_Q2_Q3", title=T("Kênh tiếp nhận thông tin", "Information channels")),
        sec(
            code="S_Q4_Q7",
            title=T("Góp ý và giải quyết thủ tục hành chính", "Participation and administrative procedures"),
        ),
        sec(
            code="S_Q8",
            title=T("Trải nghiệm thực hiện thủ tục hành chính", "Experience with administrative procedures"),
        ),
    ]
    items: list[Item] = [
        Item(
            code="A1",
            ref="A.1",
            type="single",
            section="S_A",
            labels=T("Giới tính", "Sex"),
            options=SEX,
            required=True,
        ),
        Item(
            code="A2",
            ref="A.2",
            type="single",
            section="S_A",
            labels=T("Dân tộc", "Ethnicity"),
            options=[
                Option(code="KINH", labels=T("Kinh", "Kinh")),
                Option(code="OTHER", labels=T("Dân tộc khác", "Other ethnic group")),
            ],
            required=True,
        ),
        Item(
            code="A3",
            ref="A.3",
            type="single",
            section="S_A",
            labels=T("Độ tuổi", "Age band"),
            options=AGE_BANDS,
            required=True,
        ),
        Item(
            code="A4",
            ref="A.4",
            type="single",
            section="S_A",
            labels=T("Trình độ học vấn", "Education"),
            options=EDUCATION,
            required=True,
        ),
        Item(
            code="A5",
            ref="A.5",
            type="single",
            section="S_A",
            labels=T("Nghề nghiệp", "Occupation"),
            options=OCCUPATION,
            required=True,
        ),
    ]
    for k, (vi, en) in enumerate(POLICIES, start=1):
        items.append(
            Item(
                code=f"Q1_{k}",
                ref=f"Q1.{k}",
                type="likert4",
                scale="interest4",
                section="S_Q1",
                labels=T(
                    f"Mức độ quan tâm của Ông/Bà đến chính sách {vi}", f"Your interest in the {en} policy"
                ),
                required=True,
            )
        )
    items.append(
        Item(
            code="Q2",
            ref="Q2",
            type="multi",
            section="S_Q2_Q3",
            labels=T(
                "Ông/Bà tiếp nhận thông tin về chính sách qua những kênh nào? (chọn nhiều)",
                "Through which channels do you receive policy information? (several)",
            ),
            options=[Option(code=c, labels=T(vi, en)) for c, vi, en in CHANNELS]
            + [Option(code="OTHER", labels=T("Kênh khác", "Other"))],
            required=True,
        )
    )
    for k, (c, vi, en) in enumerate(CHANNELS, start=1):
        # asked only for the channels the respondent uses
        items.append(
            Item(
                code=f"Q3_{k}",
                ref=f"Q3.{k}",
                type="likert4",
                scale="suitability4",
                section="S_Q2_Q3",
                labels=T(f"Mức độ phù hợp của kênh thông tin: {vi}", f"Suitability of the channel: {en}"),
                show_if=Contains(item="Q2", value=c),
                required=True,
                allow_dont_know=True,
            )
        )
    items += [
        Item(
            code="Q4",
            ref="Q4",
            type="single",
            section="S_Q4_Q7",
            labels=T(
                "Ông/Bà có sẵn sàng góp ý đối với chính sách của địa phương không?",
                "Are you willing to comment on local policies?",
            ),
            options=[
                Option(code="READY", labels=T("Sẵn sàng góp ý", "Willing")),
                Option(code="IF_ASKED", labels=T("Chỉ góp ý khi được đề nghị", "Only when asked")),
                Option(code="NO", labels=T("Không muốn góp ý", "Not willing")),
            ],
            required=True,
            allow_dont_know=True,
        ),
        Item(
            code="Q5",
            ref="Q5",
            type="rating3",
            scale="harassment3",
            section="S_Q4_Q7",
            labels=T(
                "Theo Ông/Bà, công chức giải quyết thủ tục hành chính ở địa phương có gây phiền hà, "
                "sách nhiễu người dân không?",
                "In your view, do civil servants handling procedures locally cause trouble or harass "
                "citizens?",
            ),
            required=True,
            allow_dont_know=True,
        ),
        Item(
            code="Q6",
            ref="Q6",
            type="rating3",
            scale="payment3",
            section="S_Q4_Q7",
            labels=T(
                "Theo Ông/Bà, người dân có phải chi thêm tiền ngoài quy định khi giải quyết thủ tục "
                "hành chính không?",
                "In your view, do citizens pay beyond the regulated fees to get procedures done?",
            ),
            required=True,
            allow_dont_know=True,
        ),
    ]
    for k, (vi, en) in enumerate(SUBMISSION_MODES, start=1):
        items.append(
            Item(
                code=f"Q7_{k}",
                ref=f"Q7.{k}",
                type="likert4",
                scale="suitability4",
                section="S_Q4_Q7",
                labels=T(f"Mức độ phù hợp của hình thức: {vi}", f"Suitability of: {en}"),
                required=True,
                allow_dont_know=True,
            )
        )
    for k, (vi, en) in enumerate(SERVICES_USED, start=1):
        items.append(
            Item(
                code=f"Q8_{k}",
                ref=f"Q8.{k}",
                type="yesno",
                section="S_Q8",
                labels=T(
                    f"Trong thời gian qua, Ông/Bà có thực hiện thủ tục hành chính về: {vi}?",
                    f"Recently, did you carry out a procedure on: {en}?",
                ),
                required=True,
            )
        )

    groups: list[IndexGroup] = []
    used_service: Condition = AnyOf(
        conds=[Equals(item=f"Q8_{k}", value=True) for k in range(1, len(SERVICES_USED) + 1)]
    )
    for part, blocks in (("I", PART_I), ("II", PART_II)):
        for letter, gvi, gen, criteria in blocks:
            g = f"{part}_{letter}"
            sections.append(
                Section(
                    code=f"S_Q9_{g}",
                    title=T(f"Câu 9. {part}.{letter}. {gvi}", f"Q9. {part}.{letter}. {gen}"),
                    # Part II is asked only of respondents who used a service (docs/sipas.md §4)
                    show_if=used_service if part == "II" else None,
                )
            )
            groups.append(IndexGroup(code=g, ref=f"{part}.{letter}", labels=T(gvi, gen), part=part))
            for k, (cvi, cen) in enumerate(criteria, start=1):
                items.append(
                    Item(
                        code=f"Q9_{g}_{k}",
                        ref=f"Q9.{part}.{letter}.{k}",
                        type="likert5",
                        scale="satisfaction5",
                        section=f"S_Q9_{g}",
                        labels=T(cvi, cen),
                        required=True,
                        allow_dont_know=True,
                        element=g,
                    )
                )
    sections += [
        Section(code="S_Q10", title=T("Câu 10. Mong đợi của người dân", "Q10. Expectations")),
        Section(code="S_END", title=T("Góp ý", "Comments")),
    ]
    for k, (vi, en) in enumerate(EXPECTATIONS, start=1):
        items.append(
            Item(
                code=f"Q10_{k}",
                ref=f"Q10.{k}",
                type="likert4",
                scale="expectation4",
                section="S_Q10",
                labels=T(f"Mức độ mong muốn: {vi}", f"How much do you want: {en}"),
                required=True,
            )
        )
    items.append(
        Item(code="COMMENT", ref="Q11", type="text", section="S_END", labels=COMMENT_LABEL, max_length=2000)
    )
    return Questionnaire(
        id="sipas-2023",
        version="2023.1",
        instrument="sipas-gen2",
        title=T(
            "Phiếu khảo sát sự hài lòng của người dân đối với sự phục vụ của cơ quan hành chính "
            "nhà nước (SIPAS)",
            "Survey of citizen satisfaction with state administrative agencies (SIPAS)",
        ),
        description=T(
            "Cấu trúc theo Quyết định 1001/QĐ-BNV (2023–2026): 39 tiêu chí hài lòng (23 chính sách + 16 dịch "
            "vụ). Câu chữ (9 chính sách, kênh thông tin, thủ tục đã thực hiện, mong đợi…) được diễn đạt lại, "
            "không phải văn bản chính thức. Phần II câu 9 chỉ hỏi người đã thực hiện thủ tục (câu 8). "
            "Mã 0 (thang đo) / DK (lựa chọn) = Không biết / Không áp dụng. Địa bàn, ngày, điều tra viên "
            "được ghi ở cấp phiếu, không phải câu hỏi.",
            "Structure of Decision 1001/QĐ-BNV (2023–2026): 39 satisfaction criteria (23 policy + 16 "
            "service). Wording (the 9 policies, channels, services used, expectations…) is paraphrased, not "
            "the official text. Q9 Part II is asked only of respondents who used a service (Q8). Code 0 "
            "(scales) / DK (choices) = don't know / not applicable. Location, date and interviewer are "
            "recorded on the response, not as items.",
        ),
        scales={
            "satisfaction5": SATISFACTION5,
            "interest4": INTEREST4,
            "suitability4": SUITABILITY4,
            "expectation4": EXPECTATION4,
            "harassment3": HARASSMENT3,
            "payment3": PAYMENT3,
        },
        sections=sections,
        items=items,
        index=IndexSpec(
            rule="top_box_share",
            groups=groups,
            parts=[
                IndexPart(code="I", ref="I", labels=T("Chính sách", "Policy")),
                IndexPart(
                    code="II", ref="II", labels=T("Dịch vụ hành chính công", "Public administrative service")
                ),
            ],
            description=T("SIPAS = trung bình cộng 39 tiêu chí.", "SIPAS = mean of the 39 criteria."),
        ),
    )


# --------------------------------------------------------------------------------------------
# sipas-2025: generation 2 in the ministry's published wording (sipas_2025_wording.py, docs/sipas.md §4)
# --------------------------------------------------------------------------------------------


def _options(rows: list[tuple[str, str, str]]) -> list[Option]:
    return [Option(code=code, labels=T(vi, en)) for code, vi, en in rows]


def _single(code: str, ref: str, label: W25.Wording, rows: list[tuple[str, str, str]]) -> Item:
    """A required single-choice item of Part A."""
    return Item(
        code=code,
        ref=ref,
        type="single",
        section="S_A",
        labels=T(*label),
        options=_options(rows),
        required=True,
    )


def _if_other(code: str, ref: str, of: str, section: str, multi: bool = False) -> Item:
    """The free text the form offers under a "Khác" answer, shown only when that answer is chosen."""
    shown: Condition = Contains(item=of, value="OTHER") if multi else Equals(item=of, value="OTHER")
    return Item(
        code=code,
        ref=ref,
        type="text",
        section=section,
        labels=T(*W25.IF_OTHER),
        show_if=shown,
        max_length=200,
    )


def _rated_row(
    code: str,
    row: W25.Row,
    section: str,
    item_type: ItemType,
    scale: str | None = None,
    allow_dont_know: bool = True,
    element: str | None = None,
) -> Item:
    """A required row of a table question; its label (and help, when the printed row ends in an
    explanation in brackets) come from a wording row. The ref is the code with dots (Q9.II.B.2)."""
    return Item(
        code=code,
        ref=code.replace("_", "."),
        type=item_type,
        section=section,
        labels=T(row[0], row[1]),
        help=T(row[2], row[3]) if len(row) == 4 else None,
        scale=scale,
        required=True,
        allow_dont_know=allow_dont_know,
        element=element,
    )


def _sipas_2025_part_a() -> list[Item]:
    return [
        _single("A1", "A.1", W25.SEX, W25.SEX_OPTIONS),
        _single("A2", "A.2", W25.ETHNICITY, W25.ETHNICITY_OPTIONS),
        _if_other("A2_OTHER", "A.2.other", "A2", "S_A"),
        _single("A3", "A.3", W25.AGE, W25.AGE_OPTIONS),
        _single("A4", "A.4", W25.EDUCATION, W25.EDUCATION_OPTIONS),
        _if_other("A4_OTHER", "A.4.other", "A4", "S_A"),
        _single("A5", "A.5", W25.OCCUPATION, W25.OCCUPATION_OPTIONS),
        _if_other("A5_OTHER", "A.5.other", "A5", "S_A"),
    ]


def _sipas_2025_q1_q8() -> list[Item]:
    def rows(prefix: str, wording: list[W25.Wording]) -> list[tuple[str, W25.Row]]:
        return [(f"{prefix}_{k}", row) for k, row in enumerate(wording, start=1)]

    def perception(code: str, label: W25.Wording, scale: str) -> Item:
        return Item(
            code=code,
            ref=code,
            type="rating3",
            scale=scale,
            section="S_Q4_Q6",
            labels=T(*label),
            required=True,
            allow_dont_know=True,
        )

    items = [_rated_row(c, r, "S_Q1", "likert4", "interest4", False) for c, r in rows("Q1", W25.Q1_POLICIES)]
    items += [
        Item(
            code="Q2",
            ref="Q2",
            type="multi",
            section="S_Q2",
            labels=T(*W25.Q2),
            options=_options(W25.Q2_CHANNELS),
            required=True,
        ),
        _if_other("Q2_OTHER", "Q2.other", "Q2", "S_Q2", multi=True),
    ]
    # every respondent rates every way, as printed: the form does not tie Q3 to the channels of Q2
    items += [_rated_row(c, r, "S_Q3", "likert4", "suitability4") for c, r in rows("Q3", W25.Q3_WAYS)]
    items += [
        Item(
            code="Q4",
            ref="Q4",
            type="single",
            section="S_Q4_Q6",
            labels=T(*W25.Q4),
            options=_options(W25.Q4_OPTIONS),
            required=True,
            allow_dont_know=True,
        ),
        perception("Q5", W25.Q5, "harassment3"),
        perception("Q6", W25.Q6, "payment3"),
    ]
    items += [_rated_row(c, r, "S_Q7", "likert4", "suitability4") for c, r in rows("Q7", W25.Q7_WAYS)]
    items += [_rated_row(c, r, "S_Q8", "yesno", None, False) for c, r in rows("Q8", W25.Q8_EXPERIENCES)]
    return items


def _sipas_2025_q9() -> tuple[list[Section], list[Item], list[IndexGroup]]:
    # Part II (service delivery) is asked only of those who dealt with a procedure (Q8 rows 3 and 4)
    used_service: Condition = AnyOf(conds=[Equals(item=f"Q8_{k}", value=True) for k in W25.Q8_USED_A_SERVICE])
    sections: list[Section] = []
    items: list[Item] = []
    groups: list[IndexGroup] = []
    for part, letter, gvi, gen, note_vi, note_en, criteria in W25.Q9_GROUPS:
        g = f"{part}_{letter}"
        stem = (f"{W25.Q9[0]}. {note_vi}", f"{W25.Q9[1]}. {note_en}") if note_vi else W25.Q9
        sections.append(
            Section(
                code=f"S_Q9_{g}",
                title=T(f"Câu 9. {part}.{letter}. {gvi}", f"Question 9. {part}.{letter}. {gen}"),
                description=T(*stem),
                show_if=used_service if part == "II" else None,
            )
        )
        groups.append(IndexGroup(code=g, ref=f"{part}.{letter}", labels=T(gvi, gen), part=part))
        items += [
            _rated_row(f"Q9_{g}_{k}", row, f"S_Q9_{g}", "likert5", "satisfaction5", element=g)
            for k, row in enumerate(criteria, start=1)
        ]
    return sections, items, groups


def _question_section(code: str, number: str, stem: W25.Wording | None = None) -> Section:
    return Section(
        code=code,
        title=T(f"Câu {number}", f"Question {number}"),
        description=T(*stem) if stem is not None else None,
    )


def sipas_2025() -> Questionnaire:
    q9_sections, q9_items, groups = _sipas_2025_q9()
    sections = [
        Section(code="S_A", title=T(*W25.PART_A)),
        _question_section("S_Q1", "1", (f"{W25.Q1[0]} {W25.Q1_NOTE[0]}", f"{W25.Q1[1]} {W25.Q1_NOTE[1]}")),
        _question_section("S_Q2", "2"),
        _question_section("S_Q3", "3", W25.Q3),
        _question_section("S_Q4_Q6", "4–6"),
        _question_section("S_Q7", "7", W25.Q7),
        _question_section("S_Q8", "8", W25.Q8),
        *q9_sections,
        _question_section("S_Q10", "10", W25.Q10),
        Section(code="S_END", title=T(*W25.COMMENT_SECTION)),
    ]
    items = _sipas_2025_part_a() + _sipas_2025_q1_q8() + q9_items
    items += [
        _rated_row(f"Q10_{k}", row, "S_Q10", "likert4", "expectation4", False)
        for k, row in enumerate(W25.Q10_EXPECTATIONS, start=1)
    ]
    items.append(
        Item(code="COMMENT", ref="Q11", type="text", section="S_END", labels=T(*W25.COMMENT), max_length=2000)
    )
    return Questionnaire(
        id="sipas-2025",
        version="2025.1",
        instrument="sipas-gen2",
        title=T(*W25.TITLE),
        description=T(
            "Câu chữ của phiếu khảo sát SIPAS hiện hành của Bộ Nội vụ (phương pháp theo Quyết định "
            "1001/QĐ-BNV), lấy nguyên văn từ bản phiếu trực tuyến mà một phường công bố: kho mã công khai "
            "github.com/HoangLan01/form_test3, tệp index.html và src/utils/surveyMapper.js (bản ghi "
            "d07d7e7). Chỉ bỏ số thứ tự và dấu chấm cuối câu; phần giải thích trong ngoặc của một số tiêu "
            "chí là phần chú thích của câu hỏi. Các từ chỉ địa bàn (phường, thành phố) là của bản gốc. Mã "
            "câu hỏi như sipas-2023 (đánh số theo vị trí trên phiếu). Phần II câu 9 chỉ hỏi người đã giải "
            "quyết thủ tục hành chính (câu 8.3 hoặc 8.4). Mã 0 (thang đo) / DK (lựa chọn) = Không biết / "
            "Không áp dụng, do nền tảng bổ sung, bản gốc không có. Địa bàn, ngày, điều tra viên (Phần C) "
            "được ghi ở cấp phiếu, không phải câu hỏi.",
            "The wording of the current SIPAS questionnaire of the Ministry of Home Affairs (method of "
            "Decision 1001/QĐ-BNV), taken verbatim from the online form a ward published: the public "
            "repository github.com/HoangLan01/form_test3, files index.html and src/utils/surveyMapper.js "
            "(commit d07d7e7). Only the numbering and final full stops are dropped; the bracketed "
            "explanations of some criteria are the items' help text. The place words (ward, city) are the "
            "original's. Item codes as in sipas-2023 (numbered by position on the form). Q9 Part II is "
            "asked only of respondents who dealt with a procedure (Q8.3 or Q8.4). Code 0 (scales) / DK "
            "(choices) = don't know / not applicable, added by the platform, not in the original. "
            "Location, date and interviewer (Part C) are recorded on the response, not as items.",
        ),
        scales={
            "satisfaction5": _scale(*W25.SATISFACTION_SCALE, W25.SATISFACTION_POINTS, [4, 5]),
            "interest4": _scale(*W25.INTEREST_SCALE, W25.INTEREST_POINTS, [3, 4]),
            "suitability4": _scale(*W25.SUITABILITY_SCALE, W25.SUITABILITY_POINTS, [3, 4]),
            "expectation4": _scale(*W25.EXPECTATION_SCALE, W25.EXPECTATION_POINTS, [3, 4]),
            "harassment3": _scale(*W25.HARASSMENT_SCALE, W25.HARASSMENT_POINTS, []),
            "payment3": _scale(*W25.PAYMENT_SCALE, W25.PAYMENT_POINTS, []),
        },
        sections=sections,
        items=items,
        index=IndexSpec(
            rule="top_box_share",
            groups=groups,
            parts=[IndexPart(code=p, ref=p, labels=T(*label)) for p, label in W25.Q9_PARTS.items()],
            description=T("SIPAS = trung bình cộng 39 tiêu chí.", "SIPAS = mean of the 39 criteria."),
        ),
    )


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
        version="2018.1",
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
        ),
    )


BUILDERS = {
    "sipas-2017": sipas_2017,
    "sipas-2023": sipas_2023,
    "sipas-2025": sipas_2025,
    "counter-3": counter_3,
    "decree61-9": decree61_9,
}


def render_all() -> dict[str, bytes]:
    """Template id → pretty JSON, after checking each definition."""
    out = {}
    for tid, build in BUILDERS.items():
        q = build()
        problems = check_definition(q)
        if problems:
            raise ValueError(f"{tid}: {problems}")
        out[tid] = dump_definition_pretty(q)
    return out


def main() -> None:
    TEMPLATE_DIR.mkdir(exist_ok=True)
    for tid, data in render_all().items():
        (TEMPLATE_DIR / f"{tid}.json").write_bytes(data)
        print(f"wrote {TEMPLATE_DIR / f'{tid}.json'}")


if __name__ == "__main__":
    main()
