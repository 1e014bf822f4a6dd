"""The sipas-2025 template: the ministry's published wording, sipas-2023's codes and index map."""

from __future__ import annotations

import random

import numpy as np

from sampling import Design, estimate_indices
from survey_engine.answer_codes import criteria_layout
from survey_engine.questionnaire import (
    DONT_KNOW,
    DefinitionError,
    get_template,
    index_structure,
    load_definition,
    validate_answers,
    visible_items,
)
from survey_engine.questionnaire.template_sources import TEMPLATE_DIR
from survey_engine.simulate import simulate_answers

NEW, OLD = "sipas-2025", "sipas-2023"
GROUPS = {"I_A": 2, "I_B": 2, "I_C": 9, "I_D": 10, "II_A": 3, "II_B": 4, "II_C": 3, "II_D": 3, "II_E": 3}


def test_loads_through_the_checked_path_and_names_its_source() -> None:
    q = load_definition((TEMPLATE_DIR / f"{NEW}.json").read_bytes())  # the administrator's upload path
    assert q == get_template(NEW)
    assert (q.id, q.version, q.instrument) == (NEW, "2025.1", "sipas-gen2")
    assert q.description is not None
    for text in (q.description.vi, q.description.en):
        assert "HoangLan01/form_test3" in text and "src/utils/surveyMapper.js" in text
        assert "1001/QĐ-BNV" in text


def test_39_criteria_and_10_expectations_in_the_published_counts() -> None:
    q = get_template(NEW)
    s = index_structure(q)
    assert {e["code"]: len(e["criteria"]) for e in s["elements"]} == GROUPS
    assert {p["code"]: len(p["criteria"]) for p in s["parts"]} == {"I": 23, "II": 16}
    assert len(s["overall"]["criteria"]) == 39
    count = {
        p: len([it for it in q.items if it.code.startswith(p)]) for p in ("Q1_", "Q3_", "Q7_", "Q8_", "Q10_")
    }
    assert count == {"Q1_": 9, "Q3_": 7, "Q7_": 3, "Q8_": 7, "Q10_": 10}
    options = {code: [o.code for o in q.item(code).options or ()] for code in ("A4", "A5", "Q2", "Q4")}
    assert options["A4"] == ["PRIMARY", "LOWER_SEC", "UPPER_SEC", "VOCATIONAL", "TERTIARY", "OTHER"]
    assert options["A5"] == [
        "RETIRED",
        "AT_HOME",
        "FREELANCE",
        "STUDENT",
        "PRIVATE_SECTOR",
        "PUBLIC_SECTOR",
        "OTHER",
    ]
    assert len(options["Q2"]) == 7 and len(options["Q4"]) == 4
    assert [len(q.scales[k].points) for k in ("harassment3", "payment3")] == [3, 3]


def test_wording_is_the_published_text() -> None:
    # spot checks, character for character, against the ward's form (index.html at d07d7e7)
    q = get_template(NEW)
    assert [o.labels.vi for o in q.item("A4").options or ()] == [
        "Tiểu học (cấp I)",
        "THCS (cấp II)",
        "THPT (cấp III)",
        "Dạy nghề TC/CĐ",
        "Đại học/ trên ĐH",
        "Khác",
    ]
    assert [o.labels.vi for o in q.item("A5").options or ()] == [
        "Nghỉ hưu",
        "Không đi làm (ở nhà)",
        "Làm công việc tự do (không ký HĐLĐ)",
        "Sinh viên",
        "Làm việc tại tổ chức, DN trong lĩnh vực tư",
        "Làm việc tại cơ quan, tổ chức, DN trong lĩnh vực công",
        "Khác",
    ]
    assert q.item("Q1_1").labels.vi == "Chính sách phát triển kinh tế ở địa phương"
    assert q.item("Q1_9").labels.vi == "Chính sách cải cách hành chính ở địa phương"
    assert (
        q.item("Q9_I_C_1").labels.vi
        == "Chính quyền tổ chức thực hiện tốt chính sách phát triển kinh tế ở địa phương"
    )
    help_text = q.item("Q9_I_C_1").help
    assert help_text is not None
    assert help_text.vi == "(Các quy định, các hoạt động thu hút đầu tư, kinh doanh, việc làm, tín dụng...)"
    assert (
        q.item("Q9_II_D_3").labels.vi
        == "Kết quả giải quyết thủ tục hành chính cho người dân đảm bảo tính công bằng"
    )
    assert (
        q.item("Q10_1").labels.vi
        == "Nâng cao tính công khai, minh bạch trong cung cấp thông tin cho người dân"
    )
    assert q.item("Q10_10").labels.vi == (
        "Nâng cao chất lượng tiếp nhận, giải quyết ý kiến góp ý, phản ánh, kiến nghị của người dân"
    )
    assert [p.labels.vi for p in q.scales["interest4"].points] == [
        "Không quan tâm theo dõi",
        "Khá quan tâm theo dõi",
        "Quan tâm theo dõi",
        "Rất quan tâm theo dõi",
    ]
    assert q.scales["payment3"].points[0].labels.vi == (
        "Không có người dân nào phải đưa tiền ngoài quy định cho công chức"
    )
    assert "“tiền bôi trơn”, tiền “đút lót”" in q.item("Q6").labels.vi


