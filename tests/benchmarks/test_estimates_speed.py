"""Scale benchmark: 1,000,000 stored responses, all-agency SIPAS estimates through the API in <= 3 s,
on SQLite and (when TEST_DATABASE_URL is set) on PostgreSQL, where the group sums run in SQL.

The baseline printed beside it is the same server's /health round trip, measured in the same run.
BENCH_ROWS changes the number of stored responses (default 1,000,000).
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.benchmarks.submission_rows import COLUMN_NAMES, COLUMNS, dossier_of, submission_rows
from tests.support.loadgen import Server, cli_env, fresh_postgres_database, run_cli

ROWS = int(os.environ.get("BENCH_ROWS", "1000000"))


def _rows(wave_id: int, points: list[tuple[int, int]], count: int, linked: bool = False):  # type: ignore[no-untyped-def]
    """``count`` complete sipas-2023 responses (:func:`submission_rows`), ``linked`` to a frame or not."""
    return submission_rows([(wave_id, point, agency) for point, agency in points], count, linked=linked)


FIELDS = ("Hộ tịch", "Đất đai", "Tư pháp", "Đầu tư", "Xây dựng", "Giao thông", "Lao động", "Y tế")
FRAME_COLUMNS = (
    "frame, wave, dossier_hash, agency, field, completed_on, phone, demographics, stratum, row_number"
)
_DEMOGRAPHICS = {
    "sex": ("nam", "nu"),
    "age_band": ("18-24", "25-34", "35-49", "50-64", "65+"),
    "ethnicity": ("kinh", "khac"),
    "education": ("tieu-hoc", "thcs", "thpt", "dai-hoc"),
    "occupation": ("nong-nghiep", "cong-nhan", "kinh-doanh", "vien-chuc", "khac"),
    "area": ("thanh-thi", "nong-thon"),
}


def frame_rows(frame_id: int, wave_id: int, points: list[tuple[int, int]], count: int):  # type: ignore[no-untyped-def]
    """One frame dossier per linked response of :func:`_rows` (same agency), with a field and
    demographics; one unit in eleven has no demographics (the domain ``unknown``)."""
    for i in range(0, count, 2):
        demographics = (
            {}
            if i % 11 == 0
            else {k: v[(i // (2 + j)) % len(v)] for j, (k, v) in enumerate(_DEMOGRAPHICS.items())}
        )
        yield (
            frame_id,
            wave_id,
            dossier_of(i),
            points[i % len(points)][1],
            FIELDS[(i // 2) % len(FIELDS)],
            datetime(2026, 1, 1).date(),
            None,
            json.dumps(demographics),
            "",
            i // 2,
        )


def fill_sqlite(path: str, linked: bool = False) -> None:
    conn = sqlite3.connect(path)
    wave_id = conn.execute("SELECT id FROM wave WHERE code = 'AB-2026'").fetchone()[0]
    points = conn.execute("SELECT id, agency FROM service_point ORDER BY id").fetchall()
    conn.executemany(
        f"INSERT INTO submission ({COLUMNS}) VALUES ({', '.join('?' * 18)})",
        _rows(wave_id, points, ROWS, linked),
    )
    if linked:
        frame_id = conn.execute(
            "INSERT INTO frame (wave, name, imported_at, imported_by, row_count, unit_version, file_sha256) "
            "VALUES (?, 'bench', ?, NULL, ?, '2025', ?) RETURNING id",
            (wave_id, datetime.now(UTC).isoformat(), (ROWS + 1) // 2, "0" * 64),
        ).fetchone()[0]
        conn.executemany(
            f"INSERT INTO frame_unit ({FRAME_COLUMNS}) VALUES ({', '.join('?' * 10)})",
            ((*r[:5], r[5].isoformat(), *r[6:]) for r in frame_rows(frame_id, wave_id, points, ROWS)),
        )
    conn.commit()
    conn.close()


async def fill_postgres(url: str, linked: bool = False) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        wave_id = await conn.fetchval("SELECT id FROM wave WHERE code = 'AB-2026'")
        points = [
            (r["id"], r["agency"])
            for r in await conn.fetch("SELECT id, agency FROM service_point ORDER BY id")
        ]
        await conn.copy_records_to_table(
            "submission",
            records=_rows(wave_id, points, ROWS, linked),
            columns=COLUMN_NAMES,
        )
        if linked:
            frame_id = await conn.fetchval(
                "INSERT INTO frame (wave, name, imported_at, imported_by, row_count, unit_version, "
                "file_sha256) VALUES ($1, 'bench', now(), NULL, $2, '2025', $3) RETURNING id",
                wave_id,
                (ROWS + 1) // 2,
                "0" * 64,
            )
            await conn.copy_records_to_table(
                "frame_unit",
                records=frame_rows(frame_id, wave_id, points, ROWS),
                columns=[c.strip() for c in FRAME_COLUMNS.split(",")],
            )
            await conn.execute("VACUUM ANALYZE frame_unit")
        # A database in service has its visibility map set by autovacuum (PostgreSQL >= 13 also vacuums
        # after inserts), which this machine's server has turned off: without it every count of a wave's
        # ids reads the table instead of an index. So the benchmark measures the steady state, as after
        # autovacuum (tests/benchmarks/national_data.py does the same).
        await conn.execute("VACUUM ANALYZE submission")
    finally:
        await conn.close()


def timed_get(port: int, path: str, token: str | None = None) -> tuple[float, int, bytes]:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    started = time.perf_counter()
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed, response.status, body


def login(port: int, email: str, password: str) -> str:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(
        "POST",
        "/api/v1/auth/login",
        body=json.dumps({"email": email, "password": password}),
        headers={"Content-Type": "application/json"},
    )
    token = json.loads(conn.getresponse().read())["token"]
    conn.close()
    return str(token)


def _measure(env: dict[str, str], engine: str) -> dict[str, float]:
    server = Server(env).start()
    try:
        demo_staff = json.loads(run_cli(["demo", "--json", "--responses", "0"], env))["staff"]
        admin = next(s for s in demo_staff if s["role"] == "admin")
        token = login(server.port, admin["email"], admin["password"])
        health = min(timed_get(server.port, "/health")[0] for _ in range(20))
        times = []
        for _ in range(3):
            elapsed, status, body = timed_get(server.port, "/api/v1/waves/AB-2026/estimates", token)
            assert status == 200, body[:500]
            times.append(elapsed)
        result = json.loads(body)
    finally:
        server.stop()
    best = min(times)
    print(
        f"\n[estimates:{engine}] {result['rows']:,} responses, {len(result['criteria'])} criterion and "
        f"{len(result['indices'])} index estimates for every agency: best {best:.2f} s of 3 "
        f"(first {times[0]:.2f} s) = {best / health:,.0f} x the same server's /health round trip "
        f"({health * 1000:.1f} ms)"
    )
    assert result["rows"] >= ROWS
    return {"best": best}


def test_estimates_on_sqlite(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    run_cli(["demo", "--json", "--responses", "0"], env)
    started = time.perf_counter()
    fill_sqlite(env["DATABASE_URL"].removeprefix("sqlite:///"))
    print(f"\n[estimates:sqlite] stored {ROWS:,} responses in {time.perf_counter() - started:.0f} s (set-up)")
    figures = _measure(env, "sqlite")
    assert figures["best"] <= 3.0, f"{figures['best']:.2f} s is above 3 s"


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="TEST_DATABASE_URL is not set")
def test_estimates_on_postgresql(tmp_path: Path) -> None:
    url = fresh_postgres_database(os.environ["TEST_DATABASE_URL"], "sipas_bench_estimates")
    env = cli_env(tmp_path, database_url=url)
    run_cli(["demo", "--json", "--responses", "0"], env)
    asyncio.run(fill_postgres(url))
    figures = _measure(env, "postgresql")
    assert figures["best"] <= 3.0, f"{figures['best']:.2f} s is above 3 s"
