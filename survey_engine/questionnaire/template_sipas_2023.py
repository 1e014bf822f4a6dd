"""The `sipas-2023` template: the second-generation SIPAS questionnaire (Decision 1001/QĐ-BNV).

Template data (see :mod:`survey_engine.questionnaire.template_sources`, which builds the JSON files).
"""

from __future__ import annotations

from survey_engine.questionnaire.conditions import AnyOf, Condition, Contains, Equals
from survey_engine.questionnaire.definition import (
    IndexGroup,
    IndexPart,
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
    EXPECTATION4,
    HARASSMENT3,
    INTEREST4,
    OCCUPATION,
    PAYMENT3,
    SATISFACTION5,
    SEX,
    SUITABILITY4,
    T,
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
