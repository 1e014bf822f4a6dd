"""Indices from cell sums (domain × stratum × PSU) equal the indices from the rows themselves."""

from __future__ import annotations

import numpy as np
import pytest

from sampling import Design, estimate_indices
from sampling.cells import aggregate_cells, estimate_indices_from_cells

GROUPS = {"E1": ["c0", "c1", "c2"], "E2": ["c3", "c4"]}


def _data(seed: int, n: int = 3000, k: int = 5) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    strata = rng.integers(0, 4, n)
    psu = strata * 100 + rng.integers(0, 12, n)  # PSUs nested in strata
    agency = rng.choice(np.array(["A", "B", "C"]), n)
    answers = rng.choice([0, 1, 2, 3, 4, 5, 5, 4, -1], size=(n, k))  # 0 = don't know, -1 = not answered
    weights = rng.uniform(0.5, 3.0, n)
    return {"strata": strata, "psu": psu, "agency": agency, "answers": answers, "weights": weights}


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("ci", ["logit", "korn-graubard"])
def test_cells_reproduce_rows(seed: int, ci: str) -> None:
    d = _data(seed)
    names = [f"c{j}" for j in range(d["answers"].shape[1])]
    rows_answers = np.where(d["answers"] < 0, np.nan, d["answers"]).astype(float)
    design = Design(weights=d["weights"], strata=d["strata"], psu=d["psu"], lonely_psu="adjust")
    by_rows = estimate_indices(
        design,
        {nm: rows_answers[:, j] for j, nm in enumerate(names)},
        GROUPS,
        by={"agency": d["agency"]},
        ci=ci,
    )
    index = {nm: j for j, nm in enumerate(names)}
    cells = aggregate_cells(
        d["answers"],
        [[index[c] for c in GROUPS["E1"]], [index[c] for c in GROUPS["E2"]], list(range(len(names)))],
        domains={"agency": d["agency"]},
        psu=d["psu"],
        strata=d["strata"],
        weights=d["weights"],
    )
    assert cells.top.shape[0] < len(d["agency"]) / 5  # far fewer cells than rows
    by_cells = estimate_indices_from_cells(cells, names, GROUPS, ci=ci)
    for rows_set, cells_set in ((by_rows.criteria, by_cells.criteria), (by_rows.groups, by_cells.groups)):
        assert len(rows_set) == len(cells_set)
        for a, b in zip(rows_set.estimates, cells_set.estimates, strict=True):
            assert (a.variable, dict(a.domain), a.n, a.df, a.flag) == (
                b.variable,
                dict(b.domain),
                b.n,
                b.df,
                b.flag,
            )
            for field in ("estimate", "se", "ci_low", "ci_high"):
                assert getattr(b, field) == pytest.approx(getattr(a, field), rel=1e-10, abs=1e-12), field
    assert [(c.criterion, c.count, c.valid) for c in by_rows.dont_know] == [
        (c.criterion, c.count, c.valid) for c in by_cells.dont_know
    ]


def test_a_criterion_missing_in_a_whole_psu_counts_like_rows() -> None:
    d = _data(9, n=800)
    d["answers"][d["psu"] == d["psu"][0], 1] = -1  # nobody in that PSU answered c1
    names = [f"c{j}" for j in range(5)]
    rows_answers = np.where(d["answers"] < 0, np.nan, d["answers"]).astype(float)
    design = Design(weights=d["weights"], strata=d["strata"], psu=d["psu"], lonely_psu="adjust")
    by_rows = estimate_indices(design, {nm: rows_answers[:, j] for j, nm in enumerate(names)}, GROUPS)
    cells = aggregate_cells(
        d["answers"],
        [[0, 1, 2], [3, 4], [0, 1, 2, 3, 4]],
        domains={"all": np.zeros(800, dtype=int)},
        psu=d["psu"],
        strata=d["strata"],
        weights=d["weights"],
    )
    by_cells = estimate_indices_from_cells(cells, names, GROUPS)
    a = by_rows.criteria[by_rows.criteria.find("c1")]
    b = by_cells.criteria.estimates[1]
    assert (a.df, a.n) == (b.df, b.n)
    assert b.se == pytest.approx(a.se, rel=1e-10)
