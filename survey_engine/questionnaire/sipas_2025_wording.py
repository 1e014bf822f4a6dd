# ruff: noqa: E501  (Vietnamese/English label pairs read better unwrapped)
"""Wording of the ``sipas-2025`` template: the current MoHA SIPAS questionnaire as published.

Template data only (no logic); ``template_sipas_2025.sipas_2025`` builds the template from it.

Source: the online form of a ward (Phường Tùng Thiện, Hà Nội) for the SIPAS survey of 2026, the
closest public reproduction of the ministry's questionnaire (method of Decision 1001/QĐ-BNV), in the
public GitHub repository ``HoangLan01/form_test3`` at commit ``d07d7e7f78db3e768051fc1a73a30f05e8224f9d``:
``index.html`` (the form the respondent reads: question stems, rows and answer options) and
``src/utils/surveyMapper.js`` (the same items and answer lists in the same order, shortened for the
ward's PDF summary). The counts were checked against both files: 6 education and 7 occupation options,
9 policies (Q1), 7 channels (Q2, Q3), 4 answers to Q4, 3 to Q5 and Q6, 3 ways of dealing (Q7), 7
experiences (Q8), 39 criteria (Q9) and 10 expectations (Q10).

How the text was taken: the Vietnamese is the form's, character for character, except that the
printed numbering ("1.", "24.") and a sentence's final full stop or colon are dropped, and all-capital
headings are set in sentence case. Where a criterion's row ends in an explanation in brackets
("(Các hình thức như: …)", "(Các quy định, …)"), the bracket is kept verbatim as the item's help text
rather than in its label, so that tables and scorecards show the criterion itself (label and help,
with the full stop the form puts between them, give the printed row). The place words (*phường*, *thành phố*) are the ward's; an agency in a
commune or a province adapts them in its own copy of the template. English is a translation.

Each entry is ``(vi, en)``; a criterion or row with an explanation is ``(vi, en, help_vi, help_en)``.
"""

from __future__ import annotations

from typing import Final

Wording = tuple[str, str]
Row = tuple[str, str] | tuple[str, str, str, str]

SOURCE: Final = (
    "github.com/HoangLan01/form_test3 @ d07d7e7f78db3e768051fc1a73a30f05e8224f9d: "
    "index.html, src/utils/surveyMapper.js"
)

TITLE: Final[Wording] = (
    "Phiếu khảo sát ý kiến sự hài lòng của người dân đối với sự phục vụ của cơ quan hành chính nhà nước (SIPAS)",
    "Opinion survey of citizens' satisfaction with the service of state administrative agencies (SIPAS)",
)

# --- Part A: the respondent --------------------------------------------------------------------

PART_A: Final[Wording] = (
    "Phần A: Thông tin cá nhân người trả lời khảo sát",
    "Part A: Personal information of the respondent",
)
SEX: Final[Wording] = ("Giới tính", "Sex")
SEX_OPTIONS: Final[list[tuple[str, str, str]]] = [
    ("MALE", "Nam", "Male"),
    ("FEMALE", "Nữ", "Female"),
]
ETHNICITY: Final[Wording] = ("Dân tộc", "Ethnicity")
ETHNICITY_OPTIONS: Final[list[tuple[str, str, str]]] = [
    ("KINH", "Kinh", "Kinh"),
    ("OTHER", "Khác", "Other"),
]
AGE: Final[Wording] = ("Độ tuổi", "Age")
AGE_OPTIONS: Final[list[tuple[str, str, str]]] = [
    ("18_24", "18-24 tuổi", "18–24 years"),
    ("25_34", "25-34 tuổi", "25–34 years"),
    ("35_49", "35-49 tuổi", "35–49 years"),
    ("50_60", "50-60 tuổi", "50–60 years"),
    ("60P", "Trên 60 tuổi", "Over 60 years"),
]
EDUCATION: Final[Wording] = ("Trình độ học vấn", "Education")
# Six options: university and postgraduate are one answer, and there is no "below primary".
EDUCATION_OPTIONS: Final[list[tuple[str, str, str]]] = [
    ("PRIMARY", "Tiểu học (cấp I)", "Primary school (level I)"),
    ("LOWER_SEC", "THCS (cấp II)", "Lower secondary school (level II)"),
    ("UPPER_SEC", "THPT (cấp III)", "Upper secondary school (level III)"),
    ("VOCATIONAL", "Dạy nghề TC/CĐ", "Vocational training (secondary or college level)"),
    ("TERTIARY", "Đại học/ trên ĐH", "University / postgraduate"),
    ("OTHER", "Khác", "Other"),
]
OCCUPATION: Final[Wording] = ("Nghề nghiệp", "Occupation")
# Seven options, by employment status and sector rather than by trade.
OCCUPATION_OPTIONS: Final[list[tuple[str, str, str]]] = [
    ("RETIRED", "Nghỉ hưu", "Retired"),
    ("AT_HOME", "Không đi làm (ở nhà)", "Not working (at home)"),
    ("FREELANCE", "Làm công việc tự do (không ký HĐLĐ)", "Self-employed or casual work (no labour contract)"),
    ("STUDENT", "Sinh viên", "Student"),
    (
        "PRIVATE_SECTOR",
        "Làm việc tại tổ chức, DN trong lĩnh vực tư",
        "Working for an organisation or enterprise in the private sector",
    ),
    (
        "PUBLIC_SECTOR",
        "Làm việc tại cơ quan, tổ chức, DN trong lĩnh vực công",
        "Working for an agency, organisation or enterprise in the public sector",
    ),
    ("OTHER", "Khác", "Other"),
]
# The form's placeholder under every "Khác" answer
IF_OTHER: Final[Wording] = ("Nếu khác, xin viết cụ thể", "If other, please specify")

