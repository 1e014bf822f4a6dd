"""Scale benchmark of the estimates' domains: every documented ``by`` column and the crosses the
documentation names, through a real server on 1,000,000 stored responses, each in < 1 s, on SQLite and (when
TEST_DATABASE_URL is set) on PostgreSQL.

The responses are those of :mod:`tests.benchmarks.test_estimates_speed` (same seeding helpers), with
channels varied and every other response linked to a dossier of a frame (field and demographics), so
that ``field``, ``frame:<column>`` and ``channel`` have real levels. Each figure is printed beside two
baselines measured in the same run on the same server: the /health round trip and the plain all-agency
estimates (``by`` omitted). Per combination: the first request (cold) and the best of the next two.
BENCH_ROWS changes the number of stored responses (default 1,000,000).
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.benchmarks.test_estimates_speed import ROWS, _fill_postgres, _fill_sqlite, _login, _timed_get
from tests.support.loadgen import Server, cli_env, fresh_postgres_database, run_cli

LIMIT_SECONDS = 1.0
# Every documented domain column (README "Domains", docs/interfaces.md) alone, then the crosses named in
# the documentation (agency × field is also the calibration cell) and one cross of two non-agency columns.
COMBINATIONS: tuple[tuple[str, ...], ...] = (
    ("agency",),
    ("service_point",),
    ("channel",),
    ("field",),
    *((f"frame:{c}",) for c in ("sex", "age_band", "ethnicity", "education", "occupation", "area")),
    ("item:A1",),
    ("item:A3",),
    ("agency", "field"),
    ("agency", "service_point"),
    ("agency", "channel"),
    ("agency", "frame:sex"),
    ("agency", "item:A1"),
    ("field", "frame:age_band"),
)


def _path(by: tuple[str, ...]) -> str:
    query = urlencode([("by", b) for b in by])
    return f"/api/v1/waves/AB-2026/estimates{'?' + query if query else ''}"


def _best(port: int, path: str, token: str) -> tuple[float, float, dict[str, object]]:
    """(first request, best of the next two, the answer)."""
    times = []
    for _ in range(3):
        elapsed, status, body = _timed_get(port, path, token)
        assert status == 200, body[:500]
        times.append(elapsed)
    return times[0], min(times[1:]), json.loads(body)


def _measure(env: dict[str, str], engine: str) -> dict[tuple[str, ...], float]:
    server = Server(env).start()
    try:
        demo_staff = json.loads(run_cli(["demo", "--json", "--responses", "0"], env))["staff"]
        admin = next(s for s in demo_staff if s["role"] == "admin")
        token = _login(server.port, admin["email"], admin["password"])
        health = min(_timed_get(server.port, "/health")[0] for _ in range(20))
        plain_first, plain, _ = _best(server.port, _path(()), token)
        print(
            f"\n[domains:{engine}] baselines: /health {health * 1000:.1f} ms; plain all-agency estimates "
            f"{plain:.2f} s (first {plain_first:.2f} s); load {Path('/proc/loadavg').read_text().split()[:3]}"
        )
        figures: dict[tuple[str, ...], float] = {}
        for by in COMBINATIONS:
            first, best, result = _best(server.port, _path(by), token)
            assert result["rows"] >= ROWS
            assert result["by"] == list(by)
            figures[by] = best
            print(
                f"[domains:{engine}] by={' × '.join(by):24} {len(result['criteria']):6} criterion rows: "  # type: ignore[arg-type]
                f"best {best:.2f} s (first {first:.2f} s) = {best / plain:.2f} × plain, "
                f"{best / health:,.0f} × /health"
            )
    finally:
        server.stop()
    return figures


def _check(figures: dict[tuple[str, ...], float]) -> None:
    slow = {" × ".join(by): round(t, 2) for by, t in figures.items() if t >= LIMIT_SECONDS}
    assert not slow, f"at or above {LIMIT_SECONDS} s: {slow}"


def test_domain_estimates_on_sqlite(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    run_cli(["demo", "--json", "--responses", "0"], env)
    started = time.perf_counter()
    _fill_sqlite(env["DATABASE_URL"].removeprefix("sqlite:///"), linked=True)
    print(f"\n[domains:sqlite] stored {ROWS:,} responses in {time.perf_counter() - started:.0f} s (set-up)")
    _check(_measure(env, "sqlite"))


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="TEST_DATABASE_URL is not set")
def test_domain_estimates_on_postgresql(tmp_path: Path) -> None:
    url = fresh_postgres_database(os.environ["TEST_DATABASE_URL"], "sipas_bench_domains")
    env = cli_env(tmp_path, database_url=url)
    run_cli(["demo", "--json", "--responses", "0"], env)
    asyncio.run(_fill_postgres(url, linked=True))
    _check(_measure(env, "postgresql"))
