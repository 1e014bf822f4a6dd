"""The paper layout: numbers, boxes and keys, skip rules written as instructions; keys back to answers;
serial check digits."""

from __future__ import annotations

import itertools

from survey_engine.paper.layout import answers_from_keys, normalise_keys, paper_layout
from survey_engine.paper.serials import damm_digit, display_serial, new_serial, normalise_serial
from survey_engine.questionnaire import get_template, load_definition, validate_answers
from tests.support.paper import ANSWERS, DEFINITION, FILLED


def test_skip_rules_become_plain_instructions_and_go_to_arrows() -> None:
    layout = paper_layout(load_definition(DEFINITION))
    questions = {q.code: q for q in layout.questions()}
    assert [(c.key, c.label, c.goto) for c in questions["Q1"].choices] == [
        ("1", "Có", ""),
        ("2", "Không", "câu 4"),
    ]
    assert (
        questions["Q2"].instruction
        == "Chỉ trả lời câu 2 đến 3 nếu câu 1 là “Có”. Nếu không, chuyển đến câu 4."
    )
    assert questions["Q3"].instruction == ""  # one instruction for the whole run
    assert [c.key for c in questions["Q2"].choices] == ["1", "2", "3", "4", "5", "0"]


def test_sipas_2025_rules_read_as_the_paper_form_says() -> None:
    layout = paper_layout(get_template("sipas-2025"))
    questions = {q.code: q for q in layout.questions()}
    assert questions["Q9_II_A_1"].number == "9.II.A.1"
    assert questions["Q9_II_A_1"].instruction == (
        "Chỉ trả lời câu 9.II.A.1 đến 9.II.E.3 nếu câu 8.3 là “Có” hoặc câu 8.4 là “Có”. "
        "Nếu không, chuyển đến câu 10.1."
    )
    assert [c.goto for c in questions["A2"].choices] == ["câu A.3", ""]  # Kinh skips "if other, say which"
    assert "có đánh dấu “Qua hình thức khác" in questions["Q2_OTHER"].instruction
    assert len(layout.questions()) == len(get_template("sipas-2025").items)


def test_keys_become_the_answers_every_channel_stores() -> None:
    q = load_definition(DEFINITION)
    keys = normalise_keys(q, {**FILLED, "Q4": "3, 1", "Q5": "  Nhân viên nhiệt tình "})
    assert keys["Q4"] == "1 3" and keys["Q5"] == "Nhân viên nhiệt tình"
    answers, problems = answers_from_keys(q, keys)
    assert answers == ANSWERS and problems == [] and validate_answers(q, answers) == []
    assert normalise_keys(q, {"Q1": " ", "Q2": ""}) == {}
    _, problems = answers_from_keys(q, {"Q1": "3", "Q2": "6", "Q3": "0", "Q4": "4", "Q2x": "1"})
    assert [p.item for p in problems] == ["Q1", "Q2", "Q3", "Q4"]  # keys of no box; unknown fields ignored
    dont_know, problems = answers_from_keys(q, {"Q1": "1", "Q2": "0"})
    assert dont_know == {"Q1": True, "Q2": 0} and problems == []


def test_serials_catch_every_single_digit_error_and_neighbour_swap() -> None:
    for _ in range(50):
        serial = new_serial()
        assert len(serial) == 11 and serial[0] != "0" and damm_digit(serial) == 0
        assert normalise_serial(display_serial(serial)) == serial == normalise_serial(f" {serial} ")
        for i, d in itertools.product(range(11), "0123456789"):
            typo = serial[:i] + d + serial[i + 1 :]
            assert typo == serial or normalise_serial(typo) is None
        for i in range(10):
            swapped = serial[:i] + serial[i + 1] + serial[i] + serial[i + 2 :]
            assert swapped == serial or normalise_serial(swapped) is None
    assert normalise_serial("１２３４５６７８９０１") is None and normalise_serial("123") is None
