"""Every agency's scorecard end to end from the database (``make bench``; not part of ``make test``).

Job (issue #15 item 7): ``sipas report --all`` for a wave of 4,000 agencies and 2,000,000 stored responses on
PostgreSQL — estimates, perception and expectation shares, peers, small-area model, drivers and the PDFs,
rendered in 2 worker processes — at 33 scorecards per second or more on a 2-core machine. SQLite runs
the same path at a smaller default (400 agencies, 200,000 responses).

The command runs as a user runs it (a subprocess, timed from outside). Baselines measured in the same run,
since the machine's load varies: one all-agency estimate of the wave (``wave_results``), the wave report's
load and the scorecard data's build in process, and the render-only rate of the same PDFs from data
already built (same 2-process pool). The command's CPU time (with its workers, without the database
server's) gives the rate it would reach on 2 idle cores, since a shared machine stretches the wall time.

Knobs: BENCH_SCORECARD_AGENCIES (default 4000) and BENCH_SCORECARD_RESPONSES (default 2,000,000) on
PostgreSQL; BENCH_SCORECARD_SQLITE_AGENCIES (400) and BENCH_SCORECARD_SQLITE_RESPONSES (200,000) on SQLite.
The rate is asserted only at the full scale (4,000 agencies and 2,000,000 responses, or more).
"""

from __future__ import annotations

import asyncio
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.benchmarks.sipas_data import (
    add_agencies_postgres,
    add_agencies_sqlite,
    fill_postgres,
    fill_sqlite,
)
from tests.support.loadgen import cli_env, fresh_postgres_database, run_cli

AGENCIES = int(os.environ.get("BENCH_SCORECARD_AGENCIES", "4000"))
RESPONSES = int(os.environ.get("BENCH_SCORECARD_RESPONSES", "2000000"))
SQLITE_AGENCIES = int(os.environ.get("BENCH_SCORECARD_SQLITE_AGENCIES", "400"))
SQLITE_RESPONSES = int(os.environ.get("BENCH_SCORECARD_SQLITE_RESPONSES", "200000"))
MIN_RATE = 33.0  # scorecards per second, at 4,000 agencies and 2,000,000 responses
RENDER_SAMPLE = 200  # scorecards rendered again for the render-only baseline
WORKERS = 2


def _in_process(env: dict[str, str], monkeypatch: pytest.MonkeyPatch, out: Path) -> dict[str, float]:
    """The baselines, in this process on the same database: one all-agency estimate, the wave report's
    load (with drivers), the build of every scorecard's data, and the render-only rate of a sample."""
    from api.cli.runtime import run_with_engine, settings_from_env
    from api.results.cli_report import render_batch
    from api.results.console_drivers import drivers_section
    from api.results.scorecard_build import scorecards_from_report
    from reports.scorecard import scorecard_filename
    from survey_engine.actors import SYSTEM
    from survey_engine.results import analysis, scorecards
    from survey_engine.results.drivers import wave_drivers

    for key in ("DATABASE_URL", "SIPAS_DATA_DIR"):
        monkeypatch.setenv(key, env[key])
    figures: dict[str, float] = {}

    async def job(_: Any) -> Any:
        started = time.perf_counter()
        await analysis.wave_results("AB-2026", by=("agency",), series="self-selected")
        figures["estimate"] = time.perf_counter() - started
        started = time.perf_counter()
        whole = await scorecards.wave_report(SYSTEM, "AB-2026")
        found = await wave_drivers("AB-2026", whole.statistics.series, None)
        figures["load"] = time.perf_counter() - started
        return whole, {a.code: drivers_section(found, a.code) for a in whole.agencies}

    report, sections = run_with_engine(settings_from_env(), job)
    started = time.perf_counter()
    cards = scorecards_from_report(report, "vi", sections)
    figures["build"] = time.perf_counter() - started
    sample = cards[:RENDER_SAMPLE]
    items = [(c, str(out / scorecard_filename("AB-2026", c.agency.code, "vi"))) for c in sample]
    with open(os.devnull, "w") as quiet:
        started = time.perf_counter()
        render_batch(items, "vi", workers=WORKERS, stream=quiet)
    figures["render_rate"] = len(sample) / (time.perf_counter() - started)
    figures["cards"] = len(cards)
    return figures


