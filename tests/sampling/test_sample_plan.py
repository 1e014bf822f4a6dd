"""Sample plans over frame cells: margins by hand, refusals with codes, allocation invariants."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sampling.sample_plan import (
    Z95,
    PlanParameters,
    SamplePlanError,
    completes_target,
    compute_plan,
    expected_margin,
    progress_share,
    stratum_label,
)


def test_expected_margin_by_hand() -> None:
    # W = 1/4 and 3/4, f = 0.2 in both: V = (1/16 · 0.8 · 0.25/20) + (9/16 · 0.8 · 0.25/60) = 0.0025.
    assert expected_margin([100, 300], [20, 60], p=0.5, deff=1.0, response_rate=1.0) == pytest.approx(
        Z95 * 0.05, rel=1e-14
    )
    # Half respond (m = 10, 30; 1 − m/N = 0.9), deff 2: V = 2 · (0.00140625 + 0.00421875) = 0.01125.
    assert expected_margin([100, 300], [20, 60], p=0.5, deff=2.0, response_rate=0.5) == pytest.approx(
        Z95 * math.sqrt(0.01125), rel=1e-14
    )
    # p = 0.2: p(1 − p) = 0.16 instead of 0.25.
    assert expected_margin([1000], [100], p=0.2, deff=1.0, response_rate=1.0) == pytest.approx(
        Z95 * math.sqrt(0.9 * 0.16 / 100), rel=1e-14
    )
    assert abs(Z95 - 1.959963984540054) < 1e-14


def test_expected_margin_is_none_without_completes_and_ignores_empty_strata() -> None:
    assert expected_margin([10, 5], [3, 0], p=0.5, deff=1.0, response_rate=1.0) is None
    assert expected_margin([], [], p=0.5, deff=1.0, response_rate=1.0) is None
    assert expected_margin([10, 0], [10, 0], p=0.5, deff=1.0, response_rate=1.0) == 0.0  # a census


def test_plan_rows_by_hand() -> None:
    cells = {("A1", "x"): 100, ("A1", "y"): 300, ("A2", "x"): 50}
    plan = compute_plan(cells, PlanParameters(strata=("agency", "field"), n=90, response_rate=0.5))
    assert [(s["stratum"], s["field"], s["population"], s["n"]) for s in plan["strata"]] == [
        ("A1|x", "x", 100, 20),
        ("A1|y", "y", 300, 60),
        ("A2|x", "x", 50, 10),
    ]
    assert [s["expected_completes"] for s in plan["strata"]] == [10.0, 30.0, 5.0]
    assert [s["sampling_fraction"] for s in plan["strata"]] == [0.2, 0.2, 0.2]
    a1, a2 = plan["agencies"]
    assert a1["agency"] == "A1" and (a1["population"], a1["n"], a1["expected_completes"]) == (400, 80, 40.0)
    assert a1["expected_margin"] == pytest.approx(Z95 * math.sqrt(0.9 * 0.25 / 40), rel=1e-12)
    assert a2["expected_margin"] == pytest.approx(Z95 * math.sqrt(0.9 * 0.25 / 5), rel=1e-12)
    assert "agency" not in plan["overall"] and plan["overall"]["n"] == 90 == plan["n"]
    assert (plan["population"], plan["expected_completes"], plan["z"]) == (450, 45.0, Z95)
    assert plan["parameters"]["strata"] == ["agency", "field"]
    by_agency = compute_plan(cells, PlanParameters(n=90))
    assert [(s["stratum"], s["field"]) for s in by_agency["strata"]] == [("A1", None), ("A2", None)]


def test_refusals_carry_a_code_and_the_parameters_at_fault() -> None:
    with pytest.raises(SamplePlanError) as empty:
        compute_plan({}, PlanParameters(n=1))
    assert empty.value.code == "empty_frame" and empty.value.problems == ()
    with pytest.raises(SamplePlanError) as sd:
        compute_plan({("A1", "x"): 10}, PlanParameters(n=5, allocation="neyman", sd={"A9": 1.0}))
    assert (sd.value.code, str(sd.value)) == ("invalid", "the sample plan is not valid")
    assert [(p.field, p.message) for p in sd.value.problems] == [("sd", "unknown stratum 'A9'")]
    with pytest.raises(SamplePlanError) as too_many:
        compute_plan({("A1", "x"): 10}, PlanParameters(n=11))
    assert (too_many.value.code, str(too_many.value)) == (
        "unallocatable",
        "the sample plan cannot be allocated",
    )
    assert [p.field for p in too_many.value.problems] == ["n"]
    assert "exceeds what the strata can supply (10)" in too_many.value.problems[0].message
    with pytest.raises(SamplePlanError) as margin:
        compute_plan({("A1", "x"): 10}, PlanParameters(margin=1.5))
    assert margin.value.code == "invalid" and margin.value.problems[0].field == "margin"
    assert margin.value.problems[0].message.startswith("agency A1: margin must be in (0, 1)")
    with pytest.raises(SamplePlanError) as method:  # in margin mode the allocation's refusal names margin
        compute_plan({("A1", "x"): 10}, PlanParameters(margin=0.5, allocation="nonsense"))
    assert method.value.code == "unallocatable" and method.value.problems[0].field == "margin"


def test_from_values_lists_every_problem_in_order() -> None:
    values = {"strata": ["field"], "allocation": "x", "p": 2, "power_q": -1, "min_per_stratum": 5}
    with pytest.raises(SamplePlanError) as exc:
        PlanParameters.from_values({**values, "max_per_stratum": 3, "method": "pps"})
    assert exc.value.code == "invalid"
    assert [(p.field, p.code) for p in exc.value.problems] == [
        ("strata", "invalid"),
        ("n", "required"),
        ("allocation", "invalid"),
        ("p", "invalid"),
        ("power_q", "invalid"),
        ("max_per_stratum", "invalid"),
        ("method", "invalid"),
    ]
    assert exc.value.problems[1].message == "give either n (total to draw) or margin (per agency)"


def test_from_values_defaults_and_round_trip() -> None:
    params = PlanParameters.from_values({"n": 10, "power_q": 0})
    assert params == PlanParameters(n=10, power_q=0.0)  # 0 is a value, not "absent"
    full = PlanParameters(
        strata=("agency", "field"),
        margin=0.05,
        allocation="neyman",
        power_q=0.3,
        min_per_stratum=2,
        max_per_stratum=50,
        response_rate=0.6,
        deff=1.4,
        p=0.3,
        sd={"A|x": 0.4},
        method="systematic",
    )
    assert PlanParameters.from_values(full.as_dict()) == full


def test_stratum_labels() -> None:
    assert stratum_label("A1", "Hộ tịch", ("agency",)) == "A1"
    assert stratum_label("A1", "Hộ tịch", ["agency", "field"]) == "A1|Hộ tịch"


cells_strategy = st.dictionaries(
    st.tuples(st.sampled_from(["A1", "A2", "A3"]), st.sampled_from(["x", "y", "z"])),
    st.integers(1, 400),
    min_size=1,
)


@settings(max_examples=60, deadline=None)
@given(
    cells=cells_strategy,
    share=st.floats(0.0, 1.0),
    allocation=st.sampled_from(["proportional", "equal", "neyman", "power"]),
    by_field=st.booleans(),
)
def test_allocation_adds_up_within_the_frame(
    cells: dict[tuple[str, str], int], share: float, allocation: str, by_field: bool
) -> None:
    total = sum(cells.values())
    n = max(1, round(share * total))
    strata = ("agency", "field") if by_field else ("agency",)
    plan = compute_plan(cells, PlanParameters(strata=strata, n=n, allocation=allocation))
    assert plan["n"] == n == sum(s["n"] for s in plan["strata"]) == sum(a["n"] for a in plan["agencies"])
    assert all(0 <= s["n"] <= s["population"] for s in plan["strata"])
    assert plan["population"] == total == plan["overall"]["population"]


@settings(max_examples=60, deadline=None)
@given(cells=cells_strategy, margin=st.floats(0.03, 0.3), deff=st.floats(1.0, 2.0))
def test_margin_mode_meets_the_margin_of_every_agency(
    cells: dict[tuple[str, str], int], margin: float, deff: float
) -> None:
    # One stratum per agency and full response: n_a is Cochran's n with the FPC, whose margin is within
    # the target (1/n ≤ 1/n0 + 1/N), so every agency meets it.
    plan = compute_plan(cells, PlanParameters(margin=margin, deff=deff))
    for agency in plan["agencies"]:
        assert agency["expected_margin"] is not None and agency["expected_margin"] <= margin + 1e-9


def test_completes_target_is_the_expected_completes_to_a_whole_interview() -> None:
    assert completes_target(120, 0.5) == 60
    assert completes_target(100, 1.0) == 100
    assert completes_target(37, 0.3) == 11  # 11.1
    assert completes_target(39, 0.3) == 12  # 11.7
    # A half goes to the even number (Python's round), as the progress report always counted.
    assert completes_target(5, 0.5) == 2
    assert completes_target(7, 0.5) == 4
    assert completes_target(0, 0.8) == 0
    assert isinstance(completes_target(10, 0.25), int)


def test_progress_share_of_the_target() -> None:
    assert progress_share(30, 60) == 0.5
    assert progress_share(0, 60) == 0.0
    assert progress_share(75, 60) == 1.25  # passing the target is shown, not capped
    assert progress_share(3, 0) is None  # no target (nothing drawn, or a zero response rate)
