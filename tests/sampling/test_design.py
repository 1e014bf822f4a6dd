"""Design validation and precomputed codes (hand-checked)."""

from __future__ import annotations

import numpy as np
import pytest

from sampling import Design, DesignError, LonelyPSUError, estimate_means, estimate_totals


def test_codes_counts_and_df() -> None:
    d = Design(strata=["a", "a", "a", "b", "b"], psu=[1, 1, 2, 3, 4], weights=[1, 2, 3, 4, 5])
    assert d.n_strata == 2 and d.n_psus == 4
    assert d.stages[0].n_units.tolist() == [2, 2]
    assert d.degrees_of_freedom() == 2
    s = d.summary()
    assert (s.rows, s.strata, s.psus, s.df) == (5, 2, 4, 2)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"weights": [1.0, np.nan, 2.0]}, "missing at row 2"),
        ({"weights": [1.0, -1.0, 2.0]}, "negative at row 2"),
        ({"weights": [1.0, np.inf, 2.0]}, "infinite"),
        ({"probabilities": [0.5, 0.0, 0.5]}, "inclusion probability"),
        ({"weights": [1, 1, 1], "probabilities": [1, 1, 1]}, "not both"),
        ({"strata": ["a", "b", "b"], "psu": [1, 1, 2]}, "more than one stratum"),
        (
            {"strata": ["a", "a", "b"], "fpc": [10, 11, 5], "lonely_psu": "certainty"},
            "differs within stratum a",
        ),
        ({"strata": ["a", "a", "a"], "fpc": [2, 2, 2]}, "smaller than the number of sampled units"),
        ({"strata": ["a", "a", "b", "b"], "fpc": [0.5, 0.5, 10, 10]}, "mixes"),
        ({"weights": [1, 1, 1], "lonely_psu": "drop"}, "lonely_psu must be one of"),
        ({"weights": [1, 1, 1], "ssu": [1, 2, 3]}, "needs fpc and fpc2"),
        ({"weights": [1, 1]}, None),
    ],
)
def test_validation_errors(kwargs: dict[str, object], message: str | None) -> None:
    if message is None:
        Design(**kwargs)  # type: ignore[arg-type]
        return
    with pytest.raises(DesignError, match=message):
        Design(**kwargs)  # type: ignore[arg-type]


def test_nest_makes_psu_codes_relative_to_strata() -> None:
    d = Design(strata=["a", "a", "b", "b"], psu=[1, 2, 1, 2], nest=True)
    assert d.n_psus == 4 and d.degrees_of_freedom() == 2


def test_lonely_psu_fail_and_certainty_stratum_is_not_lonely() -> None:
    with pytest.raises(LonelyPSUError, match="stratum b has only one PSU"):
        Design(strata=["a", "a", "b"])
    # A stratum sampled exhaustively (N_h = n_h = 1) contributes 0 and is not "lonely" (R's onestrat).
    d = Design(strata=["a", "a", "b"], fpc=[10, 10, 1])
    assert not d.stages[0].lonely.any()


def test_fpc_as_fraction_equals_fpc_as_count() -> None:
    y = np.array([1.0, 4.0, 2.0, 8.0, 5.0])
    h = ["a", "a", "b", "b", "b"]
    counts = Design(strata=h, fpc=[10, 10, 30, 30, 30])
    fractions = Design(strata=h, fpc=[0.2, 0.2, 0.1, 0.1, 0.1])
    # Weights follow from the FPC (N_h / n_h) when none are given, as R does.
    np.testing.assert_allclose(counts.weights, [5, 5, 10, 10, 10])
    a = estimate_totals(counts, {"y": y}).estimates[0]
    b = estimate_totals(fractions, {"y": y}).estimates[0]
    assert a.estimate == pytest.approx(b.estimate) and a.se == pytest.approx(b.se)
    # Hand calculation: V = Σ_h N_h² (1 − f_h) s_h² / n_h.
    v = 10**2 * (1 - 0.2) * np.var([1, 4], ddof=1) / 2 + 30**2 * (1 - 0.1) * np.var([2, 8, 5], ddof=1) / 3
    assert a.se == pytest.approx(np.sqrt(v), rel=1e-12)


def test_probabilities_equal_inverse_weights() -> None:
    y = np.array([3.0, 1.0, 4.0, 1.0, 5.0])
    p = np.array([0.5, 0.25, 0.5, 0.1, 0.2])
    a = estimate_means(Design(probabilities=p), {"y": y}).estimates[0]
    b = estimate_means(Design(weights=1 / p), {"y": y}).estimates[0]
    assert a.estimate == pytest.approx(b.estimate, rel=1e-14) and a.se == pytest.approx(b.se, rel=1e-14)


def test_with_weights_keeps_structure_and_sets_calibration() -> None:
    class Identity:
        description = "identity"

        def residualise(self, z: np.ndarray) -> np.ndarray:
            return z

    d = Design(strata=["a", "a", "b", "b"], weights=[1, 2, 3, 4])
    new = d.with_weights([2, 2, 2, 2], calibration=Identity())
    assert new.calibration is not None and d.calibration is None
    assert new.stages is d.stages and new.weights.tolist() == [2, 2, 2, 2]
    assert new.summary().calibration == "identity"
    y = np.array([1.0, 2.0, 5.0, 3.0])
    # An identity residualisation gives the uncalibrated variance (the calibration path equals the fast path).
    fast = estimate_means(d.with_weights([2, 2, 2, 2]), {"y": y}, by={"g": ["x", "y", "x", "y"]})
    slow = estimate_means(new, {"y": y}, by={"g": ["x", "y", "x", "y"]})
    np.testing.assert_allclose([e.se for e in slow.estimates], [e.se for e in fast.estimates], rtol=1e-12)
    with pytest.raises(DesignError, match="negative"):
        d.with_weights([1, -1, 1, 1])