def test_labels_follow_the_transcription_rules() -> None:
    # numbering and final full stops dropped, bracketed explanations kept whole as help, English present
    q = get_template(NEW)
    for it in q.items:
        assert it.labels.en and not it.labels.vi[0].isdigit(), it.code
        assert not it.labels.vi.endswith((".", ":")), it.code
        if it.help is not None:
            assert it.help.vi.startswith("(") and it.help.vi.endswith(")") and it.help.en, it.code
    for opts in (it.options for it in q.items if it.options):
        assert all(o.labels.en and not o.labels.vi.endswith(".") for o in opts)


def test_codes_are_sipas_2023_codes_for_the_shared_items() -> None:
    new, old = get_template(NEW), get_template(OLD)
    new_codes, old_codes = [it.code for it in new.items], [it.code for it in old.items]
    # sipas-2023 asked Q3 of 8 invented channels; the form has 7 ways. The form's "if other, specify"
    # boxes are new items.
    assert set(old_codes) - set(new_codes) == {"Q3_8"}
    assert set(new_codes) - set(old_codes) == {"A2_OTHER", "A4_OTHER", "A5_OTHER", "Q2_OTHER"}
    for code in set(new_codes) & set(old_codes):
        a, b = old.item(code), new.item(code)
        assert (a.type, a.scale, a.element, a.ref, a.allow_dont_know) == (
            b.type,
            b.scale,
            b.element,
            b.ref,
            b.allow_dont_know,
        ), code
    # the shared items keep sipas-2023's order, so exports line up column by column
    assert [c for c in new_codes if c in old_codes] == [c for c in old_codes if c in new_codes]
    # answer codes that mean the same keep their code
    assert [o.code for o in new.item("A3").options or ()] == [o.code for o in old.item("A3").options or ()]
    assert [o.code for o in new.item("A1").options or ()] == ["MALE", "FEMALE"]


def test_index_map_is_sipas_2023_s() -> None:
    # the estimates path reads criteria_layout: same criteria, groups, parts, rule, top box and
    # don't-know code as sipas-2023, so every wave of either is scored the same way
    new, old = criteria_layout(get_template(NEW)), criteria_layout(get_template(OLD))
    assert new.criteria == old.criteria
    assert (new.rule, new.elements, new.parts) == (old.rule, old.elements, old.parts)
    assert new.labels["I_A"]["vi"] == "Trách nhiệm giải trình của chính quyền về chính sách"
    assert new.labels["Q9_I_A_1"] != old.labels["Q9_I_A_1"]


def test_indices_estimate_on_simulated_responses() -> None:
    q = get_template(NEW)
    rng = random.Random(5)
    rows = [simulate_answers(q, rng) for _ in range(300)]
    assert all(validate_answers(q, r) == [] for r in rows)
    s = index_structure(q)
    criteria = {
        c["code"]: np.array([float(r[c["code"]]) if c["code"] in r else np.nan for r in rows])
        for c in s["criteria"]
    }
    groups = {e["code"]: e["criteria"] for e in (*s["elements"], *s["parts"])}
    design = Design(weights=np.ones(len(rows)), psu=np.arange(len(rows)))
    result = estimate_indices(design, criteria, groups, dont_know=(DONT_KNOW,))
    by_code = {e.variable: e for e in (*result.criteria.estimates, *result.groups.estimates)}
    assert set(by_code) == set(criteria) | set(groups) | {"SIPAS"}
    for e in by_code.values():
        assert 0 < e.estimate < 100 and e.se > 0  # percentages
    # Part II was answered only by those who dealt with a procedure (Q8.3 or Q8.4)
    users = sum(1 for r in rows if r["Q8_3"] or r["Q8_4"])
    assert by_code["Q9_II_A_1"].n <= users < len(rows)


def test_part_ii_follows_q8_rows_3_and_4() -> None:
    q = get_template(NEW)
    none = {f"Q8_{k}": False for k in range(1, 8)}
    assert not [c for c in visible_items(q, {**none, "Q8_1": True, "Q8_5": True}) if c.startswith("Q9_II_")]
    for used in ("Q8_3", "Q8_4"):
        shown = visible_items(q, {**none, used: True})
        assert len([c for c in shown if c.startswith("Q9_II_")]) == 16
    # Q3 is asked of everyone (as printed), whatever channels Q2 named
    assert len([c for c in visible_items(q, {"Q2": ["MEDIA"]}) if c.startswith("Q3_")]) == 7


def test_other_boxes_show_only_with_their_other_answer() -> None:
    q = get_template(NEW)
    assert "A4_OTHER" not in visible_items(q, {"A4": "TERTIARY"})
    assert "A4_OTHER" in visible_items(q, {"A4": "OTHER"})
    assert "Q2_OTHER" in visible_items(q, {"Q2": ["MEDIA", "OTHER"]})
    errors = validate_answers(q, {"A5": "RETIRED", "A5_OTHER": "thợ may"})
    assert "not_shown" in {e.code for e in errors if e.item == "A5_OTHER"}


def test_a_changed_copy_is_checked_like_any_upload() -> None:
    # an agency adapting the place words edits a copy; a broken edit is refused with its path
    data = (TEMPLATE_DIR / f"{NEW}.json").read_text(encoding="utf-8")
    broken = data.replace('"element": "II_E"', '"element": "II_F"', 1)
    try:
        load_definition(broken)
    except DefinitionError as exc:
        assert any(p.message == "unknown index group 'II_F'" for p in exc.problems)
    else:  # pragma: no cover - the assertion below explains the failure
        raise AssertionError("an unknown index group was accepted")
