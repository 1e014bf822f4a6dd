"""``sipas sae`` end to end (api.cli.main), numbers checked against the R fixtures of r_small_area."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from api.cli import main

HERE = Path(__file__).parent / "r_small_area"
RECORDS = {r["case"]: r for r in json.loads((HERE / "fixtures.json").read_text())["records"]}
AGENCIES = str(HERE / "agencies.csv")
AUX = ("--aux", "level", "--aux", "last_index", "--aux", "counter_share")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["sae", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_json_matches_r(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(
        capsys, AGENCIES, "--area", "area", "--estimate", "yi", "--variance", "vi", *AUX, "--format", "json"
    )
    assert status == 0, err
    doc: dict[str, Any] = json.loads(out)
    rec = RECORDS["agencies"]
    model = doc["model"]
    assert model["sigma2_u"] == pytest.approx(rec["sigma2_u"], rel=1e-6)
    assert [c["term"] for c in model["coefficients"]] == [
        "(Intercept)",
        "leveldistrict",
        "levelprovince",
        "last_index",
        "counter_share",
    ]
    np.testing.assert_allclose([c["estimate"] for c in model["coefficients"]], rec["beta"], rtol=1e-6)
    assert [a["area"] for a in doc["areas"]] == rec["areas"]
    np.testing.assert_allclose([a["eblup"] for a in doc["areas"]], rec["eblup"], rtol=1e-6)
    np.testing.assert_allclose([a["mse"] for a in doc["areas"]], rec["mse"], rtol=1e-6)
    assert set(doc["areas"][0]) >= {"direct", "direct_variance", "eblup", "mse", "rmse", "cv", "gamma"}


def test_csv_and_text(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(
        capsys, AGENCIES, "--area", "area", "--estimate", "yi", "--variance", "vi", *AUX, "--format", "csv"
    )
    assert status == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 40 and rows[0]["area"] == "A01"
    assert float(rows[0]["eblup"]) == pytest.approx(RECORDS["agencies"]["eblup"][0], rel=1e-5)
    status, out, _ = run(capsys, AGENCIES, "--area", "area", "--estimate", "yi", "--variance", "vi", *AUX)
    assert status == 0
    assert out.startswith("model: Fay-Herriot, REML") and "sigma2_u 6.31156" in out
    assert "levelprovince" in out and "\nA40 " in out


def test_se_column_and_intercept_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with open(AGENCIES, newline="") as f:
        data = list(csv.DictReader(f))
    path = tmp_path / "se.csv"
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["area", "yi", "se"])
        w.writerows([r["area"], r["yi"], float(r["vi"]) ** 0.5] for r in data)
    status, out, err = run(
        capsys, str(path), "--area", "area", "--estimate", "yi", "--se", "se", "--format", "json"
    )
    assert status == 0, err
    doc = json.loads(out)
    assert doc["model"]["sigma2_u"] == pytest.approx(RECORDS["agencies_intercept"]["sigma2_u"], rel=1e-6)
    np.testing.assert_allclose(
        [a["mse"] for a in doc["areas"]], RECORDS["agencies_intercept"]["mse"], rtol=1e-6
    )


def test_factor_turns_numbers_into_levels(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "f.csv"
    path.write_text(
        "area,y,v,tier\n"
        + "".join(f"a{i},{50 + 3 * i + (i % 3)},{4 + i % 5},{1 + i % 3}\n" for i in range(12))
    )
    status, out, err = run(
        capsys,
        str(path),
        "--area",
        "area",
        "--estimate",
        "y",
        "--variance",
        "v",
        "--aux",
        "tier",
        "--factor",
        "tier",
        "--format",
        "json",
    )
    assert status == 0, err
    assert [c["term"] for c in json.loads(out)["model"]["coefficients"]] == ["(Intercept)", "tier2", "tier3"]


@pytest.mark.parametrize(
    ("body", "extra", "message"),
    [
        ("area,y,v\na,1,2\nb,2,0\nc,3,1\nd,4,2\n", (), "design variance of area 'b' is 0"),
        ("area,y,v\na,1,2\nb,2,-3\nc,3,1\nd,4,2\n", (), "design variance of area 'b' is -3"),
        ("area,y,v\na,1,2\nb,,1\nc,3,1\nd,4,2\n", (), "estimate 'y' has a missing value at data row 2"),
        ("area,y,v\na,1,2\nb,2,1\n", (), "2 areas are too few for REML"),
        ("area,y,v,x\na,1,2,1\nb,2,1,1\nc,3,1,1\nd,4,2,1\n", ("--aux", "x"), "'x' is a linear combination"),
        ("area,y,v\na,1,2\na,2,1\nc,3,1\nd,4,2\n", (), "area 'a' appears more than once"),
        ("area,y,v\na,1,2\nb,2,1\nc,3,1\nd,4,2\n", ("--aux", "nope"), "column 'nope' not found"),
        ("area,y,v\na,1,2\nb,2,1\nc,3,1\nd,4,2\n", ("--factor", "y"), "--factor 'y' is not one of the --aux"),
        ("area,y,v,x\na,1,2,p\nb,2,1,p\nc,3,1,p\nd,4,2,p\n", ("--aux", "x"), "single level 'p'"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str, extra: tuple[str, ...], message: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(body)
    status, out, err = run(capsys, str(path), "--area", "area", "--estimate", "y", "--variance", "v", *extra)
    assert status == 2 and out == ""
    assert message in err and err.count("\n") == 1


def test_negative_se_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("area,y,s\na,1,2\nb,2,-1\nc,3,1\nd,4,2\n")
    status, _, err = run(capsys, str(path), "--area", "area", "--estimate", "y", "--se", "s")
    assert status == 2 and "standard error of area 'b' is -1" in err


def test_no_intercept(capsys: pytest.CaptureFixture[str]) -> None:
    flat = str(HERE / "flat.csv")
    status, out, err = run(
        capsys,
        flat,
        "--area",
        "area",
        "--estimate",
        "yi",
        "--variance",
        "vi",
        "--aux",
        "x",
        "--no-intercept",
        "--format",
        "json",
    )
    assert status == 0, err
    terms = [c["term"] for c in json.loads(out)["model"]["coefficients"]]
    assert terms == ["x"]
