"""AAPOR outcome rates: a hand-computed case for every rate, the e estimate, edge cases and invariants."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sampling.response_rates import (
    CATEGORIES,
    DEFINITIONS,
    ResponseRateError,
    disposition_summary,
    eligibility_share,
    outcome_rates,
    response_rates,
)

# I = 40, P = 5, R = 10, NC = 20, O = 5, U = 30, NE = 10.
COUNTS = {
    "complete": 40,
    "partial": 5,
    "refusal": 10,
    "non_contact": 20,
    "other": 5,
    "unknown": 30,
    "ineligible": 10,
}


def test_every_rate_by_hand() -> None:
    # e = (40 + 5 + 10 + 20 + 5) / (80 + 10) = 8/9, so e·U = 80/3 and the RR3 base is 80 + 80/3 = 320/3.
    # Bases: with U 110, with e·U 320/3, without U 80; contacted (I + P) + R + O = 60; (I + P) + R = 55.
    e = eligibility_share(COUNTS)
    assert e == pytest.approx(8 / 9, rel=1e-15)
    rates = outcome_rates(COUNTS, e)
    expected = {
        "rr1": Fraction(40, 110),
        "rr2": Fraction(45, 110),
        "rr3": Fraction(3, 8),
        "rr4": Fraction(27, 64),
        "rr5": Fraction(1, 2),
        "rr6": Fraction(9, 16),
        "coop1": Fraction(2, 3),
        "coop2": Fraction(3, 4),
        "coop3": Fraction(8, 11),
        "coop4": Fraction(9, 11),
        "ref1": Fraction(1, 11),
        "ref2": Fraction(3, 32),
        "ref3": Fraction(1, 8),
        "con1": Fraction(6, 11),
        "con2": Fraction(9, 16),
        "con3": Fraction(3, 4),
    }
    assert rates.as_dict() == pytest.approx({k: float(v) for k, v in expected.items()}, rel=1e-14)
    assert rates.e == e
    assert list(rates.as_dict()) == list(DEFINITIONS)


def test_the_fieldwork_report_shows_rr1_to_rr4_with_counts() -> None:
    e = eligibility_share(COUNTS)
    assert response_rates(COUNTS, e) == pytest.approx(
        {"rr1": 40 / 110, "rr2": 45 / 110, "rr3": 3 / 8, "rr4": 27 / 64}, rel=1e-14
    )
    summary = disposition_summary({"complete": 2, "unknown": 1}, 1.0)
    assert summary == {
        "sampled": 3,
        "counts": {c: {"complete": 2, "unknown": 1}.get(c, 0) for c in CATEGORIES},
        "rr1": 2 / 3,
        "rr2": 2 / 3,
        "rr3": 2 / 3,
        "rr4": 2 / 3,
    }
    assert list(summary["counts"]) == list(CATEGORIES)


def test_e_is_one_until_a_case_is_resolved_and_zero_when_all_resolved_are_ineligible() -> None:
    assert eligibility_share({}) == 1.0
    assert eligibility_share({"unknown": 3}) == 1.0
    assert eligibility_share({"ineligible": 4, "unknown": 3}) == 0.0
    assert eligibility_share({"complete": 1, "refusal": 1, "ineligible": 2}) == 0.5


def test_empty_denominators_give_none_not_zero() -> None:
    nothing = outcome_rates({}, 1.0)
    assert all(v is None for v in nothing.as_dict().values())
    only_unknown = outcome_rates({"unknown": 5}, 0.0)  # e = 0: no eligible case at all
    assert only_unknown.rr1 == 0.0 and only_unknown.con1 == 0.0
    assert only_unknown.rr3 is None and only_unknown.rr5 is None and only_unknown.coop1 is None
    no_contact = outcome_rates({"non_contact": 2}, 1.0)
    assert no_contact.rr1 == 0.0 and no_contact.con3 == 0.0 and no_contact.coop1 is None


def test_weighted_counts_are_allowed() -> None:
    rates = outcome_rates({"complete": 2.5, "refusal": 1.5, "unknown": 1.0}, 0.5)
    assert rates.rr1 == pytest.approx(2.5 / 5.0) and rates.rr3 == pytest.approx(2.5 / 4.5)


@pytest.mark.parametrize(
    ("counts", "e", "message"),
    [
        ({"complete": 1}, 1.5, "e must be in [0, 1]"),
        ({"complete": 1}, -0.1, "e must be in [0, 1]"),
        ({"complete": 1}, math.nan, "e must be in [0, 1]"),
        ({"completed": 1}, 1.0, "unknown disposition 'completed'"),
        ({"refusal": -1}, 1.0, "the count of 'refusal'"),
        ({"refusal": math.inf}, 1.0, "the count of 'refusal'"),
    ],
)
def test_bad_counts_and_e_are_refused(counts: dict[str, float], e: float, message: str) -> None:
    with pytest.raises(ResponseRateError, match=message.replace("[", r"\[").replace("]", r"\]")):
        outcome_rates(counts, e)


def test_eligibility_share_refuses_unknown_categories() -> None:
    with pytest.raises(ResponseRateError, match="unknown disposition"):
        eligibility_share({"eligible": 3})


def _le(a: float | None, b: float | None) -> bool:
    return a is None or b is None or a <= b + 1e-12


def _product(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a * b


@settings(max_examples=200, deadline=None)
@given(
    counts=st.fixed_dictionaries({c: st.integers(0, 60) for c in CATEGORIES}),
    e=st.floats(0.0, 1.0),
    scale=st.integers(2, 9),
)
def test_invariants(counts: dict[str, int], e: float, scale: int) -> None:
    r = outcome_rates(counts, e)
    values = r.as_dict()
    assert all(v is None or 0.0 <= v <= 1.0 + 1e-12 for v in values.values())
    # e only enters the unknowns' term, between "all unknowns eligible" (RR1) and "none" (RR5).
    for low, mid, high in (
        (r.rr1, r.rr3, r.rr5),
        (r.rr2, r.rr4, r.rr6),
        (r.ref1, r.ref2, r.ref3),
        (r.con1, r.con2, r.con3),
    ):
        assert _le(low, mid) and _le(mid, high)
    # Partials count as interviews in the even-numbered rates; "other" lowers cooperation rates 1 and 2.
    for low, high in (
        (r.rr1, r.rr2),
        (r.rr3, r.rr4),
        (r.rr5, r.rr6),
        (r.coop1, r.coop2),
        (r.coop3, r.coop4),
        (r.coop1, r.coop3),
        (r.coop2, r.coop4),
        (r.rr5, r.coop1),
    ):
        assert _le(low, high)
    # Response = contact × cooperation.
    if r.coop1 is not None:
        for rr, con, coop in ((r.rr1, r.con1, r.coop1), (r.rr3, r.con2, r.coop1), (r.rr5, r.con3, r.coop1)):
            assert rr == pytest.approx(_product(con, coop), abs=1e-12)
        assert r.rr2 == pytest.approx(_product(r.con1, r.coop2), abs=1e-12)
    # The two ends of e.
    assert outcome_rates(counts, 1.0).rr3 == r.rr1
    assert outcome_rates(counts, 0.0).rr3 == r.rr5
    # Rates do not depend on the scale of the counts (weights).
    scaled = outcome_rates({c: v * scale for c, v in counts.items()}, e).as_dict()
    assert scaled == pytest.approx(values, abs=1e-12)
    share = eligibility_share(counts)
    assert 0.0 <= share <= 1.0
    assert response_rates(counts, e) == {k: values[k] for k in ("rr1", "rr2", "rr3", "rr4")}
    assert disposition_summary(counts, e)["sampled"] == sum(counts.values())