# --- Part B: Q1-Q8 ------------------------------------------------------------------------------

PART_B: Final[Wording] = ("Phần B: Câu hỏi khảo sát", "Part B: Survey questions")

Q1: Final[Wording] = (
    "Xin Ông/Bà cho biết mức độ quan tâm theo dõi của Ông/Bà đối với các chính sách công trong bảng dưới đây (theo dõi thông qua cả hình thức đọc báo, nghe đài, xem trên ti vi, trên mạng internet)?",
    "How closely do you follow the public policies in the table below (including by reading newspapers, listening to the radio, watching television or on the internet)?",
)
Q1_NOTE: Final[Wording] = (
    '("Chính sách" ở đây nói đến các quy định, chương trình, hành động của chính quyền, cơ quan hành chính nhà nước ở địa phương).',
    '("Policy" here means the regulations, programmes and actions of the local government and state administrative agencies.)',
)
Q1_POLICIES: Final[list[Wording]] = [
    ("Chính sách phát triển kinh tế ở địa phương", "Local economic development policy"),
    ("Chính sách khám, chữa bệnh ở địa phương", "Local medical examination and treatment policy"),
    ("Chính sách giáo dục phổ thông ở địa phương", "Local general (school) education policy"),
    ("Chính sách nước sinh hoạt ở địa phương", "Local domestic water policy"),
    ("Chính sách điện sinh hoạt ở địa phương", "Local household electricity policy"),
    ("Chính sách trật tự, an toàn xã hội ở địa phương", "Local public order and social safety policy"),
    ("Chính sách giao thông đường bộ ở địa phương", "Local road transport policy"),
    ("Chính sách an sinh, xã hội ở địa phương", "Local social security policy"),
    ("Chính sách cải cách hành chính ở địa phương", "Local administrative reform policy"),
]
INTEREST_SCALE: Final[Wording] = ("Mức độ quan tâm theo dõi", "How closely followed")
INTEREST_POINTS: Final[list[Wording]] = [
    ("Không quan tâm theo dõi", "Not following"),
    ("Khá quan tâm theo dõi", "Following somewhat"),
    ("Quan tâm theo dõi", "Following"),
    ("Rất quan tâm theo dõi", "Following very closely"),
]

Q2: Final[Wording] = (
    "Trong thời gian qua, Ông/Bà đã sử dụng kênh thông tin nào để theo dõi các chính sách nêu ở Câu 1? (Chọn nhiều)",
    "In the past period, which information channels have you used to follow the policies in Question 1? (Several answers possible)",
)
Q2_CHANNELS: Final[list[tuple[str, str, str]]] = [
    ("LOUDSPEAKER", "Qua loa phát thanh phường", "Through the ward's loudspeakers"),
    (
        "MEETING",
        "Qua họp, sinh hoạt, thông báo tại khu dân cư",
        "Through meetings, gatherings and notices in the residential area",
    ),
    ("OFFICIAL", "Qua chính quyền, công chức", "Through the local government and civil servants"),
    ("RELATIVES", "Qua người thân, bạn bè", "Through family and friends"),
    ("MEDIA", "Qua đài, ti vi, báo chí", "Through radio, television and the press"),
    (
        "INTERNET",
        "Qua mạng internet (Trang thông tin điện tử, cổng thông tin điện tử, báo điện tử, zalo, facebook...)",
        "Through the internet (websites, web portals, online newspapers, Zalo, Facebook…)",
    ),
    ("OTHER", "Qua hình thức khác (xin ghi cụ thể)", "Through other means (please specify)"),
]

