"""Answer validation: every error code, display logic, exact types, speed, and a property test."""

from __future__ import annotations

import time
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey_engine.questionnaire import (
    DONT_KNOW,
    DONT_KNOW_OPTION,
    Item,
    Questionnaire,
    get_template,
    load_definition,
    normalise_form,
    prune_hidden,
    validate_answers,
    visible_items,
)

SAT5 = {
    "labels": {"vi": "Hài lòng"},
    "top_box": [4, 5],
    "points": [{"value": v, "labels": {"vi": f"Mức {v}"}} for v in range(1, 6)],
}


def _q(items: list[dict[str, Any]], sections: list[dict[str, Any]] | None = None) -> Questionnaire:
    doc = {
        "id": "t",
        "version": "1",
        "instrument": "sipas-gen2",
        "title": {"vi": "Thử"},
        "scales": {"sat5": SAT5},
        "sections": sections or [{"code": "S1", "title": {"vi": "Một"}}],
        "items": [{"section": "S1", "labels": {"vi": it["code"]}, **it} for it in items],
    }
    return load_definition(msgspec.json.encode(doc))


Q = _q(
    [
        {"code": "USED", "type": "yesno", "required": True},
        {
            "code": "SAT",
            "type": "likert5",
            "scale": "sat5",
            "required": True,
            "allow_dont_know": True,
            "show_if": {"op": "equals", "item": "USED", "value": True},
        },
        {"code": "SAT_NODK", "type": "likert5", "scale": "sat5"},
        {
            "code": "CHOICE",
            "type": "single",
            "allow_dont_know": True,
            "options": [{"code": "A", "labels": {"vi": "A"}}, {"code": "B", "labels": {"vi": "B"}}],
        },
        {"code": "CHOICE_NODK", "type": "single", "options": [{"code": "A", "labels": {"vi": "A"}}]},
        {
            "code": "MANY",
            "type": "multi",
            "options": [{"code": "X", "labels": {"vi": "X"}}, {"code": "Y", "labels": {"vi": "Y"}}],
        },
        {
            "code": "WHY_Y",
            "type": "text",
            "max_length": 5,
            "required": True,
            "show_if": {"op": "contains", "item": "MANY", "value": "Y"},
        },
        {"code": "NUM", "type": "number", "min": 0, "max": 10},
        {"code": "INT", "type": "number", "integer": True},
        {"code": "NOTE", "type": "text"},
    ]
)


def codes(answers: dict[str, object], q: Questionnaire = Q) -> list[tuple[str, str]]:
    return [(e.item, e.code) for e in validate_answers(q, answers)]


def test_valid_minimal() -> None:
    assert codes({"USED": False}) == []
    assert codes({"USED": True, "SAT": 5}) == []


def test_required_only_when_shown() -> None:
    assert codes({}) == [("USED", "required")]  # SAT hidden: not required
    assert codes({"USED": True}) == [("SAT", "required")]
    assert codes({"USED": True, "SAT": None}) == [("SAT", "required")]  # null = not answered


def test_hidden_answer_rejected() -> None:
    assert codes({"USED": False, "SAT": 4}) == [("SAT", "not_shown")]
    # a null for a hidden item is not an answer, so it is fine
    assert codes({"USED": False, "SAT": None}) == []


def test_invalid_answer_does_not_reveal_items() -> None:
    # "true" as a string is not a yes; SAT stays hidden and its answer is rejected too
    assert codes({"USED": "true", "SAT": 4}) == [("USED", "type"), ("SAT", "not_shown")]


def test_unknown_item() -> None:
    errs = validate_answers(Q, {"USED": False, "NOPE": 1})
    assert [(e.item, e.code) for e in errs] == [("NOPE", "unknown_item")]
    assert errs[0].message.vi and errs[0].message.en


@pytest.mark.parametrize("value", [True, False, 4.0, "4", [4]])
def test_scale_type_exact(value: object) -> None:
    assert codes({"USED": True, "SAT": value}) == [("SAT", "type")]


@pytest.mark.parametrize("value", [6, -1, 10])
def test_scale_range(value: int) -> None:
    assert codes({"USED": True, "SAT": value}) == [("SAT", "range")]


def test_dont_know_only_where_allowed() -> None:
    assert codes({"USED": True, "SAT": DONT_KNOW}) == []
    assert codes({"USED": False, "SAT_NODK": DONT_KNOW}) == [("SAT_NODK", "range")]
    assert codes({"USED": False, "CHOICE": DONT_KNOW_OPTION}) == []
    assert codes({"USED": False, "CHOICE_NODK": DONT_KNOW_OPTION}) == [("CHOICE_NODK", "unknown_option")]


def test_single() -> None:
    assert codes({"USED": False, "CHOICE": "A"}) == []
    assert codes({"USED": False, "CHOICE": "C"}) == [("CHOICE", "unknown_option")]
    assert codes({"USED": False, "CHOICE": 1}) == [("CHOICE", "type")]


