"""`sipas estimate` with quantile intervals, ratios, non-linear contrasts, replicate weights and --na-rm
(issue #13 item 5): the command prints the numbers of tests/sampling/r_extra/fixtures.json (R)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from api.cli import main
from tests.sampling.test_r_extra import of

DATA = Path(__file__).parent / "r_core" / "data"
CLUS1 = ["--psu", "dnum", "--weight", "pw", "--fpc", "fpc"]
STRAT = ["--strata", "stype", "--weight", "pw", "--fpc", "fpc"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out = capsys.readouterr()
    return status, out.out, out.err


def estimates(capsys: pytest.CaptureFixture[str], *argv: str) -> list[dict[str, Any]]:
    status, out, err = run(capsys, "estimate", *argv, "--format", "json")
    assert status == 0, err
    return list(json.loads(out)["estimates"])


def one(rec_case: str, **match: Any) -> dict[str, Any]:
    (rec,) = [r for r in of(rec_case) if all(r.get(k) == v for k, v in match.items())]
    return rec


def close(got: dict[str, Any], rec: dict[str, Any], fields: tuple[str, ...], rel: float) -> None:
    np.testing.assert_allclose([got[f] for f in fields], [rec[f] for f in fields], rtol=rel)


def test_score_and_beta_quantile_intervals(capsys: pytest.CaptureFixture[str]) -> None:
    for interval, qrule in (("score", "math"), ("beta", "hf7")):
        rec = one(
            "quantile_interval",
            design="dclus1",
            variable="api00",
            interval=interval,
            qrule=qrule,
            p=0.5,
            domain=None,
        )
        (got,) = estimates(
            capsys,
            str(DATA / "apiclus1.csv"),
            "--var",
            "api00",
            *CLUS1,
            "--quantile",
            "0.5",
            "--quantile-ci",
            interval,
            "--qrule",
            qrule,
        )
        close(got, rec, ("estimate", "ci_low", "ci_high", "se"), 1e-6)
        assert got["ci_method"] == {"score": "score", "beta": "woodruff-beta"}[interval]


def test_nonlinear_contrast_on_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    rec = one("nonlinear", design="dstrat", statistic="total", expression="log(api00/api99)")
    got = estimates(
        capsys,
        str(DATA / "apistrat.csv"),
        "--var",
        "api00",
        "--var",
        "api99",
        "--total",
        *STRAT,
        "--contrast",
        "log(api00/api99)",
    )
    (contrast,) = [e for e in got if e["variable"] == "log(api00/api99)"]
    close(contrast, rec, ("estimate", "se"), 1e-8)
    by = estimates(
        capsys,
        str(DATA / "apiclus1.csv"),
        "--var",
        "api00",
        "--var",
        "api99",
        *CLUS1,
        "--by",
        "stype",
        "--contrast",
        "log(api00/api99)",
    )
    for rec in of("nonlinear_domain"):
        (e,) = [e for e in by if e["variable"] == "log(api00/api99)" and e["domain"] == rec["domain"]]
        close(e, rec, ("estimate", "se"), 1e-8)


def test_replicate_ratios_means_and_quantiles(capsys: pytest.CaptureFixture[str]) -> None:
    base = [str(DATA / "apiclus1.csv"), *CLUS1, "--replicates", "JK1"]
    got = estimates(capsys, *base, "--var", "api00", "--ratio-to", "api99", "--by", "stype")
    for e in got:
        rec = one("rep_ratio", design="dclus1_jk1", domain=e["domain"])
        close(e, rec, ("estimate", "se"), 1e-8)
    (whole,) = estimates(capsys, *base, "--var", "api00", "--ratio-to", "api99")
    close(whole, one("rep_ratio", design="dclus1_jk1", domain=None), ("estimate", "se"), 1e-8)
    rec = one("rep_quantile", design="dclus1_jk1", domain=None, interval="quantile", qrule="hf7")
    got = estimates(
        capsys,
        *base,
        "--var",
        "api00",
        "--qrule",
        "hf7",
        "--quantile-ci",
        "quantile",
        *[a for p in rec["probs"] for a in ("--quantile", str(p))],
    )
    for field in ("estimate", "ci_low", "ci_high", "se"):
        np.testing.assert_allclose([e[field] for e in got], rec[field], rtol=1e-6)
    assert {e["df"] for e in got} == {rec["df"]}


def test_na_rm_with_replicates(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rows = list(csv.DictReader((DATA / "apistrat.csv").open(encoding="utf-8")))
    for r in rows:
        r["api00_na"] = "" if int(r["snum"]) % 7 == 0 else r["api00"]
    path = tmp_path / "apistrat_na.csv"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    base = [str(path), *STRAT, "--replicates", "JKn", "--na-rm", "--var", "api00_na"]
    (mean,) = estimates(capsys, *base)
    close(mean, one("rep_mean_na", design="dstrat_jkn", domain=None), ("estimate", "se"), 1e-8)
    (total,) = estimates(capsys, *base, "--total")
    close(total, one("rep_total_na", design="dstrat_jkn", domain=None), ("estimate", "se"), 1e-8)
    rec = one("rep_quantile_na", design="dstrat_jkn", domain=None)
    got = estimates(capsys, *base, "--quantile", "0.25", "--quantile", "0.5")
    np.testing.assert_allclose([e["estimate"] for e in got], rec["estimate"], rtol=1e-6)
    np.testing.assert_allclose([e["se"] for e in got], rec["se"], rtol=1e-6)
    status, _, err = run(capsys, "estimate", str(path), *STRAT, "--replicates", "JKn", "--var", "api00_na")
    assert status == 2 and "na_rm" in err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--contrast", "__import__('os').system('id')"], "only the functions log, exp, sqrt"),
        (["--contrast", "log(api00/nothing)"], "unknown name(s) in the expression: nothing"),
        (["--quantile", "1.5"], "--quantile must be in [0, 1]"),
        (["--quantile-ci", "score"], "--quantile-ci applies to --quantile only"),
        (["--quantile", "0.5", "--quantile-ci", "quantile"], "needs --replicates"),
        (["--quantile", "0.5", "--contrast", "api00"], "not to --quantile"),
        (["--replicates", "JK1", "--contrast", "api00"], "no --contrast"),
        (["--ratio-to", "nothing"], "nothing"),
    ],
)
def test_bad_options_are_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    status, out, err = run(capsys, "estimate", str(DATA / "apiclus1.csv"), "--var", "api00", *CLUS1, *extra)
    assert status == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1


def test_replicate_domains_need_a_value_in_every_row(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    rows = list(csv.DictReader((DATA / "apiclus1.csv").open(encoding="utf-8")))
    rows[3]["stype"] = ""
    path = tmp_path / "missing_domain.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    status, out, err = run(
        capsys, "estimate", str(path), "--var", "api00", *CLUS1, "--replicates", "JK1", "--by", "stype"
    )
    assert status == 2 and out == ""
    assert "missing value at data row 4 (--replicates needs a domain value in every row)" in err