Q3: Final[Wording] = (
    "Ông/Bà đánh giá mức độ phù hợp của các hình thức cơ quan nhà nước cung cấp thông tin về các chính sách nêu ở Câu 1 đối với bản thân Ông/Bà như thế nào?",
    "How suitable for you are the ways in which state agencies provide information about the policies in Question 1?",
)
Q3_WAYS: Final[list[Wording]] = [
    (
        "Cung cấp thông tin về các chính sách qua loa phát thanh phường",
        "Providing policy information through the ward's loudspeakers",
    ),
    (
        "Cung cấp thông tin về các chính sách qua họp, sinh hoạt, thông báo tại khu dân cư",
        "Providing policy information through meetings, gatherings and notices in the residential area",
    ),
    (
        "Cung cấp thông tin về các chính sách qua chính quyền, công chức",
        "Providing policy information through the local government and civil servants",
    ),
    (
        "Cung cấp thông tin về các chính sách qua người thân, bạn bè",
        "Providing policy information through family and friends",
    ),
    (
        "Cung cấp thông tin về các chính sách qua đài, ti vi, báo chí",
        "Providing policy information through radio, television and the press",
    ),
    (
        "Cung cấp thông tin về các chính sách qua mạng internet (Trang thông tin điện tử, báo điện tử, zalo, facebook...)",
        "Providing policy information through the internet (websites, online newspapers, Zalo, Facebook…)",
    ),
    (
        "Cung cấp thông tin về các chính sách qua hình thức khác",
        "Providing policy information through other means",
    ),
]
SUITABILITY_SCALE: Final[Wording] = ("Mức độ phù hợp", "Suitability")
SUITABILITY_POINTS: Final[list[Wording]] = [
    ("Không phù hợp", "Not suitable"),
    ("Khá phù hợp", "Fairly suitable"),
    ("Phù hợp", "Suitable"),
    ("Rất phù hợp", "Very suitable"),
]

Q4: Final[Wording] = (
    "Trong thời gian tới, nếu cơ quan nhà nước tổ chức xin ý kiến người dân về chính sách nêu ở Câu 1, Ông/Bà có tham gia góp ý kiến không?",
    "If state agencies consult citizens on the policies in Question 1 in the coming period, will you take part and give your views?",
)
Q4_OPTIONS: Final[list[tuple[str, str, str]]] = [
    (
        "ANY_FORM",
        "Sẽ tham gia, nếu được xin ý kiến theo bất kỳ hình thức nào",
        "I will take part if I am asked in any form",
    ),
    (
        "BY_FORM",
        "Sẽ tham gia, nếu được xin ý kiến theo hình thức gửi phiếu xin ý kiến đến nhà, cơ quan",
        "I will take part if I am asked by a consultation form sent to my home or workplace",
    ),
    (
        "AT_MEETING",
        "Sẽ tham gia, nếu được xin ý kiến tại cuộc họp cư dân ở nơi sinh sống",
        "I will take part if I am asked at a residents' meeting where I live",
    ),
    (
        "ONLINE",
        "Sẽ tham gia, nếu được xin ý kiến theo hình thức trực tuyến",
        "I will take part if I am asked online",
    ),
]

Q5: Final[Wording] = (
    "Ông/Bà cảm nhận như thế nào về tình trạng công chức gây phiền hà, sách nhiễu cho người dân trong quá trình giải quyết thủ tục hành chính hiện nay ở địa phương?",
    "How do you see civil servants causing trouble for or harassing citizens while handling administrative procedures locally at present?",
)
HARASSMENT_SCALE: Final[Wording] = ("Nhận định về việc gây phiền hà, sách nhiễu", "Perceived harassment")
HARASSMENT_POINTS: Final[list[Wording]] = [
    (
        "Không có công chức nào gây phiền hà, sách nhiễu cho người dân",
        "No civil servant causes trouble for or harasses citizens",
    ),
    (
        "Có một số công chức gây phiền hà, sách nhiễu cho người dân",
        "Some civil servants cause trouble for or harass citizens",
    ),
    (
        "Có nhiều công chức gây phiền hà, sách nhiễu cho người dân",
        "Many civil servants cause trouble for or harass citizens",
    ),
]

