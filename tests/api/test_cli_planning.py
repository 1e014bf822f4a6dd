"""`sipas sample-size | allocate | draw | weights`: numbers, files written, one-line errors with exit 2."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from api.cli import main
from tests.sampling.r_weighting import DATA, fixtures


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def assert_usage_error(status: int, err: str, needle: str) -> None:
    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert needle in lines[0]
    assert "Traceback" not in err


# ---------------------------------------------------------------- sample-size


def test_sample_size_json(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(
        [
            "sample-size",
            "--margin",
            "0.05",
            "--deff",
            "1.5",
            "--population",
            "2000",
            "--response-rate",
            "0.8",
            "--format",
            "json",
        ],
        capsys,
    )
    assert status == 0
    doc = json.loads(out)
    assert doc["n"] == 560
    assert doc["n_unrounded"] == pytest.approx(559.3882138621, rel=1e-9)
    assert doc["steps"][0]["step"] == "simple random sample"
    assert doc["steps"][0]["value"] == pytest.approx(384.1458820694, rel=1e-9)


def test_sample_size_table_and_slovin(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["sample-size", "--margin", "0.05"], capsys)
    assert status == 0 and out.strip().endswith("n = 385")
    status, out, _ = run(
        ["sample-size", "--margin", "0.05", "--population", "2000", "--method", "slovin", "--format", "csv"],
        capsys,
    )
    assert status == 0
    rows = list(csv.DictReader(out.splitlines()))
    assert rows[0]["step"] == "Slovin (legacy MoHA rule)"
    assert float(rows[-1]["value"]) == 334


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["sample-size", "--margin", "1.5"], "margin"),
        (["sample-size", "--margin", "abc"], "expected a number"),
        (["sample-size", "--margin", "0.05", "--method", "slovin"], "--population"),
        (["sample-size", "--margin", "0.05", "--response-rate", "0"], "response_rate"),
    ],
)
def test_sample_size_errors(argv: list[str], needle: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(argv, capsys)
    assert_usage_error(status, err, needle)


# ---------------------------------------------------------------- allocate


@pytest.fixture
def summary(tmp_path: Path) -> Path:
    p = tmp_path / "summary.csv"
    p.write_text("stratum,N,S,cost\nA,1000,1,1\nB,200,5,1\nC,50,4,4\n", encoding="utf-8")
    return p


def test_allocate_neyman_with_caps(summary: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_file = tmp_path / "alloc.csv"
    status, out, _ = run(
        [
            "allocate",
            str(summary),
            "--stratum",
            "stratum",
            "--size",
            "N",
            "--sd",
            "S",
            "--n",
            "600",
            "--method",
            "neyman",
            "--format",
            "json",
            "--out",
            str(out_file),
        ],
        capsys,
    )
    assert status == 0
    doc = json.loads(out)
    assert [r["n"] for r in doc["strata"]] == [350, 200, 50]
    assert [r["bound"] for r in doc["strata"]] == ["", "max", "max"]
    assert [(r["stratum"], r["n"]) for r in read_csv(out_file)] == [("A", "350"), ("B", "200"), ("C", "50")]


def test_allocate_proportional_min_table(summary: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(
        [
            "allocate",
            str(summary),
            "--stratum",
            "stratum",
            "--size",
            "N",
            "--n",
            "100",
            "--min",
            "10",
            "--format",
            "csv",
        ],
        capsys,
    )
    assert status == 0
    rows = list(csv.DictReader(out.splitlines()))
    # 10 for C (floor), the other 90 ∝ (1000, 200): 75, 15.
    assert [int(r["n"]) for r in rows] == [75, 15, 10]
    status, out, _ = run(
        [
            "allocate",
            str(summary),
            "--stratum",
            "stratum",
            "--size",
            "N",
            "--n",
            "100",
            "--method",
            "power",
            "--power-q",
            "0",
        ],
        capsys,
    )
    assert status == 0 and "34" in out


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--stratum", "nope", "--size", "N", "--n", "5"], "'nope'"),
        (["--stratum", "stratum", "--size", "N", "--n", "5", "--method", "neyman"], "--sd"),
        (["--stratum", "stratum", "--size", "N", "--n", "5000"], "exceeds"),
        (["--stratum", "stratum", "--size", "N", "--n", "5", "--min", "3"], "minimum"),
        (["--stratum", "stratum", "--size", "stratum", "--n", "5"], "non-numeric"),
        (["--stratum", "stratum", "--size", "N", "--n", "-1"], "non-negative"),
    ],
)
def test_allocate_errors(
    summary: Path, extra: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run(["allocate", str(summary), *extra], capsys)
    assert_usage_error(status, err, needle)


# ---------------------------------------------------------------- draw


@pytest.fixture
def frame(tmp_path: Path) -> Path:
    p = tmp_path / "frame.csv"
    shutil.copy(DATA / "apipop.csv", p)
    return p


def test_draw_stratified_srs(frame: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    alloc = tmp_path / "alloc.csv"
    alloc.write_text("stype,n\nE,100\nH,50\nM,50\n", encoding="utf-8")
    out = tmp_path / "sample.csv"
    argv = [
        "draw",
        str(frame),
        "--strata",
        "stype",
        "--allocation",
        str(alloc),
        "--seed",
        "42",
        "--out",
        str(out),
        "--format",
        "json",
    ]
    status, stdout, _ = run(argv, capsys)
    assert status == 0
    doc = json.loads(stdout)
    assert doc["selected"] == 200 and doc["seed"] == 42
    rows = read_csv(out)
    assert len(rows) == 200
    pop = {"E": 4421, "H": 755, "M": 1018}
    n = {"E": 100, "H": 50, "M": 50}
    for r in rows:
        assert float(r["inclusion_probability"]) == pytest.approx(n[r["stype"]] / pop[r["stype"]])
        assert float(r["base_weight"]) == pytest.approx(pop[r["stype"]] / n[r["stype"]])
    # Identifiers keep their leading zeros.
    assert all(len(r["cds"]) == 14 for r in rows)
    assert sum(float(r["base_weight"]) for r in rows) == pytest.approx(6194)
    # Same seed, same sample.
    out2 = tmp_path / "again.csv"
    argv[argv.index(str(out))] = str(out2)
    run(argv, capsys)
    assert [r["cds"] for r in read_csv(out2)] == [r["cds"] for r in rows]


def test_draw_pps_and_systematic(frame: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "pps.csv"
    status, _, _ = run(
        [
            "draw",
            str(frame),
            "--n",
            "50",
            "--method",
            "pps",
            "--size",
            "api00",
            "--seed",
            "7",
            "--out",
            str(out),
        ],
        capsys,
    )
    assert status == 0
    rows = read_csv(out)
    api00 = np.array([float(r["api00"]) for r in read_csv(frame)])
    assert len(rows) == 50
    for r in rows:
        assert float(r["inclusion_probability"]) == pytest.approx(50 * float(r["api00"]) / api00.sum())
        assert r["certainty"] == "false"
    out = tmp_path / "sys.csv"
    status, stdout, _ = run(
        [
            "draw",
            str(frame),
            "--n",
            "100",
            "--strata",
            "stype",
            "--method",
            "systematic",
            "--seed",
            "7",
            "--out",
            str(out),
            "--format",
            "csv",
        ],
        capsys,
    )
    assert status == 0
    counts = {r["stratum"]: int(r["n"]) for r in csv.DictReader(stdout.splitlines())}
    assert counts == {"E": 71, "H": 12, "M": 17}  # proportional with largest remainder: 71.4, 12.2, 16.4


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--n", "5", "--out", "x.csv"], "--seed"),
        (["--n", "5", "--seed", "1", "--out", "x.csv", "--strata", "nope"], "'nope'"),
        (["--n", "5", "--seed", "1", "--out", "x.csv", "--method", "pps"], "--size"),
        (
            ["--n", "5", "--seed", "1", "--out", "x.csv", "--method", "pps", "--size", "enroll"],
            "missing value",
        ),
        (["--n", "99999", "--seed", "1", "--out", "x.csv"], "exceeds"),
        (["--seed", "1", "--out", "x.csv"], "--n"),
    ],
)
def test_draw_errors(
    frame: Path,
    extra: list[str],
    needle: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    status, _, err = run(["draw", str(frame), *extra], capsys)
    assert_usage_error(status, err, needle)


# ---------------------------------------------------------------- weights


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    p = tmp_path / "apiclus1.csv"
    shutil.copy(DATA / "apiclus1.csv", p)
    return p


def test_weights_rake_matches_r(sample: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    targets = tmp_path / "t.json"
    targets.write_text(
        json.dumps(
            {
                "method": "rake",
                "margins": {"stype": {"E": 4421, "H": 755, "M": 1018}, "sch.wide": {"No": 1072, "Yes": 5122}},
            }
        ),
        encoding="utf-8",
    )
    out = tmp_path / "w.csv"
    report = tmp_path / "r.json"
    status, stdout, _ = run(
        [
            "weights",
            str(sample),
            "--base-weight",
            "pw",
            "--calibrate",
            str(targets),
            "--out",
            str(out),
            "--report-json",
            str(report),
            "--format",
            "json",
        ],
        capsys,
    )
    assert status == 0
    w = np.array([float(r["weight"]) for r in read_csv(out)])
    assert w == pytest.approx(np.asarray(fixtures()["rake"]["weights"]), rel=1e-12)
    doc = json.loads(report.read_text(encoding="utf-8"))
    assert doc["calibration"]["method"] == "rake" and doc["calibration"]["converged"] is True
    assert json.loads(stdout)["calibration"]["iterations"] == doc["calibration"]["iterations"]


def test_weights_nonresponse_calibration_trim(
    sample: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    targets = tmp_path / "t.json"
    targets.write_text(
        json.dumps({"method": "poststratify", "margins": {"stype": {"E": 4421, "H": 755, "M": 1018}}}),
        encoding="utf-8",
    )
    out = tmp_path / "w.csv"
    report = tmp_path / "r.json"
    status, stdout, _ = run(
        [
            "weights",
            str(sample),
            "--base-weight",
            "pw",
            "--nonresponse-class",
            "stype",
            "--responded",
            "both",
            "--calibrate",
            str(targets),
            "--trim-max",
            "120",
            "--out",
            str(out),
            "--report-json",
            str(report),
        ],
        capsys,
    )
    assert status == 0
    rows = read_csv(out)
    w = np.array([float(r["weight"]) for r in rows])
    resp = np.array([r["both"] == "Yes" for r in rows])
    assert np.all(w[~resp] == 0)
    assert w.sum() == pytest.approx(6194)
    assert w.max() <= 120 + 1e-9
    doc = json.loads(report.read_text(encoding="utf-8"))
    classes = {c["label"]: c for c in doc["nonresponse"]["classes"]}
    stype = np.array([r["stype"] for r in rows])
    for lv in ("E", "H", "M"):
        assert classes[lv]["respondents"] == int((resp & (stype == lv)).sum())
        assert classes[lv]["response_rate"] == pytest.approx(
            (resp & (stype == lv)).sum() / (stype == lv).sum()
        )
    assert [s["step"] for s in doc["steps"]] == ["base", "nonresponse", "calibration", "trim"]
    assert doc["trim"]["weighting_effect_after"] <= doc["trim"]["weighting_effect_before"]
    assert "weighting_effect" in stdout


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--base-weight", "nope"], "'nope'"),
        (["--base-weight", "stype"], "non-numeric"),
        (["--base-weight", "pw", "--responded", "stype"], "0/1 or yes/no"),
        (["--base-weight", "pw", "--nonresponse-class", "stype"], "--responded"),
        (["--base-weight", "pw", "--calibrate", "missing.json"], "not found"),
        (["--base-weight", "pw", "--calibrate", "bad.json"], "not valid JSON"),
        (["--base-weight", "pw", "--calibrate", "wrong_level.json"], "'X'"),
        (["--base-weight", "pw", "--calibrate", "wrong_col.json"], "'zz'"),
        (["--base-weight", "pw", "--trim-max", "1"], "every weight"),
    ],
)
def test_weights_errors(
    sample: Path,
    tmp_path: Path,
    extra: list[str],
    needle: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "wrong_level.json").write_text(
        json.dumps({"method": "poststratify", "margins": {"stype": {"E": 1, "H": 1, "M": 1, "X": 5}}}),
        encoding="utf-8",
    )
    (tmp_path / "wrong_col.json").write_text(
        json.dumps({"method": "rake", "margins": {"zz": {"a": 1}}}), encoding="utf-8"
    )
    status, _, err = run(["weights", str(sample), *extra, "--out", "w.csv"], capsys)
    assert_usage_error(status, err, needle)


# ---------------------------------------------------------------- shared reader


def test_a_column_named_twice_is_refused_by_every_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # draw and weights copy every column to their output and read the whole file; allocate reads two
    monkeypatch.chdir(tmp_path)
    frame = tmp_path / "frame.csv"
    frame.write_text("id,h,size,h\n1,a,10,x\n2,a,20,y\n3,b,30,x\n4,b,40,y\n", encoding="utf-8")
    for argv in (
        ["draw", str(frame), "--n", "2", "--seed", "1", "--out", "s.csv"],
        ["weights", str(frame), "--base-weight", "size", "--out", "w.csv"],
        ["allocate", str(frame), "--stratum", "h", "--size", "size", "--n", "2"],
    ):
        status, out, err = run(argv, capsys)
        assert_usage_error(status, err, "column 'h' appears 2 times")
        assert out == ""
    assert not (tmp_path / "s.csv").exists() and not (tmp_path / "w.csv").exists()


def test_csv_report_quotes_stratum_labels_a_spreadsheet_would_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    summary = tmp_path / "summary.csv"
    summary.write_text('stratum,N\n"=HYPERLINK(""http://x"")",100\n-1,200\n', encoding="utf-8")
    status, out, err = run(
        ["allocate", str(summary), "--stratum", "stratum", "--size", "N", "--n", "30", "--format", "csv"],
        capsys,
    )
    assert status == 0, err
    rows = list(csv.DictReader(out.splitlines()))
    assert [(r["stratum"], r["n"]) for r in rows] == [('\'=HYPERLINK("http://x")', "10"), ("-1", "20")]
