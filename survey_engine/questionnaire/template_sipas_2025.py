"""The `sipas-2025` template: the second-generation questionnaire in the ministry's published wording.

Template data (see :mod:`survey_engine.questionnaire.template_sources`, which builds the JSON files).
"""

from __future__ import annotations

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
    Section,
)
from survey_engine.questionnaire.template_common import T, scale

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
            "satisfaction5": scale(*W25.SATISFACTION_SCALE, W25.SATISFACTION_POINTS, [4, 5]),
            "interest4": scale(*W25.INTEREST_SCALE, W25.INTEREST_POINTS, [3, 4]),
            "suitability4": scale(*W25.SUITABILITY_SCALE, W25.SUITABILITY_POINTS, [3, 4]),
            "expectation4": scale(*W25.EXPECTATION_SCALE, W25.EXPECTATION_POINTS, [3, 4]),
            "harassment3": scale(*W25.HARASSMENT_SCALE, W25.HARASSMENT_POINTS, []),
            "payment3": scale(*W25.PAYMENT_SCALE, W25.PAYMENT_POINTS, []),
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