Q6: Final[Wording] = (
    "Ông/Bà suy nghĩ gì về tình trạng người dân phải đưa tiền ngoài quy định nộp phí lệ phí (hay còn gọi là “tiền bôi trơn”, tiền “đút lót”) cho công chức trong quá trình giải quyết thủ tục hành chính hiện nay ở địa phương?",
    "What do you think about citizens having to give civil servants money beyond the regulated fees and charges (so-called “grease money” or “bribes”) while administrative procedures are handled locally at present?",
)
PAYMENT_SCALE: Final[Wording] = ("Nhận định về chi phí không chính thức", "Perceived informal payments")
PAYMENT_POINTS: Final[list[Wording]] = [
    (
        "Không có người dân nào phải đưa tiền ngoài quy định cho công chức",
        "No citizen has to give civil servants money beyond what is regulated",
    ),
    (
        "Có một số người dân phải đưa tiền ngoài quy định cho công chức",
        "Some citizens have to give civil servants money beyond what is regulated",
    ),
    (
        "Có nhiều người dân phải đưa tiền ngoài quy định cho công chức",
        "Many citizens have to give civil servants money beyond what is regulated",
    ),
]

Q7: Final[Wording] = (
    "Ông/Bà đánh giá mức độ phù hợp của các hình thức giải quyết thủ tục hành chính đối với bản thân Ông/Bà như thế nào?",
    "How suitable for you are the following ways of dealing with administrative procedures?",
)
Q7_WAYS: Final[list[Wording]] = [
    (
        "Nộp hồ sơ và nhận kết quả giải quyết thủ tục hành chính theo hình thức trực tiếp (tại cơ quan nhà nước)",
        "Submitting the dossier and receiving the result in person (at a state agency)",
    ),
    (
        "Nộp hồ sơ và nhận kết quả giải quyết thủ tục hành chính theo hình thức trực tuyến toàn trình (tất cả các công việc đều thực hiện qua mạng internet)",
        "Submitting the dossier and receiving the result fully online (every step done over the internet)",
    ),
    (
        "Nộp hồ sơ và nhận kết quả giải quyết thủ tục hành chính theo hình thức trực tuyến một phần (một số công việc trực tiếp tại cơ quan nhà nước và một số công việc qua mạng internet)",
        "Submitting the dossier and receiving the result partly online (some steps in person at a state agency, some over the internet)",
    ),
]

Q8: Final[Wording] = (
    "Xin Ông/Bà cho biết trải nghiệm của bản thân Ông/Bà đối với các nội dung trong bảng dưới đây?",
    "Please tell us about your own experience of each of the following.",
)
Q8_EXPERIENCES: Final[list[Wording]] = [
    (
        "Ông/Bà đang có người thân đang đi học phổ thông hoặc đã có người thân đi học phổ thông trong thời gian 3 năm trở lại đây",
        "A member of your family is at school, or has been at school in the past 3 years",
    ),
    (
        "Ông/Bà hoặc người thân của Ông/Bà đi khám, chữa bệnh tại bệnh viện, phòng khám đa khoa ở tuyến thành phố, tuyến phường",
        "You or a member of your family went for medical examination or treatment at a hospital or general clinic at city or ward level",
    ),
    (
        "Ông/Bà giải quyết thủ tục hành chính tại Trung tâm Phục vụ hành chính công của thành phố",
        "You dealt with an administrative procedure at the city's Public Administrative Service Centre",
    ),
    (
        "Ông/Bà giải quyết thủ tục hành chính tại Điểm phục vụ hành chính công tại phường",
        "You dealt with an administrative procedure at the ward's public administrative service point",
    ),
    (
        "Ông/Bà hỏi chính quyền, công chức về chính sách, thủ tục hành chính",
        "You asked the local government or civil servants about policies or administrative procedures",
    ),
    (
        "Ông/Bà nêu ý kiến đánh giá với chính quyền về kết quả thực hiện chính sách, kết quả giải quyết thủ tục hành chính",
        "You gave the local government your assessment of the results of policies or of administrative procedures",
    ),
    (
        "Ông/Bà nêu ý kiến phản ánh, kiến nghị với chính quyền về chính sách, thủ tục hành chính",
        "You raised feedback or petitions with the local government on policies or administrative procedures",
    ),
]
#: Q8 rows (1-based) that say the respondent dealt with an administrative procedure: Q9 Part II
#: (service delivery) is asked only of them.
Q8_USED_A_SERVICE: Final = (3, 4)

