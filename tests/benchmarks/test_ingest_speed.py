"""Ingestion benchmark: the real server (production settings, `sipas serve`) on a SQLite file,
32 concurrent clients for 10 s. Target on a 2-core machine: >= 3,000 acknowledged submissions per second
with p99 latency <= 50 ms; stored rows equal the 201 answers and replays are stored once. The same server's
/health rate is measured in the same run as the baseline, and the PostgreSQL figure is printed when
TEST_DATABASE_URL is set.

The server's CPU time per request (all its processes and threads, from psutil when installed: the `bench`
extra) is printed for both rates: on a shared machine it is steadier than the rates themselves.

Environment knobs: BENCH_SECONDS (default 10), BENCH_CLIENTS (32), BENCH_WORKERS (server processes;
default one per core, as `sipas serve --workers N` should run in production).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sqlite3
from pathlib import Path

import pytest

from survey_engine.questionnaire import get_template
from survey_engine.simulate import simulate_answers
from tests.support.loadgen import (
    Server,
    cli_env,
    fresh_postgres_database,
    get_request,
    run_cli,
    run_load,
    submission_factory,
)

SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "32"))
WORKERS = int(os.environ.get("BENCH_WORKERS", str(os.cpu_count() or 1)))  # production: one per core
REPLAYS = 200


def _server_cpu(server: Server) -> float:
    """CPU seconds used so far by the server and its worker processes (NaN without psutil)."""
    try:
        import psutil
    except ImportError:
        return float("nan")
    assert server.process is not None
    root = psutil.Process(server.process.pid)
    total = 0.0
    for proc in (root, *root.children(recursive=True)):
        try:
            times = proc.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def _measure(env: dict[str, str]) -> tuple[float, dict[str, float], list[str]]:
    demo = json.loads(run_cli(["demo", "--json", "--responses", "0"], env))
    tokens = [p["token"] for p in demo["service_points"]]
    answers = simulate_answers(get_template("sipas-2023"), random.Random(7))
    server = Server(env, workers=WORKERS).start()
    try:
        health = get_request("/health", server.port)
        asyncio.run(run_load(server.port, lambda: (health, None), CLIENTS, 1.0))  # warm-up
        cpu_start = _server_cpu(server)
        baseline = asyncio.run(run_load(server.port, lambda: (health, None), CLIENTS, min(SECONDS, 5.0)))
        health_cpu = _server_cpu(server) - cpu_start
        make = submission_factory(server.port, tokens, answers)
        asyncio.run(run_load(server.port, make, CLIENTS, 1.0))  # warm-up (stored too, counted below)
        cpu_start = _server_cpu(server)
        load = asyncio.run(run_load(server.port, make, CLIENTS, SECONDS, replays=REPLAYS))
        load_cpu = _server_cpu(server) - cpu_start
    finally:
        server.stop()
    figures = {
        "health_rps": baseline.rate(200),
        "accepted_rps": load.rate(201),
        "p50_ms": load.percentile(50) * 1000,
        "p99_ms": load.percentile(99) * 1000,
        "created": float(load.statuses.get(201, 0)),
        "replayed": float(load.statuses.get(200, 0)),
        "other": float(load.requests - load.statuses.get(201, 0) - load.statuses.get(200, 0)),
        "errors": float(load.errors),
        "health_cpu_us": 1e6 * health_cpu / max(1, baseline.requests),
        "cpu_us": 1e6 * load_cpu / max(1, load.requests),
    }
    return baseline.rate(200), figures, load.acknowledged


def _report(engine: str, figures: dict[str, float]) -> None:
    print(
        f"\n[ingest:{engine}] {figures['accepted_rps']:,.0f} acknowledged submissions/s "
        f"(= {figures['accepted_rps'] / figures['health_rps']:.2f} x the same server's /health rate of "
        f"{figures['health_rps']:,.0f}/s), p50 {figures['p50_ms']:.1f} ms, p99 {figures['p99_ms']:.1f} ms, "
        f"server CPU {figures['cpu_us']:.0f} us/request (/health {figures['health_cpu_us']:.0f}), "
        f"{CLIENTS} clients, {WORKERS} worker(s), {SECONDS:.0f} s; 201: {figures['created']:.0f}, "
        f"200 (replays): {figures['replayed']:.0f}, other: {figures['other']:.0f}, "
        f"errors: {figures['errors']:.0f}"
    )


def test_ingestion_on_sqlite(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    _, figures, acknowledged = _measure(env)
    _report("sqlite", figures)
    database = env["DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(database) as conn:
        (rows,) = conn.execute("SELECT COUNT(*) FROM submission").fetchone()
        (distinct,) = conn.execute("SELECT COUNT(DISTINCT client_id) FROM submission").fetchone()
    assert rows == distinct
    assert set(acknowledged) <= {
        r for (r,) in sqlite3.connect(database).execute("SELECT client_id FROM submission")
    }
    assert figures["other"] == 0 and figures["errors"] == 0
    assert figures["replayed"] >= REPLAYS
    assert figures["accepted_rps"] >= 3000, f"{figures['accepted_rps']:.0f}/s is below 3,000/s"
    assert figures["p99_ms"] <= 50, f"p99 {figures['p99_ms']:.1f} ms is above 50 ms"


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="TEST_DATABASE_URL is not set")
def test_ingestion_on_postgresql(tmp_path: Path) -> None:

    url = fresh_postgres_database(os.environ["TEST_DATABASE_URL"], "sipas_bench_ingest")
    env = cli_env(tmp_path, database_url=url)
    _, figures, _ = _measure(env)
    _report("postgresql", figures)
    assert figures["other"] == 0 and figures["errors"] == 0
