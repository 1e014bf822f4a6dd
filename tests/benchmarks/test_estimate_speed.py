"""Speed and memory of estimation on a SIPAS-sized survey (``make bench``; not part of ``make test``).

Job: top-two-box proportions of 22 criteria in each of 40 agencies (880 estimates) with linearisation SEs
and Korn–Graubard intervals, design = 63 province strata × 756 service-point PSUs, unequal weights.

Figures are printed as ratios against a baseline measured in the same run (a bare weighted-share pass:
22 ``np.bincount`` calls giving point estimates only), so they compare across machines.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import textwrap
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from sampling import Design, Domains, estimate_proportions
from tests.benchmarks.sipas_data import N_AGENCIES, SipasData, make_sipas

GB = 1024**3
ROOT = Path(__file__).resolve().parents[2]


def best_of(fn: Callable[[], Any], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def run_job(d: SipasData, cols: dict[str, np.ndarray]) -> Any:
    design = Design(strata=d.province, psu=d.psu, weights=d.weight)
    agencies = Domains.from_codes({"agency": (d.agency, [str(i) for i in range(N_AGENCIES)])})
    return estimate_proportions(design, cols, by=agencies, ci="korn-graubard")


def baseline(d: SipasData, cols: dict[str, np.ndarray]) -> None:
    for y in cols.values():
        ok = ~np.isnan(y)
        np.bincount(d.agency[ok], weights=(d.weight * y)[ok], minlength=N_AGENCIES)


@pytest.fixture(scope="module")
def sipas_1m() -> tuple[SipasData, dict[str, np.ndarray]]:
    d = make_sipas(1_000_000)
    return d, d.top2()


def test_one_million_rows_all_agencies_and_criteria(
    sipas_1m: tuple[SipasData, dict[str, np.ndarray]],
) -> None:
    d, cols = sipas_1m
    result = run_job(d, cols)  # warm-up (imports, caches)
    assert len(result) == 22 * N_AGENCIES
    assert all(0 <= e.ci_low <= e.estimate <= e.ci_high <= 1 for e in result.estimates)
    elapsed = best_of(lambda: run_job(d, cols), repeat=5)
    base = best_of(lambda: baseline(d, cols))
    gc.collect()
    tracemalloc.start()
    run_job(d, cols)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"\n[1M rows] 880 proportions + SE + Korn-Graubard: {elapsed:.3f} s "
        f"= {elapsed / base:.1f}x a bare weighted-share pass ({base:.3f} s); peak extra memory "
        f"{peak / GB:.3f} GB"
    )
    assert elapsed <= 0.5
    assert peak <= 1.5 * GB


def test_ten_million_rows_within_4_gb() -> None:
    d = make_sipas(10_000_000)
    # float32 0/1 columns (NaN = don't know): the estimators convert one column at a time.
    cols = d.top2(np.float32)
    d.answers = np.empty((0, 0), dtype=np.int8)
    data_bytes = sum(v.nbytes for v in cols.values()) + d.province.nbytes + d.psu.nbytes + d.agency.nbytes
    data_bytes += d.weight.nbytes
    gc.collect()
    tracemalloc.start()
    t0 = time.perf_counter()
    result = run_job(d, cols)
    elapsed = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    total = data_bytes + peak
    print(
        f"\n[10M rows] 880 proportions: {elapsed:.2f} s; data {data_bytes / GB:.2f} GB + estimation peak "
        f"{peak / GB:.2f} GB = {total / GB:.2f} GB"
    )
    assert len(result) == 22 * N_AGENCIES
    assert total <= 4 * GB


SVY_SCRIPT = textwrap.dedent(
    """
    import sys, polars as pl, svy
    cols = [f"c{j:02d}" for j in range(1, 23)]
    data = pl.read_csv(sys.argv[1])
    sample = svy.Sample(data, svy.Design(stratum="province", psu="psu", wgt="w"))
    res = sample.estimation.prop(cols, by="agency", ci_method="korn-graubard", drop_nulls=True)
    print(sum(len(r.to_polars()) for r in res))
    """
)


def test_cli_against_svy(sipas_1m: tuple[SipasData, dict[str, np.ndarray]], tmp_path: Path) -> None:
    d, cols = sipas_1m
    path = tmp_path / "sipas_1m.csv"
    table = pa.table(
        {
            "agency": d.agency,
            "province": d.province,
            "psu": d.psu,
            "w": d.weight,
            **{k: pa.array(v, from_pandas=True) for k, v in cols.items()},
        }
    )
    pacsv.write_csv(table, path)
    sipas = [
        str(Path(sys.executable).parent / "sipas"),
        "estimate",
        str(path),
        *[arg for c in cols for arg in ("--var", c)],
        "--by",
        "agency",
        "--strata",
        "province",
        "--psu",
        "psu",
        "--weight",
        "w",
        "--proportion",
        "--ci",
        "korn-graubard",
        "--format",
        "json",
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    t0 = time.perf_counter()
    out = subprocess.run(sipas, capture_output=True, text=True, env=env, check=True)
    ours = time.perf_counter() - t0
    assert out.stdout.count('"variable"') == 880
    base = best_of(lambda: baseline(d, cols))
    print(f"\n[CLI, 1M-row CSV] sipas estimate: {ours:.2f} s (= {ours / base:.0f}x the in-memory baseline)")

    try:
        import svy  # noqa: F401
    except ImportError:
        pytest.skip("svy is not installed (pip install -e '.[bench]'); CLI time printed above")
    script = tmp_path / "svy_job.py"
    script.write_text(SVY_SCRIPT)
    t0 = time.perf_counter()
    res = subprocess.run([sys.executable, str(script), str(path)], capture_output=True, text=True, check=True)
    theirs = time.perf_counter() - t0
    n_rows_svy = int(res.stdout.split()[-1])
    print(
        f"[CLI, 1M-row CSV] svy {theirs:.1f} s ({n_rows_svy} result rows, both levels of each 0/1 column); "
        f"sipas is {theirs / ours:.1f}x faster"
    )
    assert theirs / ours >= 10
