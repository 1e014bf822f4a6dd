"""Shared pieces of the built-in templates: label pairs, answer scales, demographic answer lists.

Template data (see :mod:`survey_engine.questionnaire.template_sources`, which builds the JSON files).
"""

from __future__ import annotations

from survey_engine.questionnaire.definition import (
    Option,
    Scale,
    ScalePoint,
    Text,
)


def T(vi: str, en: str) -> Text:
    return Text(vi=vi, en=en)


def scale(vi: str, en: str, points: list[tuple[str, str]], top_box: list[int]) -> Scale:
    return Scale(
        labels=T(vi, en),
        points=[ScalePoint(value=i, labels=T(pv, pe)) for i, (pv, pe) in enumerate(points, start=1)],
        top_box=top_box,
    )


SATISFACTION5 = scale(
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
INTEREST4 = scale(
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
SUITABILITY4 = scale(
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
EXPECTATION4 = scale(
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
HARASSMENT3 = scale(
    "Nhận định về việc gây phiền hà, sách nhiễu",
    "Perceived harassment",
    [
        ("Không có công chức nào gây phiền hà, sách nhiễu", "No civil servant causes trouble or harassment"),
        ("Có một số công chức gây phiền hà, sách nhiễu", "Some civil servants cause trouble or harassment"),
        ("Có nhiều công chức gây phiền hà, sách nhiễu", "Many civil servants cause trouble or harassment"),
    ],
    [],
)
PAYMENT3 = scale(
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
COUNTER3 = scale(
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
