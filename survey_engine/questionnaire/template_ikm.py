"""The `ikm-9` example template: Indonesia's community satisfaction index (IKM, PermenPANRB 14/2017).

It shows that a national rule other than the SIPAS share is data, not code: nine elements (unsur) of one
4-point item each, weight 1/9 each, index = Σ weight × element mean × 25 (25–100), graded A–D. Template
data (see :mod:`survey_engine.questionnaire.template_sources`, which builds the JSON files).
"""

from __future__ import annotations

from survey_engine.questionnaire.definition import (
    IndexBand,
    IndexGroup,
    IndexSpec,
    Item,
    Questionnaire,
    Scale,
    ScalePoint,
    Section,
)
from survey_engine.questionnaire.template_common import COMMENT_LABEL, T

#: The nine elements of PermenPANRB 14/2017 (Indonesian name, Vietnamese, English).
ELEMENTS: list[tuple[str, str, str]] = [
    ("Persyaratan", "Yêu cầu về hồ sơ, giấy tờ", "Requirements"),
    ("Sistem, mekanisme, dan prosedur", "Hệ thống, cơ chế và quy trình", "System, mechanism and procedure"),
    ("Waktu penyelesaian", "Thời gian giải quyết", "Completion time"),
    ("Biaya/tarif", "Chi phí / lệ phí", "Cost / fee"),
    ("Produk spesifikasi jenis pelayanan", "Kết quả dịch vụ đúng quy định", "Service product as specified"),
    ("Kompetensi pelaksana", "Năng lực của người thực hiện", "Competence of the staff"),
    ("Perilaku pelaksana", "Thái độ, hành vi của người thực hiện", "Behaviour of the staff"),
    (
        "Penanganan pengaduan, saran dan masukan",
        "Xử lý khiếu nại, góp ý và kiến nghị",
        "Handling of complaints, suggestions and feedback",
    ),
    ("Sarana dan prasarana", "Cơ sở vật chất, trang thiết bị", "Facilities and infrastructure"),
]

IKM4 = Scale(
    labels=T("Mức độ phù hợp (4 mức)", "Suitability (4 levels)"),
    points=[
        ScalePoint(value=1, labels=T("Không phù hợp", "Not suitable")),
        ScalePoint(value=2, labels=T("Ít phù hợp", "Less suitable")),
        ScalePoint(value=3, labels=T("Phù hợp", "Suitable")),
        ScalePoint(value=4, labels=T("Rất phù hợp", "Very suitable")),
    ],
)

#: Conversion interval values (nilai interval konversi) of PermenPANRB 14/2017, annex: D 25.00–64.99,
#: C 65.00–76.60, B 76.61–88.30, A 88.31–100.00.
BANDS = [
    IndexBand(code="D", labels=T("D — Không tốt (Tidak baik)", "D — Poor (Tidak baik)"), min=25.0),
    IndexBand(code="C", labels=T("C — Kém (Kurang baik)", "C — Fair (Kurang baik)"), min=65.0),
    IndexBand(code="B", labels=T("B — Tốt (Baik)", "B — Good (Baik)"), min=76.61),
    IndexBand(code="A", labels=T("A — Rất tốt (Sangat baik)", "A — Very good (Sangat baik)"), min=88.31),
]


def ikm_9() -> Questionnaire:
    items = [
        Item(
            code=f"Q{k}",
            ref=f"U{k}",
            type="likert4",
            scale="ikm4",
            section="S_IKM",
            labels=T(
                f"Ông/Bà đánh giá thế nào về: {vi.lower()}?", f"How do you rate: {en.lower()}? ({indonesian})"
            ),
            required=True,
            element=f"U{k}",
        )
        for k, (indonesian, vi, en) in enumerate(ELEMENTS, start=1)
    ]
    items.append(
        Item(code="COMMENT", ref="10", type="text", section="S_IKM", labels=COMMENT_LABEL, max_length=1000)
    )
    return Questionnaire(
        id="ikm-9",
        version="2017.1",
        instrument="ikm",
        title=T(
            "Ví dụ: chỉ số hài lòng IKM của Indonesia (9 yếu tố, PermenPANRB 14/2017)",
            "Example: Indonesia's IKM satisfaction index (9 elements, PermenPANRB 14/2017)",
        ),
        description=T(
            "Mẫu ví dụ cho thấy một quy tắc chỉ số quốc gia khác là dữ liệu, không phải mã: 9 yếu tố, mỗi "
            "yếu tố một câu 4 mức, trọng số 1/9, chỉ số = tổng (trọng số × điểm trung bình yếu tố) × 25, "
            "xếp loại A–D theo Quy định PermenPANRB số 14/2017. Câu chữ được dịch, không phải văn bản "
            "chính thức; nhãn 4 mức dùng chung cho mọi yếu tố.",
            "An example showing that another national index rule is data, not code: 9 elements of one "
            "4-point item each, weight 1/9, index = sum of (weight × element mean) × 25, graded A–D as in "
            "Regulation PermenPANRB 14/2017. Wording is translated, not the official text; the four "
            "levels use one label set for every element.",
        ),
        scales={"ikm4": IKM4},
        sections=[Section(code="S_IKM", title=T("Đánh giá", "Rating"))],
        items=items,
        index=IndexSpec(
            rule="weighted_mean",
            groups=[IndexGroup(code=f"U{k}", labels=T(vi, en)) for k, (_, vi, en) in enumerate(ELEMENTS, 1)],
            weights={f"U{k}": 1 / 9 for k in range(1, 10)},
            multiplier=25.0,
            bands=BANDS,
            source=T(
                "Peraturan Menteri PANRB số 14 năm 2017 (Indonesia), phụ lục: 9 yếu tố, trọng số 1/9, "
                "hệ số 25, khoảng quy đổi A 88,31–100; B 76,61–88,30; C 65,00–76,60; D 25,00–64,99.",
                "Regulation of the Minister PANRB No. 14 of 2017 (Indonesia), annex: 9 elements, weight "
                "1/9, multiplier 25, conversion intervals A 88.31–100; B 76.61–88.30; C 65.00–76.60; "
                "D 25.00–64.99.",
            ),
        ),
    )
