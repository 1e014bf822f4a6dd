"""Post-stratified cell sums give the indices, SEs and intervals of R-style post-stratification on the
rows themselves (``sampling.calibration.poststratify``), weighted stratified clustered designs included."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from sampling import Design, estimate_indices
from sampling.calibration import CalibrationError, poststratify
from sampling.cells import aggregate_cells, estimate_indices_from_cells, poststratify_cells
from sampling.errors import EstimationError

GROUPS = {"E1": ["c0", "c1", "c2"], "E2": ["c3", "c4"]}
NAMES = [f"c{j}" for j in range(5)]


def _data(seed: int, n: int = 2500) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    strata = rng.integers(0, 3, n)
    psu = strata * 100 + rng.integers(0, 10, n)
    return {
        "strata": strata,
        "psu": psu,
        "fpc": np.array([40.0, 25.0, 60.0])[strata],
        "domain": rng.choice(np.array(["A", "B"]), n),
        "post": rng.choice(np.array(["p", "q", "r"]), n, p=[0.5, 0.3, 0.2]),  # cuts across PSUs
        "answers": rng.choice([0, 1, 2, 3, 4, 5, 5, 4, -1], size=(n, 5)),
        "weights": rng.uniform(0.5, 3.0, n),
    }


TOTALS = {"post": {"p": 2000.0, "q": 2500.0, "r": 1500.0}}


@pytest.mark.parametrize("seed", [4, 5])
@pytest.mark.parametrize("weighted", [True, False])
def test_poststratified_cells_equal_poststratified_rows(seed: int, weighted: bool) -> None:
    d = _data(seed)
    w = d["weights"] if weighted else np.ones(len(d["post"]))
    fpc = d["fpc"] if weighted else None
    design = Design(weights=w, strata=d["strata"], psu=d["psu"], fpc=fpc, lonely_psu="adjust")
    calibrated, report_rows = poststratify(design, {"post": d["post"]}, TOTALS)
    answers = np.where(d["answers"] < 0, np.nan, d["answers"]).astype(float)
    by_rows = estimate_indices(
        calibrated, {nm: answers[:, j] for j, nm in enumerate(NAMES)}, GROUPS, by={"domain": d["domain"]}
    )
    # one extra criterion that is always "top": its weighted top sum per cell is Σ w of all the cell's rows
    with_all = np.column_stack([d["answers"], np.full(len(w), 5)])
    cells = aggregate_cells(
        with_all,
        [[0, 1, 2], [3, 4], list(range(5))],
        domains={"domain": d["domain"], "post": d["post"]},
        psu=d["psu"],
        strata=d["strata"],
        weights=w,
        fpc=fpc,
    )
    weight_sums = cells.top[:, 5].copy()
    cells = replace(
        cells,
        domains={"domain": cells.domains["domain"]},
        top=cells.top[:, :5],
        valid=cells.valid[:, :5],
        valid_rows=cells.valid_rows[:, :5],
        dont_know=cells.dont_know[:, :5],
    )
    post = np.asarray(
        aggregate_cells(
            with_all,
            [[0]],
            domains={"domain": d["domain"], "post": d["post"]},
            psu=d["psu"],
            strata=d["strata"],
        ).domains["post"]
    )
    scaled, report = poststratify_cells(cells, weight_sums, {"post": post}, TOTALS)
    assert [c.factor for c in report.cells] == pytest.approx([c.factor for c in report_rows.cells], rel=1e-12)
    by_cells = estimate_indices_from_cells(scaled, NAMES, GROUPS)
    for rows_set, cells_set in ((by_rows.criteria, by_cells.criteria), (by_rows.groups, by_cells.groups)):
        assert len(rows_set) == len(cells_set)
        for a, b in zip(rows_set.estimates, cells_set.estimates, strict=True):
            assert (a.variable, dict(a.domain), a.n, a.df) == (b.variable, dict(b.domain), b.n, b.df)
            for field in ("estimate", "se", "ci_low", "ci_high"):
                assert getattr(b, field) == pytest.approx(getattr(a, field), rel=1e-9, abs=1e-12), field
    # the variance changed: post-stratification is not ignored
    plain = estimate_indices_from_cells(cells, NAMES, GROUPS)
    assert any(
        abs(a.se - b.se) > 1e-6
        for a, b in zip(plain.groups.estimates, by_cells.groups.estimates, strict=True)
    )


def test_poststratify_cells_checks_its_input() -> None:
    d = _data(6, n=300)
    cells = aggregate_cells(d["answers"], [list(range(5))], domains={"post": d["post"]}, psu=d["psu"])
    post = np.asarray(cells.domains["post"])
    counts = np.ones(post.shape[0])
    with pytest.raises(EstimationError):
        poststratify_cells(cells, counts[:-1], {"post": post}, TOTALS)
    with pytest.raises(EstimationError):
        poststratify_cells(cells, counts * 0, {"post": post}, TOTALS)
    with pytest.raises(CalibrationError):
        poststratify_cells(cells, counts, {"post": post}, {"post": {"p": 1.0, "q": 2.0}})
    once, _ = poststratify_cells(cells, counts, {"post": post}, TOTALS)
    with pytest.raises(EstimationError):
        poststratify_cells(once, counts, {"post": post}, TOTALS)
