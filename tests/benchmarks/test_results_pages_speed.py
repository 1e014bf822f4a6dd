"""Publishing-day load: a published wave's public page under 32 concurrent clients, measured with wrk.

The real server (`sipas serve`, one worker process per core, as in production) on a SQLite file with the
demo wave (its responses spread over the month), closed and published with `sipas publish`. The public
page is rendered once per version and then served from memory, so the target is the same order as the
server's own /health: >= 2,000 requests/s with p99 <= 50 ms for the wave page, printed beside the same
server's /health rate measured in the same run with the same tool.

Environment knobs: BENCH_SECONDS (default 10), BENCH_CLIENTS (32), BENCH_WORKERS (server processes;
default one per core). Skipped when wrk is not installed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.support.loadgen import Server, cli_env, run_cli

SECONDS = int(float(os.environ.get("BENCH_SECONDS", "10")))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "32"))
WORKERS = int(os.environ.get("BENCH_WORKERS", str(os.cpu_count() or 1)))
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def wrk(url: str, seconds: int) -> dict[str, float]:
    """Requests per second, non-2xx answers, socket errors and latency percentiles (ms) from wrk."""
    out = subprocess.run(
        ["wrk", "-t", "2", "-c", str(CLIENTS), "-d", f"{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    ).stdout
    figures = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))}  # type: ignore[union-attr]
    for p in ("50", "99"):
        value, unit = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
        figures[f"p{p}_ms"] = float(value) * UNITS[unit]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    figures["non_2xx"] = float(bad.group(1)) if bad else 0.0
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    figures["socket_errors"] = float(sum(int(g) for g in errors.groups())) if errors else 0.0
    return figures


def test_wave_page_under_load(tmp_path: Path) -> None:
    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed")
    env = cli_env(tmp_path)
    demo = json.loads(run_cli(["demo", "--json", "--responses", "1500"], env))
    wave = demo["wave"]
    with sqlite3.connect(env["DATABASE_URL"].removeprefix("sqlite:///")) as db:
        db.execute(
            "UPDATE wave SET status = 'closed' WHERE code = ?", (wave,)
        )  # no command closes a wave yet
    staff = {s["role"]: s["email"] for s in demo["staff"]}
    run_cli(
        ["publish", "--wave", wave, "--prepared-by", staff["statistician"], "--approved-by", staff["admin"]],
        env,
    )
    server = Server(env, workers=WORKERS).start(timeout=120)  # a busy shared machine starts slowly
    try:
        base = f"http://127.0.0.1:{server.port}"
        page = f"{base}/results/{wave}"
        for url in (f"{base}/health", page):
            wrk(url, 2)  # warm-up: every worker renders the page once
        health = wrk(f"{base}/health", min(SECONDS, 5))
        load = wrk(page, SECONDS)
        size = len(subprocess.run(["curl", "-s", page], capture_output=True, check=True).stdout)
    finally:
        server.stop()
    print(
        f"\n[results page] {load['rps']:,.0f} requests/s for /results/{wave} "
        f"(= {load['rps'] / health['rps']:.2f} x the same server's /health rate of {health['rps']:,.0f}/s, "
        f"/health p99 {health['p99_ms']:.1f} ms), p50 {load['p50_ms']:.1f} ms, p99 {load['p99_ms']:.1f} ms, "
        f"page {size / 1024:.1f} KiB, {CLIENTS} clients, {WORKERS} worker(s), {SECONDS} s; "
        f"non-2xx: {load['non_2xx']:.0f}, socket errors: {load['socket_errors']:.0f}"
    )
    assert load["non_2xx"] == 0 and load["socket_errors"] == 0
    assert size < 100 * 1024
    assert load["rps"] >= 2000, f"{load['rps']:.0f} requests/s is below 2,000/s"
    assert load["p99_ms"] <= 50, f"p99 {load['p99_ms']:.1f} ms is above 50 ms"