# --- Q9: the 39 criteria ------------------------------------------------------------------------

Q9: Final[Wording] = (
    "Xin Ông/Bà cho biết mức độ hài lòng của Ông/Bà về các nội dung trong bảng bên dưới đây",
    "Please tell us how satisfied you are with each of the following",
)
SATISFACTION_SCALE: Final[Wording] = ("Mức độ hài lòng", "Satisfaction")
SATISFACTION_POINTS: Final[list[Wording]] = [
    ("Rất không hài lòng", "Very dissatisfied"),
    ("Không hài lòng", "Dissatisfied"),
    ("Bình thường", "Neutral"),
    ("Hài lòng", "Satisfied"),
    ("Rất hài lòng", "Very satisfied"),
]
Q9_PARTS: Final[dict[str, Wording]] = {
    "I": (
        "Việc xây dựng, tổ chức thực hiện chính sách công (nêu ở Câu 1)",
        "Making and implementing public policies (those in Question 1)",
    ),
    "II": ("Việc cung ứng dịch vụ hành chính công", "Delivering public administrative services"),
}

_POINT = "Chi nhánh Trung tâm Phục vụ hành chính công/Điểm phục vụ hành chính công"
_POINT_EN = "The branch of the Public Administrative Service Centre / public administrative service point"
_STAFF = f"Công chức ở {_POINT}"
_STAFF_EN = "Civil servants at the branch of the Public Administrative Service Centre / public administrative service point"

