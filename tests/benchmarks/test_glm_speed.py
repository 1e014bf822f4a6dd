"""Speed of design-based regression (``make bench``; not part of ``make test``).

Job: a survey-weighted GLM with 10 numeric predictors (11 coefficients) on 1,000,000 rows, design = 60
strata × 1,200 PSUs with unequal weights, linearisation SEs; gaussian and quasibinomial (logit) families.

Every figure is printed beside two baselines measured in the same run: an unweighted least-squares fit of
the same matrix (``numpy.linalg.lstsq``: the least a regression of this size costs here), and R's
``svyglm`` on the same data (the data are handed to R as a raw binary file; only ``svydesign`` +
``svyglm`` are timed inside R). Without ``Rscript`` the R side is skipped with a message.
"""

from __future__ import annotations

import shutil
import subprocess
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sampling import Design
from sampling.glm import fit_glm

N_ROWS = 1_000_000
N_PRED = 10
N_STRATA = 60
N_PSU = 1_200
R_SCRIPT = textwrap.dedent(
    """
    suppressMessages(library(survey))
    args <- commandArgs(TRUE); n <- as.integer(args[2]); k <- as.integer(args[3])
    m <- matrix(readBin(args[1], "double", n * (k + 5)), nrow = n)
    d <- as.data.frame(m); names(d) <- c(paste0("x", 1:k), "y", "yb", "w", "strata", "psu")
    f <- as.formula(paste(args[4], "~", paste0("x", 1:k, collapse = " + ")))
    fam <- if (args[4] == "y") gaussian() else quasibinomial()
    t0 <- proc.time()[["elapsed"]]
    des <- svydesign(id = ~psu, strata = ~strata, weights = ~w, data = d, nest = TRUE)
    fit <- svyglm(f, design = des, family = fam)
    cat(proc.time()[["elapsed"]] - t0, "\\n")
    cat(coef(fit), "\\n"); cat(SE(fit), "\\n")
    """
)


def best_of(fn: Callable[[], Any], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


@pytest.fixture(scope="module")
def survey() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(20261206)
    psu = rng.integers(0, N_PSU, N_ROWS)
    strata = psu % N_STRATA
    x = rng.normal(size=(N_ROWS, N_PRED)) + rng.normal(size=N_PSU)[psu, None] * 0.3
    beta = np.linspace(-0.5, 0.5, N_PRED)
    eta = 0.2 + x @ beta * 0.3
    out = {f"x{j + 1}": x[:, j] for j in range(N_PRED)}
    out["y"] = 3.0 + x @ beta + rng.normal(size=N_ROWS) + rng.normal(size=N_PSU)[psu]
    out["yb"] = (rng.random(N_ROWS) < 1 / (1 + np.exp(-eta))).astype(float)
    out["w"] = rng.uniform(20, 200, N_ROWS)
    out["strata"] = strata.astype(float)
    out["psu"] = psu.astype(float)
    return out


def _python(d: dict[str, np.ndarray], response: str, family: str) -> Any:
    design = Design(strata=d["strata"], psu=d["psu"], weights=d["w"], nest=True)
    formula = f"{response} ~ " + " + ".join(f"x{j + 1}" for j in range(N_PRED))
    return fit_glm(design, formula, d, family=family).models[0]  # type: ignore[arg-type]


def _r(d: dict[str, np.ndarray], response: str, tmp: Path) -> tuple[float, np.ndarray, np.ndarray] | None:
    rscript = shutil.which("Rscript")
    if rscript is None:
        return None
    data = tmp / "glm.bin"
    if not data.exists():
        cols = [d[f"x{j + 1}"] for j in range(N_PRED)] + [d[c] for c in ("y", "yb", "w", "strata", "psu")]
        np.concatenate(cols).astype("<f8").tofile(data)
    script = tmp / "glm.R"
    script.write_text(R_SCRIPT)
    done = subprocess.run(
        [rscript, str(script), str(data), str(N_ROWS), str(N_PRED), response],
        capture_output=True,
        text=True,
        check=True,
        timeout=1800,
    )
    lines = done.stdout.strip().splitlines()
    return float(lines[0]), np.array(lines[1].split(), float), np.array(lines[2].split(), float)


@pytest.mark.parametrize(("response", "family"), [("y", "gaussian"), ("yb", "quasibinomial")])
def test_ten_predictors_one_million_rows(
    survey: dict[str, np.ndarray], response: str, family: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    model = _python(survey, response, family)  # warm-up
    assert np.isfinite(model.se).all()
    elapsed = best_of(lambda: _python(survey, response, family))
    x = np.column_stack([np.ones(N_ROWS)] + [survey[f"x{j + 1}"] for j in range(N_PRED)])
    base = best_of(lambda: np.linalg.lstsq(x, survey[response], rcond=None))
    line = (
        f"\n[1M rows, {N_PRED} predictors, {family}] sipas fit_glm {elapsed:.2f} s "
        f"= {elapsed / base:.1f}x an unweighted lstsq of the same matrix ({base:.2f} s)"
    )
    r = _r(survey, response, tmp_path_factory.getbasetemp())
    if r is None:
        print(line + "; R side skipped: Rscript not found")
        return
    r_time, r_coef, r_se = r
    np.testing.assert_allclose(model.coefficients, r_coef, rtol=1e-5)  # R prints 7 significant digits
    np.testing.assert_allclose(model.se, r_se, rtol=1e-5)
    print(line + f"; R svyglm {r_time:.2f} s (sipas is {r_time / elapsed:.1f}x faster)")
