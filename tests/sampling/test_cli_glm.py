"""``sipas glm`` end to end (api.cli.main): the JSON contract, numbers against the svyglm fixtures, errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from api.cli import main

DATA = Path(__file__).parent / "r_core" / "data"
CASES: list[dict[str, Any]] = json.loads((Path(__file__).parent / "r_glm" / "fixtures.json").read_text())[
    "cases"
]
CLUSTER = ("--psu", "dnum", "--weight", "pw", "--fpc", "fpc")


@pytest.fixture(scope="module")
def clus1(tmp_path_factory: pytest.TempPathFactory) -> str:
    """apiclus1 plus the 0/1 columns the fixtures use (yes = sch.wide is Yes) and a collinear column."""
    table = pacsv.read_csv(DATA / "apiclus1.csv")
    wide = np.asarray(table.column("sch.wide").to_pylist()) == "Yes"
    ell = np.asarray(table.column("ell").to_numpy(), dtype=float)
    table = table.append_column("yes", pa.array(wide.astype(float))).append_column("ell2", pa.array(2 * ell))
    table = table.append_column("sep", pa.array((ell > 20).astype(float)))
    path = tmp_path_factory.mktemp("glm") / "apiclus1.csv"
    pacsv.write_csv(table, path)
    return str(path)


def case(**match: Any) -> dict[str, Any]:
    return next(c for c in CASES if all(c.get(k) == v for k, v in match.items()))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_json_contract_and_r_agreement(capsys: pytest.CaptureFixture[str], clus1: str) -> None:
    status, out, err = run(
        capsys,
        "glm",
        clus1,
        "--formula",
        "yes ~ ell + meals + C(stype)",
        "--family",
        "quasibinomial",
        *CLUSTER,
        "--format",
        "json",
    )
    assert status == 0, err
    doc = json.loads(out)
    assert doc["design"]["df"] == 14 and doc["design"]["psus"] == 15
    (model,) = doc["models"]
    assert model["domain"] == {}
    ref = case(design="dclus1", family="quasibinomial", formula="yes ~ ell + meals + stype")
    assert [c["term"] for c in model["coefficients"]] == ref["terms"]
    for key, col in (("estimate", "estimate"), ("se", "se"), ("t", "t"), ("p", "p"), ("ci_low", "ci_low")):
        np.testing.assert_allclose([c[key] for c in model["coefficients"]], ref[col], rtol=1e-8)
    assert set(model["coefficients"][0]) == {"term", "estimate", "se", "t", "p", "ci_low", "ci_high"}
    stype = next(t for t in model["tests"] if t["term"] == "stype")
    np.testing.assert_allclose(stype["F"], ref["tests"][0]["F"], rtol=1e-8)


def test_domains_with_by_and_calibration(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    targets = tmp_path / "t.json"
    targets.write_text(
        json.dumps({"method": "poststratify", "margins": {"stype": {"E": 4421, "H": 755, "M": 1018}}})
    )
    status, out, err = run(
        capsys,
        "glm",
        str(DATA / "apiclus1.csv"),
        "--formula",
        "api00 ~ ell + meals",
        *CLUSTER,
        "--calibrate",
        str(targets),
        "--by",
        "stype",
        "--format",
        "json",
    )
    assert status == 0, err
    doc = json.loads(out)
    assert [m["domain"] for m in doc["models"]] == [{"stype": "E"}, {"stype": "H"}, {"stype": "M"}]
    ref = case(design="dclus1_ps", domain={"stype": "E"})
    np.testing.assert_allclose([c["se"] for c in doc["models"][0]["coefficients"]], ref["se"], rtol=1e-8)


def test_replicates_table_and_csv(capsys: pytest.CaptureFixture[str]) -> None:
    ref = case(design="dclus1_jk1", formula="enroll ~ ell + meals")
    status, out, err = run(
        capsys,
        "glm",
        str(DATA / "apiclus1.csv"),
        "--formula",
        "enroll ~ ell + meals",
        "--family",
        "quasipoisson",
        *CLUSTER,
        "--replicates",
        "JK1",
        "--format",
        "csv",
    )
    assert status == 0, err
    lines = out.strip().splitlines()
    assert lines[0] == "term,estimate,se,t,p,ci_low,ci_high,df_residual,n"
    assert [ln.split(",")[0] for ln in lines[1:]] == ref["terms"]
    np.testing.assert_allclose([float(ln.split(",")[2]) for ln in lines[1:]], ref["se"], rtol=1e-5)
    status, out, err = run(capsys, "glm", str(DATA / "apiclus1.csv"), "--formula", "api00 ~ ell", *CLUSTER)
    assert status == 0, err
    assert "(Intercept)" in out and "Wald test ell: F =" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ("--formula", "api00 ~ ell + ell2"),
            "singular model: column ell2 of term ell2 is a linear combination",
        ),
        (("--formula", "sch.wide ~ ell"), "response 'sch.wide' has a non-numeric value"),
        (("--formula", "api00 ~ ell", "--family", "quasibinomial"), "between 0 and 1"),
        (("--formula", "sep ~ ell", "--family", "quasibinomial"), "separation: fitted probabilities"),
        (("--formula", "api00 ~ nope"), "column 'nope' not found"),
        (("--formula", "api00 = ell"), "exactly one '~'"),
        (("--formula", "api00 ~ ell", "--level", "2"), "--level must be between 0 and 1"),
        (
            (
                "--formula",
                "api00 ~ ell + meals + ell:meals + acs.k3 + acs.46 + pcttest + growth + emer + full + avg.ed"
                " + hsg + grad.sch + not.hsg + col.grad",
            ),
            "too few PSUs",
        ),
    ],
)
def test_bad_input_is_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], clus1: str, argv: tuple[str, ...], message: str
) -> None:
    status, out, err = run(capsys, "glm", clus1, *argv, *CLUSTER)
    assert status == 2
    assert out == ""
    assert message in err and err.count("\n") == 1


@pytest.fixture(scope="module")
def answers_csv(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Respondents with five-point answers to four criteria in two elements and an overall item."""
    rng = np.random.default_rng(11)
    n = 1200
    psu = rng.integers(0, 60, n)
    mood = rng.normal(size=n)
    q = {f"q{j}": np.clip(np.round(3.5 + mood + rng.normal(0, 0.8, n) - (j > 2)), 1, 5) for j in (1, 2, 3, 4)}
    q["q4"][rng.random(n) < 0.05] = 9  # don't know
    overall = np.clip(
        np.round(2 + 0.3 * q["q1"] + 0.5 * np.minimum(q["q3"], 5) + rng.normal(0, 0.5, n)), 1, 5
    )
    agency = np.where(psu < 40, "A", "B")
    table = pa.table({**q, "overall": overall, "psu": psu, "w": rng.uniform(1, 3, n), "agency": agency})
    path = tmp_path_factory.mktemp("drivers") / "answers.csv"
    pacsv.write_csv(table, path)
    return str(path)


