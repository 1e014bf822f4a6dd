"""Built-in templates: round trip, structure counts, display logic, index map."""

from __future__ import annotations

import json

import pytest

from survey_engine.answer_codes import criteria_layout
from survey_engine.questionnaire import (
    DONT_KNOW,
    dump_definition,
    dump_definition_pretty,
    get_template,
    index_structure,
    list_templates,
    load_definition,
    validate_answers,
    visible_items,
    visible_sections,
)
from survey_engine.questionnaire.template_sources import TEMPLATE_DIR, render_all

TEMPLATES = ["counter-3", "decree61-9", "ikm-9", "sipas-2017", "sipas-2023", "sipas-2025"]


def test_list_templates() -> None:
    assert list_templates() == TEMPLATES


@pytest.mark.parametrize("tid", TEMPLATES)
def test_round_trip(tid: str) -> None:
    q = get_template(tid)
    assert q.id == tid
    assert load_definition(dump_definition(q)) == q
    assert load_definition(dump_definition_pretty(q).decode()) == q  # str input too


def test_files_match_generator() -> None:
    # the JSON files are generated; a hand edit that is not mirrored in the source is caught here
    for tid, data in render_all().items():
        assert (TEMPLATE_DIR / f"{tid}.json").read_bytes() == data, f"regenerate {tid}.json"


def test_unknown_template() -> None:
    with pytest.raises(KeyError):
        get_template("../sipas-2023")


@pytest.mark.parametrize("tid", TEMPLATES)
def test_codes_are_csv_safe_and_unique(tid: str) -> None:
    q = get_template(tid)
    codes = [it.code for it in q.items]
    assert len(codes) == len(set(codes))
    assert all(c.replace("_", "").isalnum() and c.isascii() for c in codes)


def test_sipas_2017_structure() -> None:
    q = get_template("sipas-2017")
    s = index_structure(q)
    assert q.instrument == "sipas-gen1"
    assert [(e["code"], len(e["criteria"])) for e in s["elements"]] == [
        ("E1", 4),
        ("E2", 5),
        ("E3", 6),
        ("E4", 3),
        ("E5", 4),
    ]
    assert len(s["overall"]["criteria"]) == 22
    assert s["elements"][2]["criteria"] == [f"C3_{k}" for k in range(1, 7)]
    assert s["top_values"] == [4, 5]
    assert s["dont_know"] == DONT_KNOW == 0
    for it in q.items:
        if it.element:
            assert it.type == "likert5" and it.allow_dont_know and it.scale == "satisfaction5"
    scale = q.scales["satisfaction5"]
    assert [p.labels.vi for p in scale.points] == [
        "Rất không hài lòng",
        "Không hài lòng",
        "Bình thường",
        "Hài lòng",
        "Rất hài lòng",
    ]


def test_sipas_2023_structure() -> None:
    q = get_template("sipas-2023")
    s = index_structure(q)
    assert q.instrument == "sipas-gen2"
    assert {p["code"]: len(p["criteria"]) for p in s["parts"]} == {"I": 23, "II": 16}
    assert len(s["overall"]["criteria"]) == 39
    assert {e["code"]: len(e["criteria"]) for e in s["elements"]} == {
        "I_A": 2,
        "I_B": 2,
        "I_C": 9,
        "I_D": 10,
        "II_A": 3,
        "II_B": 4,
        "II_C": 3,
        "II_D": 3,
        "II_E": 3,
    }
    assert s["parts"][1]["elements"] == ["II_A", "II_B", "II_C", "II_D", "II_E"]
    assert s["criteria"][-1]["code"] == "Q9_II_E_3" and s["criteria"][-1]["ref"] == "Q9.II.E.3"
    prefixes = ("Q1_", "Q3_", "Q7_", "Q8_", "Q10_")
    by_prefix = {p: [it for it in q.items if it.code.startswith(p)] for p in prefixes}
    assert len(by_prefix["Q1_"]) == 9 and {it.scale for it in by_prefix["Q1_"]} == {"interest4"}
    assert {it.scale for it in by_prefix["Q3_"] + by_prefix["Q7_"]} == {"suitability4"}
    assert len(by_prefix["Q8_"]) == 7 and {it.type for it in by_prefix["Q8_"]} == {"yesno"}
    assert len(by_prefix["Q10_"]) == 10 and {it.scale for it in by_prefix["Q10_"]} == {"expectation4"}
    assert q.item("Q2").type == "multi"
    assert q.item("Q5").type == q.item("Q6").type == "rating3"
    assert q.item("A3").options is not None
    assert [o.code for o in q.item("A3").options] == ["18_24", "25_34", "35_49", "50_60", "60P"]
    assert q.item("COMMENT").type == "text"
    assert q.scales["interest4"].points[0].labels.vi == "Không quan tâm theo dõi"


def _part_ii(q_codes: list[str]) -> list[str]:
    return [c for c in q_codes if c.startswith("Q9_II_")]


