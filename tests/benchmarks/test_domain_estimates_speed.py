"""Scale benchmark of the estimates' domains: every documented ``by`` column and the crosses the
documentation names, through a real server on 1,000,000 stored responses, each in < 1 s, on SQLite and (when
TEST_DATABASE_URL is set) on PostgreSQL.

The responses are those of :mod:`tests.benchmarks.test_estimates_speed` (same seeding helpers), with
channels varied and every other response linked to a dossier of a frame (field and demographics), so
that ``field``, ``frame:<column>`` and ``channel`` have real levels. Each figure is printed beside two
baselines measured in the same run on the same server: the /health round trip and the plain all-agency
estimates (``by`` omitted). Per combination: the first request (cold) and the best of the next two; then,
after APPENDED new responses are stored, the first request for each combination again (it reads only the
new responses and adds their cells to the kept ones); then, in a new server process (a restart, or another
worker), the first request for each combination (it starts from the cell sums stored in the database,
checks their counts and reads the responses appended since), printed without and with SIPAS_PRETOUCH_MB
(api/process_memory.py) and checked with it; then, with no stored set, `sipas db warm-cells` (timed) and
the first request for each combination in a new process; last, with no stored set again and no operator
step, a server whose background upkeep (api/cells_upkeep.py) runs its first round: the time until it has
stored every column's set, then the first request for each combination it covers (every column alone and
its cross with agency) in a new process. The best, the first after new responses, the first in a new
process, the first after warm-cells and the first after the upkeep's round must be under 1 s; the very
first request for a combination (the wave read whole, once for every process) is printed beside them.
BENCH_ROWS changes the number of stored responses (default 1,000,000).
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.benchmarks.submission_rows import COLUMN_NAMES, COLUMNS, submission_rows
from tests.benchmarks.test_estimates_speed import ROWS, fill_postgres, fill_sqlite, login, timed_get
from tests.support.loadgen import Server, cli_env, fresh_postgres_database, run_cli

LIMIT_SECONDS = 1.0
# Heap the new process's worker touches at start (api/process_memory.py), as a deployment with
# million-response waves would set: its first large estimate then faults no pages in.
PRETOUCH_MB = "1024"
APPENDED, APPEND_SEED = 2_000, 77  # new responses between the two rounds (their own client ids)
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
        elapsed, status, body = timed_get(port, path, token)
        assert status == 200, body[:500]
        times.append(elapsed)
    return times[0], min(times[1:]), json.loads(body)


def _append_sqlite(path: str) -> None:
    conn = sqlite3.connect(path)
    wave_id = conn.execute("SELECT id FROM wave WHERE code = 'AB-2026'").fetchone()[0]
    points = conn.execute("SELECT id, agency FROM service_point ORDER BY id").fetchall()
    conn.executemany(
        f"INSERT INTO submission ({COLUMNS}) VALUES ({', '.join('?' * 18)})",
        submission_rows([(wave_id, p, a) for p, a in points], APPENDED, seed=APPEND_SEED),
    )
    conn.commit()
    conn.close()


async def _append_postgres(url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        wave_id = await conn.fetchval("SELECT id FROM wave WHERE code = 'AB-2026'")
        points = [(r["id"], r["agency"]) for r in await conn.fetch("SELECT id, agency FROM service_point")]
        await conn.copy_records_to_table(
            "submission",
            records=submission_rows([(wave_id, p, a) for p, a in points], APPENDED, seed=APPEND_SEED),
            columns=COLUMN_NAMES,
        )
    finally:
        await conn.close()


Figures = dict[tuple[str, ...], float]
STORED_CELLS = "SELECT COUNT(*) FROM stored_cell_set WHERE columns LIKE 'cells%'"


def _stored_sqlite(path: str) -> int:
    with sqlite3.connect(path, timeout=30) as db:
        return int(db.execute(STORED_CELLS).fetchone()[0])


async def _stored_postgres(url: str) -> int:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval(STORED_CELLS))
    finally:
        await conn.close()


def _measure(
    env: dict[str, str], engine: str, append: Callable[[], None], stored_sets: Callable[[], int]
) -> tuple[Figures, Figures, Figures, Figures, Figures]:
    """(best of repeated requests, first request after APPENDED new responses, first request in a new
    server process, first request after `sipas db warm-cells` on a database without stored sets) per
    combination."""
    demo_staff = json.loads(run_cli(["demo", "--json", "--responses", "0"], env))["staff"]
    admin = next(s for s in demo_staff if s["role"] == "admin")
    server = Server(env).start()
    try:
        token = login(server.port, admin["email"], admin["password"])
        health = min(timed_get(server.port, "/health")[0] for _ in range(20))
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
        # New responses arrive (a day's trickle, spread over the year's PSUs, kept ones and new ones): the
        # first request for each combination after them reads only them.
        started = time.perf_counter()
        append()
        print(f"[domains:{engine}] appended {APPENDED:,} responses in {time.perf_counter() - started:.2f} s")
        after = _first_requests(
            server.port,
            token,
            lambda by, t: (
                f"[domains:{engine}] by={' × '.join(by):24} first request after the new responses "
                f"{t:.2f} s = {t / plain:.2f} × plain, {t / health:,.0f} × /health"
            ),
        )
    finally:
        server.stop()
    _restarted(env, engine, admin, "")  # printed: a worker that grows its heap on its first large request
    pretouched = {**env, "SIPAS_PRETOUCH_MB": PRETOUCH_MB}
    restarted = _restarted(pretouched, engine, admin, PRETOUCH_MB)
    warmed, sets = _warmed(pretouched, engine, admin)
    return figures, after, restarted, warmed, _kept_up(pretouched, engine, admin, sets - 1, stored_sets)


def _warmed(env: dict[str, str], engine: str, admin: dict[str, str]) -> tuple[Figures, int]:
    """The operator's way to spare the very first request its whole read: no stored set, then
    `sipas db warm-cells` (every column alone, and the one cross of two non-agency columns), then the first
    request for each combination in a new server process; and how many sets warm-cells made."""
    run_cli(["db", "forget-cells"], env)
    started = time.perf_counter()
    warm = run_cli(["db", "warm-cells", "--wave", "AB-2026", "--by", "field,frame:age_band"], env)
    print(
        f"[domains:{engine}] sipas db warm-cells: {len(warm.splitlines())} sets in "
        f"{time.perf_counter() - started:.1f} s:\n  " + "\n  ".join(warm.splitlines())
    )
    return _restarted(env, engine, admin, PRETOUCH_MB, "after warm-cells"), len(warm.splitlines())


def _kept_up(
    env: dict[str, str], engine: str, admin: dict[str, str], columns: int, stored_sets: Callable[[], int]
) -> Figures:
    """No operator step: no stored set, then a server with the background upkeep (a round every 30 s, the
    first 30 s after start) until its round has stored the set of every column alone (``columns`` of
    them), timed from the server's start; then the first request for each combination the upkeep covers
    in a new server process."""
    run_cli(["db", "forget-cells"], env)
    server = Server({**env, "SIPAS_CELLS_UPKEEP_SECONDS": "30"}).start()
    started = time.perf_counter()
    try:
        while stored_sets() < columns:
            assert time.perf_counter() - started < 900, f"the upkeep stored {stored_sets()} of {columns} sets"
            time.sleep(1.0)
        elapsed = time.perf_counter() - started
    finally:
        server.stop()
    print(
        f"[domains:{engine}] the server's upkeep stored the {columns} sets of the columns alone "
        f"{elapsed:.1f} s after the server started (its first round starts at 30 s)"
    )
    covered = tuple(by for by in COMBINATIONS if len(set(by) - {"agency", "service_point"}) <= 1)
    return _restarted(env, engine, admin, PRETOUCH_MB, "after the upkeep's round", covered)


def _restarted(
    env: dict[str, str],
    engine: str,
    admin: dict[str, str],
    pretouch: str,
    after: str = "",
    combinations: tuple[tuple[str, ...], ...] = COMBINATIONS,
) -> Figures:
    """The first request for each combination in a new server process, which keeps nothing in memory
    (its worker started with ``SIPAS_PRETOUCH_MB=pretouch`` when given)."""
    label = f"with SIPAS_PRETOUCH_MB={pretouch}" if pretouch else "without pretouched heap"
    label = f"{label}, {after}" if after else label
    server = Server(env).start()
    try:
        token = login(server.port, admin["email"], admin["password"])
        health = min(timed_get(server.port, "/health")[0] for _ in range(20))
        return _first_requests(
            server.port,
            token,
            lambda by, t: (
                f"[domains:{engine}] by={' × '.join(by):24} first request in a new process ({label}) "
                f"{t:.2f} s = {t / health:,.0f} × /health ({health * 1000:.1f} ms)"
            ),
            combinations,
        )
    finally:
        server.stop()


def _first_requests(
    port: int,
    token: str,
    line: Callable[[tuple[str, ...], float], str],
    combinations: tuple[tuple[str, ...], ...] = COMBINATIONS,
) -> Figures:
    """The first request for each combination (after the APPENDED responses), each printed as ``line``."""
    first: Figures = {}
    for by in combinations:
        elapsed, status, body = timed_get(port, _path(by), token)
        assert status == 200, body[:500]
        assert json.loads(body)["rows"] >= ROWS + APPENDED
        first[by] = elapsed
        print(line(by, elapsed))
    return first


def _check(figures: tuple[Figures, Figures, Figures, Figures, Figures]) -> None:
    kinds = (
        "repeated",
        "after new responses",
        "in a new process",
        "first after warm-cells",
        "first after the upkeep's round",
    )
    for kind, times in zip(kinds, figures, strict=True):
        slow = {" × ".join(by): round(t, 2) for by, t in times.items() if t >= LIMIT_SECONDS}
        assert not slow, f"{kind}: at or above {LIMIT_SECONDS} s: {slow}"


def test_domain_estimates_on_sqlite(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    run_cli(["demo", "--json", "--responses", "0"], env)
    started = time.perf_counter()
    fill_sqlite(env["DATABASE_URL"].removeprefix("sqlite:///"), linked=True)
    print(f"\n[domains:sqlite] stored {ROWS:,} responses in {time.perf_counter() - started:.0f} s (set-up)")
    path = env["DATABASE_URL"].removeprefix("sqlite:///")
    _check(_measure(env, "sqlite", lambda: _append_sqlite(path), lambda: _stored_sqlite(path)))


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="TEST_DATABASE_URL is not set")
def test_domain_estimates_on_postgresql(tmp_path: Path) -> None:
    url = fresh_postgres_database(os.environ["TEST_DATABASE_URL"], "sipas_bench_domains")
    env = cli_env(tmp_path, database_url=url)
    run_cli(["demo", "--json", "--responses", "0"], env)
    asyncio.run(fill_postgres(url, linked=True))
    _check(
        _measure(
            env,
            "postgresql",
            lambda: asyncio.run(_append_postgres(url)),
            lambda: asyncio.run(_stored_postgres(url)),
        )
    )