def test_multi() -> None:
    assert codes({"USED": False, "MANY": ["X"]}) == []
    assert codes({"USED": False, "MANY": []}) == []  # empty selection = not answered
    assert codes({"USED": False, "MANY": "X"}) == [("MANY", "type")]
    assert codes({"USED": False, "MANY": ["X", 1]}) == [("MANY", "type")]
    assert codes({"USED": False, "MANY": ["Z"]}) == [("MANY", "unknown_option")]
    assert codes({"USED": False, "MANY": ["X", "X"]}) == [("MANY", "duplicate_option")]


def test_contains_condition_and_text_limit() -> None:
    assert codes({"USED": False, "MANY": ["X"], "WHY_Y": "a"}) == [("WHY_Y", "not_shown")]
    assert codes({"USED": False, "MANY": ["Y"]}) == [("WHY_Y", "required")]
    assert codes({"USED": False, "MANY": ["Y"], "WHY_Y": "   "}) == [("WHY_Y", "required")]
    assert codes({"USED": False, "MANY": ["Y"], "WHY_Y": "năm ký"}) == [("WHY_Y", "too_long")]
    assert codes({"USED": False, "MANY": ["Y"], "WHY_Y": "ổn"}) == []


def test_text_default_limit_counts_characters() -> None:
    assert codes({"USED": False, "NOTE": "ệ" * 2000}) == []  # 6000 bytes, 2000 characters
    assert codes({"USED": False, "NOTE": "a" * 2001}) == [("NOTE", "too_long")]
    assert codes({"USED": False, "NOTE": 5}) == [("NOTE", "type")]


@pytest.mark.parametrize(
    "bad",
    [
        "\x00",
        "a\x00b",
        "\x01",
        "\x08",
        "\x0b",
        "\x0c",
        "\x1b",
        "\x1f",
        "\x7f",
        "\x85",
        "\x9f",
        "\ud800",
        "\ufffe",
    ],
)
def test_control_characters_in_text_are_refused(bad: str) -> None:
    # One of these in a stored answer broke the XLSX export (openpyxl IllegalCharacterError).
    assert codes({"USED": False, "NOTE": f"Chờ lâu{bad}quá"}) == [("NOTE", "control_character")]
    message = validate_answers(Q, {"USED": False, "NOTE": bad + "x"})[0].message
    assert message.en == "The text contains a control character that is not allowed."


def test_typed_text_keeps_tabs_newlines_and_format_characters() -> None:
    # Tab, line breaks (a textarea sends CR LF), line/paragraph separators, emoji joined by ZWJ and
    # bidirectional marks are text a person may type or paste.
    for text in ("Dòng 1\r\nDòng 2\tcột", "a\u2028b\u2029c", "👨\u200d👩\u200d👧", "\u200fשלום\u200e"):
        assert codes({"USED": False, "NOTE": text}) == [], repr(text)


def test_number() -> None:
    assert codes({"USED": False, "NUM": 2.5, "INT": -3}) == []
    assert codes({"USED": False, "NUM": 11}) == [("NUM", "range")]
    assert codes({"USED": False, "NUM": True}) == [("NUM", "type")]
    assert codes({"USED": False, "NUM": float("nan")}) == [("NUM", "type")]
    assert codes({"USED": False, "INT": 1.5}) == [("INT", "type")]


def test_yesno_rejects_ints() -> None:
    assert codes({"USED": 1}) == [("USED", "type")]


def test_answers_must_be_a_mapping() -> None:
    with pytest.raises(TypeError):
        validate_answers(Q, [("USED", True)])  # type: ignore[arg-type]


def test_section_condition() -> None:
    q = _q(
        [
            {"code": "GATE", "type": "yesno", "section": "S1"},
            {"code": "IN2", "type": "yesno", "section": "S2", "required": True},
        ],
        sections=[
            {"code": "S1", "title": {"vi": "1"}},
            {
                "code": "S2",
                "title": {"vi": "2"},
                "show_if": {"op": "not", "cond": {"op": "equals", "item": "GATE", "value": False}},
            },
        ],
    )
    assert codes({}, q) == [("IN2", "required")]  # GATE unanswered: not (absent == False) is true
    assert codes({"GATE": False}, q) == []
    assert codes({"GATE": False, "IN2": True}, q) == [("IN2", "not_shown")]


def test_in_all_any_answered() -> None:
    q = _q(
        [
            {"code": "A", "type": "single", "options": [{"code": c, "labels": {"vi": c}} for c in "xyz"]},
            {"code": "B", "type": "likert5", "scale": "sat5"},
            {
                "code": "C",
                "type": "text",
                "show_if": {
                    "op": "all",
                    "conds": [
                        {"op": "in", "item": "A", "values": ["x", "y"]},
                        {
                            "op": "any",
                            "conds": [
                                {"op": "answered", "item": "B"},
                                {"op": "equals", "item": "A", "value": "x"},
                            ],
                        },
                    ],
                },
            },
        ]
    )
    assert "C" in visible_items(q, {"A": "x"})
    assert "C" not in visible_items(q, {"A": "y"})
    assert "C" in visible_items(q, {"A": "y", "B": 3})
    assert "C" not in visible_items(q, {"A": "z", "B": 3})