#: (part, letter, group label vi, en, group note vi, en, criteria) in printed order
Q9_GROUPS: Final[list[tuple[str, str, str, str, str, str, list[Row]]]] = [
    (
        "I",
        "A",
        "Trách nhiệm giải trình của chính quyền về chính sách",
        "Accountability of the local government on policies",
        "",
        "",
        [
            (
                "Chính quyền cung cấp, giải thích thông tin về các chính sách theo nhiều hình thức, giúp mọi người dân dễ tìm, dễ thấy",
                "The local government provides and explains policy information in many forms, so that every citizen can easily find and see it",
                "(Các hình thức như: Niêm yết công khai tại cơ quan, loa phát thanh phường, họp tổ dân phố, đăng tải trên trang thông tin điện tử của chính quyền...)",
                "(Forms such as: public posting at the agency, the ward's loudspeakers, residential group meetings, publication on the government's website…)",
            ),
            (
                "Chính quyền cung cấp thông tin về các chính sách đầy đủ, dễ hiểu đối với người dân",
                "The local government provides complete policy information that citizens find easy to understand",
            ),
        ],
    ),
    (
        "I",
        "B",
        "Sự tham gia của người dân vào quá trình xây dựng, tổ chức thực hiện chính sách",
        "Citizen participation in making and implementing policies",
        "",
        "",
        [
            (
                "Chính quyền tổ chức nhiều hình thức để người dân dễ dàng tham gia góp ý kiến xây dựng các chính sách",
                "The local government offers many ways for citizens to easily comment on the making of policies",
                "(Các hình thức như: Mở các mục xin ý kiến vào dự thảo chính sách trên các trang thông tin điện tử; gửi phiếu xin ý kiến/phiếu khảo sát tới người dân; họp xin ý kiến tại khu dân cư; đăng tải công khai các số điện thoại, địa chỉ hộp thư điện tử để xin ý kiến ...)",
                "(Forms such as: sections on websites for comments on draft policies; consultation forms or questionnaires sent to citizens; consultation meetings in residential areas; publishing telephone numbers and e-mail addresses for comments…)",
            ),
            (
                "Chính quyền tổ chức nhiều hình thức để người dân dễ dàng phản hồi ý kiến đánh giá tình hình triển khai và kết quả, tác động của các chính sách ở địa phương",
                "The local government offers many ways for citizens to easily give their assessment of how local policies are implemented and of their results and impact",
            ),
        ],
    ),
    (
        "I",
        "C",
        "Chất lượng tổ chức thực hiện chính sách",
        "Quality of policy implementation",
        "",
        "",
        [
            (
                "Chính quyền tổ chức thực hiện tốt chính sách phát triển kinh tế ở địa phương",
                "The local government implements the local economic development policy well",
                "(Các quy định, các hoạt động thu hút đầu tư, kinh doanh, việc làm, tín dụng...)",
                "(Regulations and activities on attracting investment, business, jobs, credit…)",
            ),
            (
                "Chính quyền tổ chức thực hiện tốt chính sách khám chữa bệnh ở địa phương",
                "The local government implements the local medical examination and treatment policy well",
                "(Các quy định, hoạt động khám, chữa bệnh, bảo hiểm y tế, viện phí, nhập viện, chuyển viện... ở các bệnh viện công, phòng khám công, trạm y tế)",
                "(Regulations and activities on medical examination and treatment, health insurance, hospital fees, admission, transfer… at public hospitals, public clinics and health stations)",
            ),
            (
                "Chính quyền tổ chức thực hiện tốt chính sách giáo dục phổ thông ở địa phương",
                "The local government implements the local general (school) education policy well",
                "(Các quy định, hoạt động dạy và học, chương trình học, sách giáo khoa, trường học, lớp học, đánh giá học sinh, thủ tục nhập học ... ở các trường phổ thông công lập)",
                "(Regulations and activities on teaching and learning, curricula, textbooks, schools, classes, assessment of pupils, enrolment procedures… at public schools)",
            ),
            (
                "Chính quyền tổ chức thực hiện tốt chính sách trật tự, an toàn xã hội ở địa phương",
                "The local government implements the local public order and social safety policy well",
                "(Các quy định, hoạt động quản lý dân cư, giữ gìn trật tự nơi công cộng, quản lý an ninh mạng; phòng chống tội phạm...)",
                "(Regulations and activities on managing residents, keeping order in public places, managing cyber-security; preventing crime…)",
            ),
            (
                "Chính quyền tổ chức thực hiện tốt chính sách giao thông đường bộ ở địa phương",
                "The local government implements the local road transport policy well",
                "(Các quy định, hoạt động xây dựng, phát triển đường bộ; giao thông đường bộ; bảo đảm trật tự, an toàn giao thông đường bộ ...)",
                "(Regulations and activities on building and developing roads; road traffic; road traffic order and safety…)",
            ),
            (
                "Chính quyền tổ chức thực hiện tốt chính sách điện sinh hoạt ở địa phương",
                "The local government implements the local household electricity policy well",
                "(Các quy định, hoạt động cung cấp điện sinh hoạt, giá tiền điện sinh hoạt, quản lý, phát triển điện sinh hoạt...)",
                "(Regulations and activities on household electricity supply, household electricity prices, managing and developing household electricity…)",
            ),
            (
                "Chính quyền tổ chức thực hiện tốt chính sách nước sinh hoạt ở địa phương",
                "The local government implements the local domestic water policy well",
                "(Các quy định, hoạt động cung cấp nước sinh hoạt, giá tiền nước sinh hoạt, quản lý, phát triển nước sinh hoạt...)",
                "(Regulations and activities on domestic water supply, domestic water prices, managing and developing domestic water…)",
            ),
            (
                "Chính quyền tổ chức thực hiện tốt chính sách an sinh xã hội ở địa phương",
                "The local government implements the local social security policy well",
                "(Các quy định, hoạt động thu, thanh toán bảo hiểm xã hội, bảo hiểm thất nghiệp; hỗ trợ thường xuyên đối với người có công, người nghèo, người tàn tật, hỗ trợ đột xuất cho người dân khi gặp mất mùa, thiên tai ...)",
                "(Regulations and activities on collecting and paying social and unemployment insurance; regular support for people with meritorious service, the poor and people with disabilities; emergency support for citizens hit by crop failure or natural disaster…)",
            ),
            (
                "Chính quyền tổ chức thực hiện tốt chính sách cải cách hành chính ở địa phương",
                "The local government implements the local administrative reform policy well",
                "(Các quy định, hoạt động cải cách thể chế, cải cách thủ tục hành chính, cải cách tổ chức bộ máy cơ quan nhà nước, cải cách công vụ, cải cách quản lý tài chính công, xây dựng chính quyền điện tử, chính quyền số...)",
                "(Regulations and activities on institutional reform, reform of administrative procedures, of the organisation of state agencies, of the civil service and of public finance management, building e-government and digital government…)",
            ),
        ],
    ),
    (
        "I",
        "D",
        "Kết quả, tác động của chính sách",
        "Results and impact of policies",
        "",
        "",
        [
            (
                "Kinh tế gia đình của người dân địa phương tốt hơn",
                "The household economy of local people is better",
            ),
            ("Kinh tế - xã hội của địa phương tốt hơn", "The local economy and society are better"),
            (
                "Bệnh viện công lập ở địa phương khám chữa bệnh cho người dân tốt hơn",
                "Local public hospitals examine and treat people better",
            ),
            ("Trường phổ thông công lập dạy học sinh tốt hơn", "Public schools teach pupils better"),
            (
                "Trật tự, an toàn xã hội ở địa phương tốt hơn",
                "Local public order and social safety are better",
            ),
            ("Đường bộ, giao thông ở địa phương tốt hơn", "Local roads and traffic are better"),
            (
                "Điện sinh hoạt của người dân ở địa phương tốt hơn",
                "Local people's household electricity is better",
            ),
            (
                "Nước sinh hoạt của người dân ở địa phương tốt hơn",
                "Local people's domestic water is better",
            ),
            (
                "An sinh xã hội đối với người dân ở địa phương tốt hơn",
                "Social security for local people is better",
            ),
            (
                "Cơ quan hành chính nhà nước, đội ngũ cán bộ, công chức, viên chức ở địa phương có năng lực và thực thi công vụ tốt hơn",
                "Local state administrative agencies and their officials, civil servants and public employees are more capable and perform their duties better",
            ),
        ],
    ),
    (
        "II",
        "A",
        "Tiếp cận dịch vụ",
        "Access to services",
        "",
        "",
        [
            (
                f"{_POINT} có biển hiệu, hướng dẫn rõ ràng, giúp người dân dễ tìm, dễ thấy",
                f"{_POINT_EN} has clear signs and directions, so that citizens can easily find and see it",
            ),
            (
                f"{_POINT} có đủ ghế ngồi chờ, ghế ngồi giải quyết công việc và bàn viết cho người dân",
                f"{_POINT_EN} has enough seats for waiting and for dealing with business, and writing desks, for citizens",
            ),
            (
                f"{_POINT} có trang thiết bị phục vụ người dân đầy đủ, chất lượng tốt, giúp người dân giải quyết công việc dễ dàng hơn",
                f"{_POINT_EN} has sufficient, good-quality equipment for citizens that makes their business easier",
                "(Máy lấy số xếp hàng, máy tính, máy để tra cứu thông tin, máy điều hòa, quạt mát)",
                "(Queue-number machines, computers, information look-up machines, air conditioners, fans)",
            ),
        ],
    ),
    (
        "II",
        "B",
        "Thủ tục hành chính",
        "Administrative procedures",
        "",
        "",
        [
            (
                f"Quy định thủ tục hành chính được niêm yết công khai tại {_POINT} giúp người dân dễ thấy, dễ đọc",
                "The rules of administrative procedures are publicly posted at the branch of the Public Administrative Service Centre / public administrative service point where citizens can easily see and read them",
            ),
            (
                "Công chức yêu cầu người dân nộp hồ sơ giải quyết thủ tục hành chính đúng theo quy định",
                "Civil servants ask citizens to submit the dossier for administrative procedures as the rules require",
            ),
            (
                "Công chức yêu cầu người dân đóng phí lệ phí giải quyết thủ tục hành chính đúng theo quy định",
                "Civil servants ask citizens to pay the fees and charges for administrative procedures as the rules set",
            ),
            (
                "Thời hạn giải quyết thủ tục hành chính cho người dân đúng theo quy định",
                "Citizens' administrative procedures are dealt with within the time the rules set",
            ),
        ],
    ),
    (
        "II",
        "C",
        "Công chức trực tiếp giải quyết công việc",
        "Civil servants who deal with the case directly",
        "",
        "",
        [
            (
                f"{_STAFF} có thái độ giao tiếp lịch sự, tôn trọng đối với người dân",
                f"{_STAFF_EN} are polite and respectful towards citizens",
            ),
            (
                f"{_STAFF} hướng dẫn hồ sơ dễ hiểu, đầy đủ, giúp người dân có thể hoàn thiện hồ sơ sau một lần hướng dẫn",
                f"{_STAFF_EN} give clear and complete guidance on the dossier, so that citizens can complete it after one explanation",
            ),
            (
                f"{_STAFF} tuân thủ đúng quy định trong giải quyết thủ tục hành chính cho người dân",
                f"{_STAFF_EN} comply with the rules when dealing with citizens' administrative procedures",
            ),
        ],
    ),
    (
        "II",
        "D",
        "Kết quả",
        "Results",
        "(Kết quả giải quyết TTHC có thể là được cấp giấy tờ hoặc bị từ chối cấp)",
        "(The result of an administrative procedure may be a document issued or a refusal to issue it)",
        [
            (
                "Kết quả giải quyết thủ tục hành chính cho người dân được trả đúng hẹn",
                "The result of the administrative procedure is returned to the citizen on the promised date",
            ),
            (
                "Kết quả giải quyết thủ tục hành chính cho người dân có thông tin đầy đủ, chính xác",
                "The result of the administrative procedure contains complete and accurate information",
            ),
            (
                "Kết quả giải quyết thủ tục hành chính cho người dân đảm bảo tính công bằng",
                "The result of the administrative procedure is fair",
            ),
        ],
    ),
    (
        "II",
        "E",
        "Việc tiếp nhận, xử lý phản ánh, kiến nghị của người dân",
        "Receiving and handling citizens' feedback and petitions",
        "",
        "",
        [
            (
                f"{_POINT} bố trí hình thức tiếp nhận phản ánh, kiến nghị, giúp người dân phản ánh, kiến nghị dễ dàng",
                f"{_POINT_EN} provides ways of receiving feedback and petitions, so that citizens can give them easily",
            ),
            (
                f"{_POINT} tiếp nhận, xử lý phản ánh, kiến nghị của người dân đúng quy định",
                f"{_POINT_EN} receives and handles citizens' feedback and petitions as the rules require",
            ),
            (
                f"{_POINT} thông báo kết quả xử lý phản ánh kiến nghị cho người dân kịp thời",
                f"{_POINT_EN} informs citizens promptly of how their feedback and petitions were handled",
            ),
        ],
    ),
]