def test_sipas_2023_part_ii_hidden_unless_a_service_was_used() -> None:
    q = get_template("sipas-2023")
    none_used = {f"Q8_{k}": False for k in range(1, 8)}
    shown = visible_items(q, none_used)
    assert _part_ii(shown) == []
    assert len([c for c in shown if c.startswith("Q9_I_")]) == 23
    assert not any(s.startswith("S_Q9_II") for s in visible_sections(q, none_used))
    # nothing answered yet: the screen is not "yes", so Part II stays hidden
    assert _part_ii(visible_items(q, {})) == []
    one_used = {**none_used, "Q8_4": True}
    assert len(_part_ii(visible_items(q, one_used))) == 16


def test_sipas_2023_q3_follows_q2_channels() -> None:
    q = get_template("sipas-2023")
    shown = visible_items(q, {"Q2": ["TV_RADIO", "SOCIAL"]})
    assert [c for c in shown if c.startswith("Q3_")] == ["Q3_2", "Q3_5"]


def test_sipas_2023_complete_response_validates() -> None:
    q = get_template("sipas-2023")
    answers: dict[str, object] = {
        "A1": "FEMALE",
        "A2": "KINH",
        "A3": "35_49",
        "A4": "UNIVERSITY",
        "A5": "PUBLIC",
        "Q2": ["PORTAL"],
        "Q3_4": 3,
        "Q4": "READY",
        "Q5": 1,
        "Q6": DONT_KNOW,
        "Q7_1": 4,
        "Q7_2": 2,
        "Q7_3": 3,
        "COMMENT": "Tốt.",
    }
    answers |= {f"Q1_{k}": 3 for k in range(1, 10)}
    answers |= {f"Q8_{k}": k == 1 for k in range(1, 8)}
    answers |= {c: 4 for c in (x["code"] for x in index_structure(q)["criteria"])}
    answers |= {f"Q10_{k}": 4 for k in range(1, 11)}
    assert validate_answers(q, answers) == []
    # the same respondent saying "no service used" must not send Part II
    answers["Q8_1"] = False
    errors = validate_answers(q, answers)
    assert {e.code for e in errors} == {"not_shown"} and len(errors) == 16


def test_counter_3() -> None:
    q = get_template("counter-3")
    s = index_structure(q)
    assert q.instrument == "counter"
    labels = [p.labels.vi for p in q.scales["counter3"].points]
    assert labels == ["Không hài lòng", "Hài lòng", "Rất hài lòng"]
    assert s["overall"]["criteria"] == ["RATING"] and s["top_values"] == [2, 3]
    assert validate_answers(q, {"RATING": 3}) == []
    assert [e.code for e in validate_answers(q, {"COMMENT": "x"})] == ["required"]


def test_decree61_9() -> None:
    q = get_template("decree61-9")
    s = index_structure(q)
    assert q.instrument == "decree61"
    assert s["rule"] == "score_sum" and s["overall"]["aggregation"] == "sum_of_scores"
    assert len(s["criteria"]) == 9
    assert s["overall"]["max_score"] == 18
    for c in s["criteria"]:
        assert c["type"] == "single" and sorted(c["scores"].values()) == [0, 1, 2]
    best = {f"D61_{k}": "S2" for k in range(1, 10)}
    assert validate_answers(q, best) == []
    assert [e.code for e in validate_answers(q, {**best, "D61_1": 2})] == ["type"]  # option code, not score


def test_decree61_answers_have_code_characters_with_their_scores() -> None:
    layout = criteria_layout(get_template("decree61-9"))
    answers = {f"D61_{k}": ("S2", "S1", "S0")[k % 3] for k in range(1, 10)}
    codes = layout.encode({**answers, "D61_9": "DK"})
    assert codes == "23123123."  # option position (S2 first); no don't know on these indicators
    assert all(c.scores == {"1": 2, "2": 1, "3": 0} and (c.low, c.high) == (0, 2) for c in layout.criteria)
    assert layout.encode({}) == "." * 9


def test_ikm_9_is_a_weighted_rule_in_data() -> None:
    q = get_template("ikm-9")
    s = index_structure(q)
    assert q.instrument == "ikm" and s["rule"] == "weighted_mean" and s["multiplier"] == 25
    assert [e["code"] for e in s["elements"]] == [f"U{k}" for k in range(1, 10)]
    assert s["weights"] == {f"U{k}": pytest.approx(1 / 9) for k in range(1, 10)}
    assert [(b["code"], b["min"]) for b in s["bands"]] == [("D", 25), ("C", 65), ("B", 76.61), ("A", 88.31)]
    assert "PermenPANRB" in q.description.en and "14 of 2017" in s["source"]["en"]  # type: ignore[union-attr]
    layout = criteria_layout(q)
    assert all((c.low, c.high) == (1, 4) for c in layout.criteria)


@pytest.mark.parametrize("tid", TEMPLATES)
def test_index_structure_is_json(tid: str) -> None:
    s = index_structure(get_template(tid))
    assert json.loads(json.dumps(s, ensure_ascii=False)) == s