def test_drivers_from_criteria_columns(
    capsys: pytest.CaptureFixture[str], answers_csv: str, tmp_path: Path
) -> None:
    mapping = tmp_path / "el.json"
    mapping.write_text(json.dumps({"Access": ["q1", "q2"], "Procedures": ["q3", "q4"]}))
    status, out, err = run(
        capsys,
        "drivers",
        answers_csv,
        "--overall",
        "overall",
        "--elements",
        str(mapping),
        "--psu",
        "psu",
        "--weight",
        "w",
        "--by",
        "agency",
        "--min-respondents",
        "500",
        "--format",
        "json",
    )
    assert status == 0, err
    doc = json.loads(out)
    a, b = doc["domains"]
    assert a["domain"] == {"agency": "A"} and a["suppressed"] is None
    assert [e["element"] for e in a["elements"]] == ["Access", "Procedures"]
    for e in a["elements"]:
        assert e["importance_ci"][0] < e["importance"] < e["importance_ci"][1]
        assert 0 <= e["performance_ci"][0] < e["performance"] < e["performance_ci"][1] <= 100
    assert b["n"] < 500 and b["elements"] == [] and "fewer than 500" in b["suppressed"]
    status, out, err = run(
        capsys,
        "drivers",
        answers_csv,
        "--overall",
        "overall",
        "--element",
        "q1",
        "--element",
        "q3",
        "--psu",
        "psu",
        "--weight",
        "w",
    )
    assert status == 0, err
    assert "association, not cause" in out and "q3" in out
    status, out, err = run(
        capsys, "drivers", answers_csv, "--overall", "overall", "--element", "q1", "--psu", "psu"
    )
    assert status == 2 and "at least two elements" in err