# --- Q10 and the closing comment ----------------------------------------------------------------

Q10: Final[Wording] = (
    "Xin Ông/Bà cho biết mức độ mong muốn của Ông/Bà đối với chính quyền địa phương trong việc cải thiện chất lượng phục vụ người dân trên các nội dung trong bảng dưới đây?",
    "How much would you like the local government to improve its service to citizens in each of the following?",
)
Q10_EXPECTATIONS: Final[list[Wording]] = [
    (
        "Nâng cao tính công khai, minh bạch trong cung cấp thông tin cho người dân",
        "More openness and transparency in providing information to citizens",
    ),
    (
        "Tăng cường trách nhiệm giải trình của chính quyền đối với người dân",
        "Stronger accountability of the local government to citizens",
    ),
    (
        "Mở rộng các cơ hội tham gia giám sát của người dân đối với hoạt động của chính quyền",
        "More opportunities for citizens to take part in overseeing the local government's work",
    ),
    (
        "Nâng cao hiệu lực, hiệu quả hoạt động của chính quyền địa phương",
        "More effective and efficient work of the local government",
    ),
    (
        "Tăng cường cơ sở vật chất, trang thiết bị phục vụ giải quyết công việc cho người dân",
        "Better premises and equipment for dealing with citizens' business",
    ),
    (
        "Nâng cao năng lực của cán bộ, công chức, viên chức trong giải quyết công việc cho người dân",
        "More capable officials, civil servants and public employees in dealing with citizens' business",
    ),
    (
        "Nâng cao tinh thần, thái độ phục vụ của cán bộ, công chức, viên chức đối với người dân trong giải quyết công việc cho người dân",
        "A better spirit and attitude of service towards citizens among officials, civil servants and public employees when dealing with citizens' business",
    ),
    (
        "Tăng cường ứng dụng công nghệ thông tin, chuyển đổi số trong giải quyết công việc cho người dân",
        "More use of information technology and digital transformation in dealing with citizens' business",
    ),
    (
        "Nâng cao chất lượng cung ứng dịch vụ công trực tuyến để tạo điều kiện thuận lợi, dễ dàng cho người dân trong thực hiện dịch vụ công trực tuyến",
        "Better online public services, so that citizens can use them conveniently and easily",
    ),
    (
        "Nâng cao chất lượng tiếp nhận, giải quyết ý kiến góp ý, phản ánh, kiến nghị của người dân",
        "Better receiving and handling of citizens' comments, feedback and petitions",
    ),
]
EXPECTATION_SCALE: Final[Wording] = ("Mức độ mong muốn", "How much wanted")
EXPECTATION_POINTS: Final[list[Wording]] = [
    ("Không mong muốn", "Not wanted"),
    ("Khá mong muốn", "Somewhat wanted"),
    ("Mong muốn", "Wanted"),
    ("Rất mong muốn", "Strongly wanted"),
]
COMMENT: Final[Wording] = ("Ý kiến khác (xin Ông/Bà ghi cụ thể)", "Other comments (please write them down)")
# the screen of the closing comment (the form prints no heading there)
COMMENT_SECTION: Final[Wording] = ("Ý kiến khác", "Other comments")
