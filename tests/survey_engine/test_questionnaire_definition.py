"""Bad definitions are rejected with DefinitionError listing every problem and its JSON path."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import msgspec
import pytest

from survey_engine.questionnaire import (
    DefinitionError,
    Questionnaire,
    check_definition,
    dump_definition,
    get_template,
    load_definition,
)


def _base() -> dict[str, Any]:
    return {
        "id": "t",
        "version": "1",
        "instrument": "sipas-gen2",
        "title": {"vi": "Thử", "en": "Test"},
        "scales": {
            "sat5": {
                "labels": {"vi": "Hài lòng"},
                "top_box": [4, 5],
                "points": [{"value": v, "labels": {"vi": str(v)}} for v in range(1, 6)],
            },
            "yes3": {
                "labels": {"vi": "Ba"},
                "points": [{"value": v, "labels": {"vi": str(v)}} for v in range(1, 4)],
            },
        },
        "sections": [{"code": "S1", "title": {"vi": "Một"}}, {"code": "S2", "title": {"vi": "Hai"}}],
        "items": [
            {"code": "GATE", "type": "yesno", "section": "S1", "labels": {"vi": "Có dùng?"}},
            {
                "code": "PICK",
                "type": "single",
                "section": "S1",
                "labels": {"vi": "Chọn"},
                "options": [{"code": "A", "labels": {"vi": "A"}}, {"code": "B", "labels": {"vi": "B"}}],
            },
            {
                "code": "C1",
                "type": "likert5",
                "scale": "sat5",
                "section": "S2",
                "labels": {"vi": "Tiêu chí"},
                "element": "G1",
                "show_if": {"op": "equals", "item": "GATE", "value": True},
            },
        ],
        "index": {
            "rule": "top_box_share",
            "groups": [{"code": "G1", "labels": {"vi": "Nhóm"}, "part": "P1"}],
            "parts": [{"code": "P1", "labels": {"vi": "Phần"}}],
        },
    }


def _load(doc: dict[str, Any]) -> Questionnaire:
    return load_definition(msgspec.json.encode(doc))


def _problems(mutate: Callable[[dict[str, Any]], None]) -> list[tuple[str, str]]:
    doc = copy.deepcopy(_base())
    mutate(doc)
    with pytest.raises(DefinitionError) as info:
        _load(doc)
    assert isinstance(info.value, ValueError)
    return [(p.path, p.message) for p in info.value.problems]


def _paths(mutate: Callable[[dict[str, Any]], None]) -> list[str]:
    return [p for p, _m in _problems(mutate)]


def test_base_is_valid_and_round_trips() -> None:
    q = _load(_base())
    assert load_definition(dump_definition(q)) == q
    assert check_definition(q) == []


def test_unknown_field() -> None:
    problems = _problems(lambda d: d["items"][1].update(colour="red"))
    assert problems[0][0] == "$.items[1]" and "colour" in problems[0][1]


def test_bad_type_and_bad_code() -> None:
    assert _paths(lambda d: d["items"][0].update(type="slider")) == ["$.items[0].type"]
    assert _paths(lambda d: d["items"][0].update(code="Q 1")) == ["$.items[0].code"]
    assert _paths(lambda d: d["items"][0].update(code="Q-1")) == ["$.items[0].code"]


def test_not_json() -> None:
    with pytest.raises(DefinitionError) as info:
        load_definition(b"{not json")
    assert info.value.problems[0].path == "$"


def test_duplicate_item_code() -> None:
    assert _paths(lambda d: d["items"][1].update(code="GATE")) == ["$.items[1].code"]


def test_duplicate_option_and_reserved_dk() -> None:
    assert _paths(lambda d: d["items"][1]["options"][1].update(code="A")) == ["$.items[1].options[1].code"]
    assert _paths(lambda d: d["items"][1]["options"][1].update(code="DK")) == ["$.items[1].options[1].code"]


def test_show_if_later_or_unknown_item() -> None:
    def later(d: dict[str, Any]) -> None:
        d["items"][0]["show_if"] = {"op": "equals", "item": "PICK", "value": "A"}

    problems = _problems(later)
    assert problems == [("$.items[0].show_if.item", "show_if refers to a later or the same item 'PICK'")]

    def unknown(d: dict[str, Any]) -> None:
        d["items"][2]["show_if"] = {
            "op": "any",
            "conds": [
                {"op": "answered", "item": "GATE"},
                {"op": "not", "cond": {"op": "answered", "item": "NOPE"}},
            ],
        }

    assert _problems(unknown) == [
        ("$.items[2].show_if.conds[1].cond.item", "show_if refers to an unknown item 'NOPE'")
    ]


def test_show_if_value_must_be_possible() -> None:
    def bad_value(d: dict[str, Any]) -> None:
        d["items"][2]["show_if"] = {"op": "equals", "item": "GATE", "value": 1}  # yesno needs a bool

    assert _paths(bad_value) == ["$.items[2].show_if.value"]

    def bad_in(d: dict[str, Any]) -> None:
        d["items"][2]["show_if"] = {"op": "in", "item": "PICK", "values": ["A", "Z"]}

    assert _paths(bad_in) == ["$.items[2].show_if.values[1]"]

    def contains_on_single(d: dict[str, Any]) -> None:
        d["items"][2]["show_if"] = {"op": "contains", "item": "PICK", "value": "A"}

    assert _paths(contains_on_single) == ["$.items[2].show_if.op"]


def test_unknown_condition_op() -> None:
    def bad_op(d: dict[str, Any]) -> None:
        d["items"][2]["show_if"] = {"op": "eval", "item": "GATE"}

    assert _paths(bad_op) == ["$.items[2].show_if.op"]


def test_section_show_if_must_look_back() -> None:
    def same_section(d: dict[str, Any]) -> None:
        d["sections"][1]["show_if"] = {"op": "answered", "item": "C1"}

    assert _paths(same_section) == ["$.sections[1].show_if.item"]


def test_element_and_index_references() -> None:
    assert _paths(lambda d: d["items"][2].update(element="G9")) == [
        "$.items[2].element",
        "$.index.groups[0]",
    ]  # the group is now empty too
    assert _paths(lambda d: d["index"]["groups"][0].update(part="P9")) == ["$.index.groups[0].part"]

    def no_index(d: dict[str, Any]) -> None:
        del d["index"]

    assert _paths(no_index) == ["$.items[2].element"]


def test_unknown_section_and_order() -> None:
    assert _paths(lambda d: d["items"][0].update(section="S9")) == ["$.items[0].section"]

    def out_of_order(d: dict[str, Any]) -> None:
        d["items"][2]["section"] = "S1"
        d["items"][1]["section"] = "S2"

    assert _paths(out_of_order) == ["$.items[2].section"]


def test_scale_rules() -> None:
    assert _paths(lambda d: d["items"][2].update(scale="nope")) == ["$.items[2].scale"]
    # a 3-point scale on a likert5 item (and, being unindexed, it has no top box either)
    assert set(_paths(lambda d: d["items"][2].update(scale="yes3"))) == {"$.items[2].scale"}
    assert _paths(lambda d: d["items"][0].update(scale="sat5")) == ["$.items[0].scale"]
    assert _paths(lambda d: d["scales"]["sat5"].update(top_box=[6])) == ["$.scales.sat5.top_box"]
    assert _paths(lambda d: d["scales"]["sat5"]["points"][0].update(value=7)) == ["$.scales.sat5.points"]


def test_type_specific_fields() -> None:
    assert _paths(lambda d: d["items"][0].update(options=[{"code": "A", "labels": {"vi": "A"}}])) == [
        "$.items[0].options"
    ]
    assert _paths(lambda d: d["items"][1].update(options=[])) == ["$.items[1].options"]
    assert _paths(lambda d: d["items"][0].update(allow_dont_know=True)) == ["$.items[0].allow_dont_know"]
    assert _paths(lambda d: d["items"][0].update(max_length=10)) == ["$.items[0].max_length"]
    assert _paths(lambda d: d["items"][0].update(min=1)) == ["$.items[0].min"]
    # GATE becomes a number: min > max, and C1's condition "GATE == true" is now impossible
    assert _paths(lambda d: d["items"][0].update(type="number", min=5, max=1)) == [
        "$.items[0].min",
        "$.items[2].show_if.value",
    ]


def test_rule_compatibility() -> None:
    assert _paths(lambda d: d["scales"]["sat5"].update(top_box=[])) == ["$.items[2].scale"]

    def score_sum(d: dict[str, Any]) -> None:
        d["index"]["rule"] = "score_sum"

    assert _paths(score_sum) == ["$.items[2].element"]

    def unscored(d: dict[str, Any]) -> None:
        d["index"]["rule"] = "score_sum"
        d["items"][2] = {**d["items"][1], "code": "C1", "section": "S2", "element": "G1"}

    assert _paths(unscored) == ["$.items[2].options"]


def _weighted(d: dict[str, Any]) -> None:
    d["index"] = {
        "rule": "weighted_mean",
        "groups": [{"code": "G1", "labels": {"vi": "Nhóm"}}],
        "weights": {"G1": 1.0},
        "multiplier": 25,
        "bands": [
            {"code": "D", "labels": {"vi": "D"}, "min": 25},
            {"code": "A", "labels": {"vi": "A"}, "min": 88.31},
        ],
    }


def test_index_rule_parameters_are_data_checked_on_import() -> None:
    doc = copy.deepcopy(_base())
    _weighted(doc)
    q = _load(doc)
    assert (
        q.index is not None
        and q.index.weights == {"G1": 1.0}
        and [b.code for b in q.index.bands] == ["D", "A"]
    )
    # weights: one per group, positive, summing to 1; multiplier and weights for weighted_mean only
    assert _paths(lambda d: (_weighted(d), d["index"].update(weights={"G1": 0.5}))) == ["$.index.weights"]
    assert _paths(lambda d: (_weighted(d), d["index"].update(weights={"G1": 1.0, "G9": 0.0}))) == [
        "$.index.weights"
    ]
    assert _paths(lambda d: d["index"].update(weights={"G1": 1.0})) == ["$.index.weights"]
    assert _paths(lambda d: d["index"].update(multiplier=25)) == ["$.index.multiplier"]
    assert _paths(
        lambda d: (_weighted(d), d["index"].update(parts=[{"code": "P", "labels": {"vi": "P"}}]))
    ) == ["$.index.parts"]
    # bands from the lowest, distinct codes; a multiplier must be positive (msgspec)
    assert _paths(lambda d: (_weighted(d), d["index"]["bands"][1].update(min=10))) == ["$.index.bands[1].min"]
    assert _paths(lambda d: (_weighted(d), d["index"]["bands"][1].update(code="D"))) == [
        "$.index.bands[1].code"
    ]
    assert _paths(lambda d: (_weighted(d), d["index"].update(multiplier=0))) == ["$.index.multiplier"]
    assert _paths(lambda d: d["index"].update(rule="median")) == ["$.index.rule"]


def test_scored_rules_accept_their_criteria() -> None:
    def mean_score(d: dict[str, Any]) -> None:
        d["index"]["rule"] = "mean_score"
        d["scales"]["sat5"]["top_box"] = []  # a mean score needs no top box

    assert _load(_mutated(mean_score)).index.rule == "mean_score"  # type: ignore[union-attr]

    def scored_choice(d: dict[str, Any]) -> None:
        _weighted(d)
        d["items"][2] = {
            **d["items"][1],
            "code": "C1",
            "section": "S2",
            "element": "G1",
            "options": [
                {"code": "A", "labels": {"vi": "A"}, "score": 2},
                {"code": "B", "labels": {"vi": "B"}, "score": 0},
            ],
        }

    assert _load(_mutated(scored_choice)).item("C1").options[1].score == 0  # type: ignore[index]

    def one_score(d: dict[str, Any]) -> None:
        scored_choice(d)
        for o in d["items"][2]["options"]:
            o["score"] = 1

    assert _paths(one_score) == ["$.items[2].options"]

    def text_criterion(d: dict[str, Any]) -> None:
        _weighted(d)
        d["items"][2] = {
            "code": "C1",
            "type": "text",
            "section": "S2",
            "labels": {"vi": "x"},
            "element": "G1",
        }

    assert _paths(text_criterion) == ["$.items[2].element"]


def _mutated(mutate: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    doc = copy.deepcopy(_base())
    mutate(doc)
    return doc


def test_all_problems_reported_at_once() -> None:
    def many(d: dict[str, Any]) -> None:
        d["items"][1]["code"] = "GATE"
        d["items"][2]["element"] = "G9"
        d["items"][0]["section"] = "S9"

    paths = _paths(many)
    assert {"$.items[0].section", "$.items[1].code", "$.items[2].element"} <= set(paths)
    with pytest.raises(DefinitionError, match=r"\$\.items\[1\]\.code: duplicate item code 'GATE'"):
        doc = copy.deepcopy(_base())
        many(doc)
        _load(doc)


def test_templates_are_frozen() -> None:
    q = get_template("counter-3")
    with pytest.raises(AttributeError):
        q.id = "x"  # type: ignore[misc]