def _measure(
    env: dict[str, str],
    engine: str,
    agencies: int,
    responses: int,
    tmp: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> float:
    out = tmp / "out"
    out.mkdir()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    command = ["report", "--all", "--wave", "AB-2026", "--out", str(out), "--workers", str(WORKERS)]
    done = subprocess.run(  # run_cli's 10 minutes are too short for 4,000 PDFs on a busy machine
        [sys.executable, "-m", "api.cli", *command], env=env, capture_output=True, text=True, timeout=3600
    )
    assert done.returncode == 0, done.stderr[-2000:]
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # CPU seconds of the command and its rendering processes (not the database server's): on a machine
    # shared with other work the wall time stretches, the CPU time much less.
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    load = os.getloadavg()
    written = sorted(out.glob("scorecard-AB-2026-*-vi.pdf"))
    assert (out / "province-summary-AB-2026-vi.pdf").is_file()
    rate = len(written) / elapsed
    again = tmp / "again"
    again.mkdir()
    base = _in_process(env, monkeypatch, again)
    assert base["cards"] == len(written)
    print(
        f"\n[scorecards:{engine}] {len(written):,} agencies' scorecards from {responses:,} responses: "
        f"`sipas report --all` {elapsed:.1f} s = {rate:.1f}/s (target {MIN_RATE:.0f}/s at 4,000 / 2,000,000; "
        f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}); its CPU time {cpu:.0f} s "
        f"(without the database server's) = {len(written) / (cpu / WORKERS):.1f}/s on {WORKERS} idle cores\n"
        f"  same run, in process: one all-agency estimate {base['estimate']:.1f} s; wave report with "
        f"drivers {base['load']:.1f} s; every scorecard's data {base['build']:.1f} s; render only "
        f"({WORKERS} processes, {min(RENDER_SAMPLE, len(written))} PDFs) {base['render_rate']:.1f}/s; "
        f"end to end runs at {rate / base['render_rate']:.0%} of the render-only rate"
    )
    assert len(written) >= agencies  # the demo's own agencies come on top
    return rate


def test_report_all_on_sqlite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = cli_env(tmp_path)
    run_cli(["demo", "--json", "--responses", "0"], env)
    path = env["DATABASE_URL"].removeprefix("sqlite:///")
    started = time.perf_counter()
    points = add_agencies_sqlite(path, SQLITE_AGENCIES)
    fill_sqlite(path, SQLITE_RESPONSES, points=points)
    print(
        f"\n[scorecards:sqlite] stored {SQLITE_AGENCIES:,} agencies and {SQLITE_RESPONSES:,} responses "
        f"in {time.perf_counter() - started:.0f} s (set-up)"
    )
    _measure(env, "sqlite", SQLITE_AGENCIES, SQLITE_RESPONSES, tmp_path, monkeypatch)


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="TEST_DATABASE_URL is not set")
def test_report_all_on_postgresql(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = fresh_postgres_database(os.environ["TEST_DATABASE_URL"], "sipas_bench_scorecards")
    env = cli_env(tmp_path, database_url=url)
    run_cli(["demo", "--json", "--responses", "0"], env)
    started = time.perf_counter()
    points = asyncio.run(add_agencies_postgres(url, AGENCIES))
    asyncio.run(fill_postgres(url, RESPONSES, points=points))
    print(
        f"\n[scorecards:postgresql] stored {AGENCIES:,} agencies and {RESPONSES:,} responses "
        f"in {time.perf_counter() - started:.0f} s (set-up)"
    )
    rate = _measure(env, "postgresql", AGENCIES, RESPONSES, tmp_path, monkeypatch)
    if AGENCIES >= 4000 and RESPONSES >= 2_000_000:
        assert rate >= MIN_RATE, f"{rate:.1f} scorecards/s < {MIN_RATE}"
