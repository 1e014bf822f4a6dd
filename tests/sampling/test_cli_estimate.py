"""``sipas estimate`` and ``sipas index`` end to end (api.cli.main), numbers checked against R fixtures."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from api.cli import main

DATA = Path(__file__).parent / "r_core" / "data"
FIXTURES: list[dict[str, Any]] = json.loads((Path(__file__).parent / "r_core" / "fixtures.json").read_text())


def fixture(**match: Any) -> dict[str, Any]:
    for rec in FIXTURES:
        if all(rec.get(k) == v for k, v in match.items()):
            return rec
    raise KeyError(match)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_json_matches_contract_and_r(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(
        capsys,
        "estimate",
        str(DATA / "apistrat.csv"),
        "--var",
        "api00",
        "--strata",
        "stype",
        "--weight",
        "pw",
        "--fpc",
        "fpc",
        "--format",
        "json",
    )
    assert status == 0, err
    doc = json.loads(out)
    assert doc["design"] == {
        "rows": 200,
        "strata": 3,
        "psus": 200,
        "df": 197,
        "weight": "pw",
        "calibration": None,
    }
    (e,) = doc["estimates"]
    assert list(e) == [
        "variable",
        "domain",
        "estimate",
        "se",
        "ci_low",
        "ci_high",
        "level",
        "ci_method",
        "df",
        "n",
        "deff",
        "n_eff",
        "cv",
        "flag",
    ]
    rec = fixture(design="dstrat", statistic="mean", variable="api00", domain=None, deff_mode=None)
    assert e["variable"] == "api00" and e["domain"] == {} and e["ci_method"] == "wald-t" and e["df"] == 197
    np.testing.assert_allclose(
        [e["estimate"], e["se"], e["ci_low"], e["ci_high"]],
        [rec["estimate"], rec["se"], rec["ci_low"], rec["ci_high"]],
        rtol=1e-8,
    )
    assert e["n"] == 200 and e["deff"] is None and e["flag"] is None
    assert e["cv"] == pytest.approx(rec["se"] / rec["estimate"], rel=1e-8)


def test_domains_deff_and_flag_reason(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(
        capsys,
        "estimate",
        str(DATA / "apiclus1.csv"),
        "--var",
        "api00",
        "--psu",
        "dnum",
        "--weight",
        "pw",
        "--fpc",
        "fpc",
        "--by",
        "stype",
        "--deff",
        "--format",
        "json",
    )
    assert status == 0
    doc = json.loads(out)
    by_level = {e["domain"]["stype"]: e for e in doc["estimates"]}
    for lev in ("E", "H", "M"):
        rec = fixture(
            design="dclus1", statistic="mean", variable="api00", domain={"stype": lev}, deff_mode="TRUE"
        )
        e = by_level[lev]
        np.testing.assert_allclose(
            [e["estimate"], e["se"], e["deff"]], [rec["estimate"], rec["se"], rec["deff"]], rtol=1e-8
        )
        assert e["df"] == rec["df"]
    assert by_level["H"]["flag"] == "suppress" and by_level["H"]["flag_reason"] == "sample size 14 < 30"
    assert "flag_reason" not in by_level["E"]


def _binary_csv(tmp_path: Path) -> Path:
    src = list(csv.DictReader((DATA / "apiclus1.csv").open()))
    path = tmp_path / "clus1.csv"
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["dnum", "pw", "fpc", "stype", "yes"])
        for r in src:
            w.writerow([r["dnum"], r["pw"], r["fpc"], r["stype"], int(r["sch.wide"] == "Yes")])
    return path


@pytest.mark.parametrize(
    ("ci", "r_method"),
    [("logit", "logit"), ("korn-graubard", "beta"), ("asin", "asin"), ("xlogit", "xlogit")],
)
def test_proportion_intervals_csv(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, ci: str, r_method: str
) -> None:
    path = _binary_csv(tmp_path)
    status, out, _ = run(
        capsys,
        "estimate",
        str(path),
        "--var",
        "yes",
        "--psu",
        "dnum",
        "--weight",
        "pw",
        "--fpc",
        "fpc",
        "--proportion",
        "--ci",
        ci,
        "--format",
        "csv",
    )
    assert status == 0
    (row,) = list(csv.DictReader(io.StringIO(out)))
    rec = fixture(design="dclus1", statistic="proportion", variable="yes", domain=None, ci_method=r_method)
    np.testing.assert_allclose(
        [float(row[k]) for k in ("estimate", "se", "ci_low", "ci_high")],
        [rec["estimate"], rec["se"], rec["ci_low"], rec["ci_high"]],
        rtol=1e-5,
    )
    assert row["ci_method"] == ci and row["df"] == "14"


def test_table_format_has_header_and_rows(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(
        capsys,
        "estimate",
        str(DATA / "apiclus1.csv"),
        "--var",
        "enroll",
        "--total",
        "--psu",
        "dnum",
        "--weight",
        "pw",
        "--fpc",
        "fpc",
    )
    assert status == 0
    lines = out.splitlines()
    assert lines[0].startswith("design: 183 rows, 1 strata, 15 PSUs, df 14")
    assert lines[1].split()[:4] == ["variable", "domain", "estimate", "se"]
    rec = fixture(design="dclus1", statistic="total", variable="enroll", domain=None, deff_mode=None)
    assert float(lines[2].split()[2]) == pytest.approx(rec["estimate"], rel=1e-5)


def test_calibrate_poststratify_matches_r(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    targets = tmp_path / "targets.json"
    targets.write_text(
        json.dumps({"method": "poststratify", "margins": {"stype": {"E": 4421, "H": 755, "M": 1018}}})
    )
    status, out, err = run(
        capsys,
        "estimate",
        str(DATA / "apiclus1.csv"),
        "--var",
        "api00",
        "--psu",
        "dnum",
        "--weight",
        "pw",
        "--fpc",
        "fpc",
        "--calibrate",
        str(targets),
        "--format",
        "json",
    )
    assert status == 0, err
    doc = json.loads(out)
    assert doc["design"]["calibration"]
    rec = fixture(design="dclus1_ps", statistic="mean", variable="api00")
    e = doc["estimates"][0]
    np.testing.assert_allclose([e["estimate"], e["se"]], [rec["estimate"], rec["se"]], rtol=1e-8)


# ---- user mistakes: exit 2 and one line on stderr ------------------------------------------------------


def _assert_usage(status: int, out: str, err: str, *fragments: str) -> None:
    assert status == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("error: ")
    for f in fragments:
        assert f in err


def test_missing_column(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "estimate", str(DATA / "apistrat.csv"), "--var", "nope", "--weight", "pw")
    _assert_usage(status, out, err, "'nope'", "not found")


def test_non_numeric_value_names_column_and_row(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("y,w\n1,2\n3,2\nabc,2\n")
    status, out, err = run(capsys, "estimate", str(path), "--var", "y", "--weight", "w")
    _assert_usage(status, out, err, "'y'", "'abc'", "data row 3")


def test_missing_weight(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "w.csv"
    path.write_text("y,w\n1,2\n3,\n4,2\n")
    status, out, err = run(capsys, "estimate", str(path), "--var", "y", "--weight", "w")
    _assert_usage(status, out, err, "weight 'w'", "missing value", "data row 2")


def test_negative_weight_and_bad_options(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "w.csv"
    path.write_text("y,w\n1,2\n3,-1\n4,2\n")
    _assert_usage(*run(capsys, "estimate", str(path), "--var", "y", "--weight", "w"), "negative")
    _assert_usage(*run(capsys, "estimate", str(path), "--var", "y", "--df", "zero"), "--df")
    _assert_usage(*run(capsys, "estimate", str(path), "--var", "y", "--ci", "logit"), "--proportion")
    _assert_usage(*run(capsys, "estimate", str(path), "--var", "y", "--proportion"), "0/1")


def test_all_zero_weights_are_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # R answers NaN for every estimate; exit 0 with a blank estimate read as success
    path = tmp_path / "zero.csv"
    path.write_text("y,w,g\n1,0,a\n2,0,a\n3,0,b\n4,0,b\n")
    for extra in ([], ["--format", "json"], ["--total", "--by", "g"]):
        status, out, err = run(capsys, "estimate", str(path), "--var", "y", "--weight", "w", *extra)
        _assert_usage(status, out, err, "weight 'w'", "0 in every row")
    mapping = tmp_path / "el.json"
    mapping.write_text(json.dumps({"E": ["y"]}))
    status, out, err = run(capsys, "index", str(path), "--elements", str(mapping), "--weight", "w")
    _assert_usage(status, out, err, "weight 'w'", "0 in every row")


def test_some_zero_weights_are_kept_as_r_does(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # R: rows with weight 0 count for nothing; a domain whose weights are all 0 gets NaN (svyby), the
    # other domains their estimates
    path = tmp_path / "some.csv"
    path.write_text("y,w,g\n1,1,a\n5,0,a\n3,1,a\n2,0,b\n4,0,b\n")
    status, out, err = run(capsys, "estimate", str(path), "--var", "y", "--weight", "w", "--format", "json")
    assert status == 0, err
    assert json.loads(out)["estimates"][0]["estimate"] == pytest.approx(2.0)
    status, out, err = run(
        capsys, "estimate", str(path), "--var", "y", "--weight", "w", "--by", "g", "--format", "json"
    )
    assert status == 0, err
    by = {e["domain"]["g"]: e["estimate"] for e in json.loads(out)["estimates"]}
    assert by == {"a": pytest.approx(2.0), "b": None}


def test_non_finite_weights_are_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "inf.csv"
    path.write_text("y,w\n1,1\n2,inf\n")
    _assert_usage(*run(capsys, "estimate", str(path), "--var", "y", "--weight", "w"), "infinite", "row 2")
    path.write_text("y,w\n1,1\n2,NaN\n")
    _assert_usage(*run(capsys, "estimate", str(path), "--var", "y", "--weight", "w"), "missing", "row 2")
    parquet = tmp_path / "nan.parquet"
    pq.write_table(pa.table({"y": [1.0, 2.0], "w": [1.0, float("nan")]}), parquet)
    _assert_usage(*run(capsys, "estimate", str(parquet), "--var", "y", "--weight", "w"), "missing", "row 2")


def test_duplicated_column_name_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # Arrow took the first of the two 'w' columns without a word
    path = tmp_path / "dup.csv"
    path.write_text("y,w,g,w\n1,1,a,5\n2,1,b,6\n3,1,b,7\n")
    status, out, err = run(capsys, "estimate", str(path), "--var", "y", "--weight", "w")
    _assert_usage(status, out, err, "column 'w' appears 2 times", str(path))
    status, out, err = run(capsys, "index", str(path), "--elements", str(_mapping(tmp_path)), "--weight", "w")
    _assert_usage(status, out, err, "column 'w' appears 2 times")
    # a repeated column that the command does not read is no ambiguity
    status, out, err = run(capsys, "estimate", str(path), "--var", "y", "--format", "json")
    assert status == 0, err
    assert json.loads(out)["estimates"][0]["estimate"] == pytest.approx(2.0)


def _mapping(tmp_path: Path) -> Path:
    mapping = tmp_path / "map.json"
    mapping.write_text(json.dumps({"E": ["y"]}))
    return mapping


def test_user_mistakes_as_users_run_the_command(tmp_path: Path) -> None:
    """``python -m api.cli`` in a process of its own: exit status 2, one line on stderr, no traceback."""
    import subprocess
    import sys

    zero = tmp_path / "zero.csv"
    zero.write_text("y,w\n1,0\n2,0\n")
    dup = tmp_path / "dup.csv"
    dup.write_text("y,w,w\n1,1,2\n2,1,2\n")
    for argv in (
        ["estimate", str(zero), "--var", "y", "--weight", "w"],
        ["draw", str(dup), "--n", "1", "--seed", "1", "--out", str(tmp_path / "s.csv")],
    ):
        result = subprocess.run(
            [sys.executable, "-m", "api.cli", *argv],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=Path(__file__).resolve().parents[2],
        )
        assert result.returncode == 2 and result.stdout == ""
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: "), result.stderr
    assert not (tmp_path / "s.csv").exists()


def test_csv_output_quotes_labels_a_spreadsheet_would_run(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # domain labels come from the user's file; numbers (a domain coded -1, a negative bound) stay numbers
    path = tmp_path / "labels.csv"
    link, total = '"=HYPERLINK(""http://x"")"', "@SUM(A1)"
    values = [1, -5, 2, -6, 3, -7, 1, 2, 3, 4, 5, 6]
    rows = [f"{y},{link if i % 2 else total},{-1 if i < 6 else 1}" for i, y in enumerate(values)]
    path.write_text("y,g,h\n" + "\n".join(rows) + "\n")
    status, out, err = run(capsys, "estimate", str(path), "--var", "y", "--by", "g", "--format", "csv")
    assert status == 0, err
    got = list(csv.DictReader(io.StringIO(out)))
    assert [r["g"] for r in got] == ['\'=HYPERLINK("http://x")', "'@SUM(A1)"]
    assert float(got[0]["estimate"]) < 0 and not got[0]["estimate"].startswith("'")
    status, out, err = run(capsys, "estimate", str(path), "--var", "y", "--by", "h", "--format", "csv")
    assert status == 0, err
    got = list(csv.DictReader(io.StringIO(out)))
    assert [r["h"] for r in got] == ["-1", "1"]
    assert all(not v.startswith("'") for r in got for v in r.values())


def test_lonely_psu_message(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "l.csv"
    path.write_text("y,h\n1,a\n2,a\n3,b\n")
    _assert_usage(*run(capsys, "estimate", str(path), "--var", "y", "--strata", "h"), "only one PSU")
    status, out, _ = run(
        capsys,
        "estimate",
        str(path),
        "--var",
        "y",
        "--strata",
        "h",
        "--lonely-psu",
        "certainty",
        "--format",
        "json",
    )
    assert status == 0 and json.loads(out)["estimates"][0]["estimate"] == pytest.approx(2.0)


def test_parquet_input(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    path = tmp_path / "apistrat.parquet"
    pq.write_table(pacsv.read_csv(DATA / "apistrat.csv"), path)
    status, out, _ = run(
        capsys,
        "estimate",
        str(path),
        "--var",
        "api00",
        "--strata",
        "stype",
        "--weight",
        "pw",
        "--fpc",
        "fpc",
        "--format",
        "json",
    )
    assert status == 0
    assert json.loads(out)["estimates"][0]["se"] == pytest.approx(9.40894080278458, rel=1e-8)


# ---- sipas index -----------------------------------------------------------------------------------------


def _index_csv(tmp_path: Path) -> Path:
    # Four rows, equal weights, each its own PSU: shares are plain fractions checked by hand below.
    path = tmp_path / "idx.csv"
    path.write_text("q1,q2,q3,g\n5,4,0,a\n4,2,5,a\n1,0,4,b\n2,5,1,b\n")
    return path


def test_index_with_elements_mapping_hand_calculation(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    mapping = tmp_path / "el.json"
    mapping.write_text(json.dumps({"E1": ["q1", "q2"], "E2": ["q3"]}))
    status, out, err = run(
        capsys,
        "index",
        str(_index_csv(tmp_path)),
        "--elements",
        str(mapping),
        "--rule",
        "none",
        "--format",
        "json",
    )
    assert status == 0, err
    doc = json.loads(out)
    crit = {e["variable"]: e for e in doc["criteria"]}
    # q1: 5,4,1,2 -> 2/4; q2: 4,2,(DK),5 -> 2/3; q3: (DK),5,4,1 -> 2/3
    assert crit["q1"]["estimate"] == pytest.approx(50.0)
    assert crit["q2"]["estimate"] == pytest.approx(200 / 3)
    assert crit["q2"]["n"] == 3
    idx = {e["variable"]: e for e in doc["indices"]}
    assert idx["E1"]["estimate"] == pytest.approx((50 + 200 / 3) / 2)
    assert idx["SIPAS"]["estimate"] == pytest.approx((50 + 200 / 3 + 200 / 3) / 3)
    dk = {d["criterion"]: d["count"] for d in doc["dont_know"]}
    assert dk == {"q1": 0, "q2": 1, "q3": 1}
    assert doc["measure"] == "top-two-box share, %"


def test_index_with_questionnaire_template(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    pytest.importorskip("survey_engine.questionnaire")
    from survey_engine.questionnaire import get_template, index_structure

    s = index_structure(get_template("sipas-2017"))
    codes = [c["code"] for c in s["criteria"]]
    rng = np.random.default_rng(3)
    path = tmp_path / "s17.csv"
    answers = rng.integers(1, 6, size=(60, len(codes)))
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(codes)
        w.writerows(answers.tolist())
    status, out, err = run(capsys, "index", str(path), "--questionnaire", "sipas-2017", "--format", "json")
    assert status == 0, err
    doc = json.loads(out)
    assert len(doc["criteria"]) == 22
    names = [e["variable"] for e in doc["indices"]]
    assert names == [e["code"] for e in s["elements"]] + ["SIPAS"]
    overall = doc["indices"][-1]["estimate"]
    assert overall == pytest.approx(100 * np.mean(answers >= 4), rel=1e-12)


def test_index_missing_criterion_column(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    mapping = tmp_path / "el.json"
    mapping.write_text(json.dumps({"E1": ["q1", "q9"]}))
    _assert_usage(*run(capsys, "index", str(_index_csv(tmp_path)), "--elements", str(mapping)), "'q9'")


def test_help_lists_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["estimate", "--help"])
    out = capsys.readouterr().out
    for opt in (
        "--var",
        "--by",
        "--weight",
        "--strata",
        "--psu",
        "--fpc",
        "--lonely-psu",
        "--total",
        "--proportion",
        "--ci",
        "--df",
        "--level",
        "--calibrate",
        "--deff",
        "--format",
    ):
        assert opt in out


def test_two_stage_design_options_match_r(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(
        capsys,
        "estimate",
        str(DATA / "apiclus2.csv"),
        "--var",
        "api00",
        "--psu",
        "dnum",
        "--ssu",
        "snum",
        "--fpc",
        "fpc1",
        "--fpc2",
        "fpc2",
        "--format",
        "json",
    )
    assert status == 0, err
    rec = fixture(design="dclus2", statistic="mean", variable="api00", domain=None, deff_mode=None)
    e = json.loads(out)["estimates"][0]
    np.testing.assert_allclose([e["estimate"], e["se"]], [rec["estimate"], rec["se"]], rtol=1e-8)


def test_index_with_the_2025_template(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """`--questionnaire sipas-2025` takes the published questionnaire's 39 criteria and its elements."""
    from survey_engine.questionnaire import get_template, index_structure

    s = index_structure(get_template("sipas-2025"))
    codes = [c["code"] for c in s["criteria"]]
    rng = np.random.default_rng(25)
    path = tmp_path / "s25.csv"
    answers = rng.integers(1, 6, size=(80, len(codes)))
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(codes)
        w.writerows(answers.tolist())
    status, out, err = run(capsys, "index", str(path), "--questionnaire", "sipas-2025", "--format", "json")
    assert status == 0, err
    doc = json.loads(out)
    assert len(doc["criteria"]) == 39
    assert [e["variable"] for e in doc["indices"]][-1] == "SIPAS"


def test_index_interval_option(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """`--index-ci` chooses the indices' interval: logit by default (inside 0-100), wald on request."""
    mapping = tmp_path / "el.json"
    mapping.write_text(json.dumps({"E1": ["q1", "q2"], "E2": ["q3"]}))
    data = str(_index_csv(tmp_path))
    docs = {}
    for option in ("logit", "wald"):
        status, out, err = run(
            capsys, "index", data, "--elements", str(mapping), "--index-ci", option, "--format", "json"
        )
        assert status == 0, err
        docs[option] = json.loads(out)
    for lo, wa in zip(docs["logit"]["indices"], docs["wald"]["indices"], strict=True):
        assert lo["ci_method"].startswith("logit-") and wa["ci_method"].startswith("wald-")
        assert lo["estimate"] == wa["estimate"] and 0 <= lo["ci_low"] <= lo["ci_high"] <= 100
    _assert_usage(
        *run(capsys, "index", data, "--elements", str(mapping), "--index-ci", "normal"), "--index-ci"
    )