def test_prune_hidden_and_normalise_form() -> None:
    assert prune_hidden(Q, {"USED": False, "SAT": 4, "ZZZ": 1}) == {"USED": False, "ZZZ": 1}
    form = {
        "USED": "có",
        "SAT": "4",
        "MANY": ["X", "Y"],
        "WHY_Y": "  ",
        "NUM": "2,5",
        "csrf": "t",
        "CHOICE": ["B", "A"],
    }
    assert normalise_form(Q, form) == {"USED": True, "SAT": 4, "MANY": ["X", "Y"], "NUM": 2.5, "CHOICE": "A"}
    assert normalise_form(Q, {"SAT": "bốn", "csrf": "t"}, drop_unknown=False) == {"SAT": "bốn", "csrf": "t"}
    assert codes(normalise_form(Q, {"USED": "no"})) == []


def test_errors_serialise_for_problem_details() -> None:
    errs = validate_answers(Q, {"USED": 3})
    assert msgspec.to_builtins(errs) == [
        {
            "item": "USED",
            "code": "type",
            "message": {
                "vi": "Giá trị phải là có (true) hoặc không (false).",
                "en": "Value must be true or false.",
            },
        }
    ]


def test_sipas_2023_validation_is_fast() -> None:
    q = get_template("sipas-2023")
    answers: dict[str, object] = {it.code: _valid_value(it) for it in q.items}
    answers = {k: answers[k] for k in visible_items(q, answers)}
    assert len(answers) >= 60
    assert validate_answers(q, answers) == []
    n = 200
    t0 = time.perf_counter()
    for _ in range(n):
        validate_answers(q, answers)
    per_call = (time.perf_counter() - t0) / n
    assert per_call < 1e-3, f"{per_call * 1e6:.0f} µs per validation"


def _valid_value(it: Item) -> object:
    if it.type in ("likert5", "likert4", "rating3"):
        return 2
    if it.type == "single":
        return it.options[0].code  # type: ignore[index]
    if it.type == "multi":
        return [o.code for o in it.options or ()]
    if it.type == "yesno":
        return True
    return "ok" if it.type == "text" else 1


# --- property test: answers generated from the definition always validate clean ------------


def _value_strategy(q: Questionnaire, it: Item) -> st.SearchStrategy[object]:
    if it.type in ("likert5", "likert4", "rating3"):
        values = [p.value for p in q.scales[it.scale or ""].points]
        values += [DONT_KNOW] if it.allow_dont_know else []
        return st.sampled_from(values)
    if it.type == "single":
        opts = [o.code for o in it.options or ()] + ([DONT_KNOW_OPTION] if it.allow_dont_know else [])
        return st.sampled_from(opts)
    if it.type == "multi":
        return st.lists(st.sampled_from([o.code for o in it.options or ()]), min_size=1, unique=True)
    if it.type == "yesno":
        return st.booleans()
    if it.type == "text":
        # Any text a person can type: control characters (but tab, LF, CR), surrogates and the
        # noncharacters U+FFFE/U+FFFF are refused (code control_character).
        typed = st.characters(
            exclude_categories=("Cc", "Cs"), include_characters="\t\n\r", exclude_characters="\ufffe\uffff"
        )
        return st.text(typed, min_size=1, max_size=it.max_length or 50).filter(lambda s: bool(s.strip()))
    lo = it.min if it.min is not None else -1e6
    hi = it.max if it.max is not None else 1e6
    return st.integers(int(lo), int(hi)) if it.integer else st.floats(lo, hi)


@st.composite
def valid_answers(draw: st.DrawFn, tid: str) -> tuple[Questionnaire, dict[str, object]]:
    q = get_template(tid) if tid != "test" else Q
    answers: dict[str, object] = {}
    # walk in order so that display conditions see earlier answers, as a respondent would
    for it in q.items:
        if it.code not in visible_items(q, answers):
            continue
        if it.required or draw(st.booleans()):
            answers[it.code] = draw(_value_strategy(q, it))
    return q, answers


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(["test", "sipas-2017", "sipas-2023", "sipas-2025", "counter-3", "decree61-9"]).flatmap(
        valid_answers
    )
)
def test_generated_valid_answers_validate_clean(case: tuple[Questionnaire, dict[str, object]]) -> None:
    q, answers = case
    assert validate_answers(q, answers) == []
    assert set(answers) <= set(visible_items(q, answers))


def test_range_messages_name_the_bounds() -> None:
    (err,) = validate_answers(Q, {"USED": False, "NUM": -1})
    assert err.message.en == "Value must be 0 to 10." and err.message.vi == "Giá trị phải từ 0 đến 10."
    (err,) = validate_answers(Q, {"USED": True, "SAT": 9})
    assert err.message.en == "Value must be 1 to 5 or 0 (don't know)."
