"""Bulk import of counter ratings: 1,000,000 NDJSON lines in under 30 s, on SQLite and (when
TEST_DATABASE_URL is set) on PostgreSQL, as ``sipas counter import`` runs it (the import service reading a
file: parse workers beside the importing process for a file this large, the submissions' validator, keyed
dossier hashes, chunks of 100,000 rows appended in one transaction each).

Baselines measured in the same run, storing the very rows the import stored into a fresh database with
the same schema, in the same chunks and one transaction per chunk (what the database alone costs):

* SQLite: a bare ``executemany`` (one row per statement) with SQLite's default page cache, and the same
  with the page cache the import's writer uses (``IMPORT_CACHE_KIB``), so that neither side gets an
  advantage the other lacks.
* PostgreSQL: a bare asyncpg ``executemany`` and a bare ``COPY`` (``copy_records_to_table``, what the
  import uses for large chunks).

The ratio is against the first baseline of each engine. The CPU seconds of the importing process and of
its parse workers are printed too: on a loaded machine the wall time depends on what else runs.

Environment knob: BENCH_COUNTER_LINES (default 1,000,000; the target scales with it).
"""

from __future__ import annotations

import asyncio
import os
import random
import resource
import shutil
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest

from api.database import engine_from_url, use_engine
from survey_engine.actors import SYSTEM
from survey_engine.administration.waves import WaveService
from survey_engine.collection.ingest_store import INSERT_COLUMNS
from survey_engine.integrations.counter_import import CHUNK_ROWS, IMPORT_CACHE_KIB, CounterImportService
from survey_engine.tables import ServicePoint
from tests.support.loadgen import cli_env, fresh_postgres_database, run_cli

LINES = int(os.environ.get("BENCH_COUNTER_LINES", "1000000"))
TARGET_SECONDS = 30.0 * LINES / 1_000_000  # 30 s per million lines (a smaller run scales the target)
SECRET = "bench-secret-key-that-is-long-enough-0123456789"


def _write_lines(path: Path, points: list[str], n: int) -> None:
    """n ratings: 90 % counter-3 (a tenth with a comment), 10 % decree61-9; a third with a dossier code,
    most with an officer; rated over the last 30 days."""
    rng = random.Random(20261206)
    encoder = msgspec.json.Encoder()
    now = datetime.now(UTC)
    with path.open("wb") as out:
        for i in range(n):
            point = points[i % len(points)]
            if i % 10 == 9:
                line: dict[str, Any] = {
                    "questionnaire": "decree61-9",
                    "answers": {f"D61_{k}": rng.choice(("S2", "S2", "S2", "S1", "S0")) for k in range(1, 10)},
                }
            else:
                answers: dict[str, Any] = {"RATING": rng.choice((3, 3, 3, 2, 2, 1))}
                if i % 10 == 3:
                    answers["COMMENT"] = f"Góp ý số {i}: cán bộ hướng dẫn tận tình"
                line = {"questionnaire": "counter-3", "answers": answers}
            line.update(
                id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                service_point=point,
                rated_at=(now - timedelta(seconds=rng.randrange(30 * 86400))).isoformat(),
            )
            if i % 3 == 0:
                line["dossier_code"] = f"000.00.{i % 97:02d}.H{i:09d}"
            if i % 5:
                line["officer"] = f"CB{i % 40:03d}"
            out.write(encoder.encode(line) + b"\n")


async def _seed(database_url: str, tmp: Path) -> list[str]:
    run_cli(["demo", "--responses", "0"], cli_env(tmp, database_url))
    engine = engine_from_url(database_url)
    use_engine(engine)
    points = [
        str(r["code"]) for r in await ServicePoint.select(ServicePoint.code).order_by(ServicePoint.code)
    ]
    agencies = sorted({str(r["agency.code"]) for r in await ServicePoint.select(ServicePoint.agency.code)})
    for code, questionnaire in (("CTR-2026", "counter-3"), ("D61-2026", "decree61-9")):
        await WaveService().create(
            SYSTEM,
            {
                "code": code,
                "name_vi": code,
                "name_en": code,
                "questionnaire": questionnaire,
                "questionnaire_version": 1,
                "period_start": date(2026, 1, 1),
                "period_end": date(2026, 12, 31),
                "channels": ["online", "kiosk"],
                "agencies": agencies,
                "service_points": points,
            },
        )
        await WaveService().set_status(SYSTEM, code, "open")
    return points


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


async def _import(database_url: str, path: Path) -> tuple[float, float, Any, float]:
    """Wall seconds, the importing process's CPU seconds (every thread), the report, and the CPU seconds
    of its parse workers (child processes, counted once they have ended)."""
    use_engine(engine_from_url(database_url))
    service = CounterImportService(SECRET)
    started, cpu, children = time.perf_counter(), time.process_time(), _children_cpu()
    report = await service.import_ndjson_file(None, path)
    elapsed, used = time.perf_counter() - started, time.process_time() - cpu
    return elapsed, used, report, _children_cpu() - children


def _sqlite_chunks(path: str) -> Iterator[list[tuple[Any, ...]]]:
    """The stored rows as the database holds them (text, numbers), a chunk at a time."""
    import sqlite3

    conn = sqlite3.connect(path)
    cursor = conn.execute(f"SELECT {', '.join(INSERT_COLUMNS)} FROM submission ORDER BY id")
    while rows := cursor.fetchmany(CHUNK_ROWS):
        yield rows
    conn.close()


def _bare_sqlite(source: str, target: str, cache_kib: int | None = None) -> tuple[float, int]:
    """Seconds spent in executemany and COMMIT only (reading the rows is not counted), and rows."""
    import sqlite3

    conn = sqlite3.connect(target, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    if cache_kib is not None:
        conn.execute(f"PRAGMA cache_size = -{cache_kib}")
    columns = ", ".join(INSERT_COLUMNS)
    sql = f"INSERT INTO submission ({columns}) VALUES ({', '.join('?' * len(INSERT_COLUMNS))})"
    spent, count = 0.0, 0
    for rows in _sqlite_chunks(source):
        started = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(sql, rows)
        conn.execute("COMMIT")
        spent += time.perf_counter() - started
        count += len(rows)
    conn.close()
    return spent, count


async def _bare_postgres(source: str, target: str, copy: bool) -> tuple[float, int]:
    """Seconds spent in executemany (or COPY) and COMMIT only, and rows (into an emptied table)."""
    import asyncpg

    reader, writer = await asyncpg.connect(source), await asyncpg.connect(target)
    await writer.execute("TRUNCATE submission")
    marks = ", ".join(
        f"${i + 1}::json" if c == "answers" else f"${i + 1}" for i, c in enumerate(INSERT_COLUMNS)
    )
    sql = f"INSERT INTO submission ({', '.join(INSERT_COLUMNS)}) VALUES ({marks})"
    spent, count = 0.0, 0
    async with reader.transaction():
        cursor = await reader.cursor(f"SELECT {', '.join(INSERT_COLUMNS)} FROM submission ORDER BY id")
        while rows := await cursor.fetch(CHUNK_ROWS):
            values = [tuple(r) for r in rows]
            started = time.perf_counter()
            async with writer.transaction():
                if copy:
                    await writer.copy_records_to_table("submission", records=values, columns=INSERT_COLUMNS)
                else:
                    await writer.executemany(sql, values)
            spent += time.perf_counter() - started
            count += len(values)
    await reader.close()
    await writer.close()
    return spent, count


def _run(engine_name: str, database_url: str, bare_url: str, tmp: Path) -> None:
    points = asyncio.run(_seed(database_url, tmp))
    asyncio.run(_seed(bare_url, tmp / "bare"))  # the same schema and reference rows for the baseline
    path = tmp / "ratings.ndjson"
    _write_lines(path, points, LINES)
    elapsed, cpu, report, workers_cpu = asyncio.run(_import(database_url, path))
    load = Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?"
    assert report.accepted == LINES and not report.rejected, report.as_json()["rejected"][:3]
    baselines: list[tuple[str, float]] = []
    if engine_name == "sqlite":
        source, target = database_url.removeprefix("sqlite:///"), bare_url.removeprefix("sqlite:///")
        bare, copied = _bare_sqlite(source, target)
        assert copied == LINES
        baselines.append(("bare executemany, default page cache", bare))
        (Path(target).parent / "cached").mkdir()
        cached_target = str(Path(target).parent / "cached" / "bare.sqlite")
        shutil.copy(target, cached_target)  # the same schema and reference rows; its rows are deleted
        _emptied(cached_target)
        bare, copied = _bare_sqlite(source, cached_target, IMPORT_CACHE_KIB)
        assert copied == LINES
        baselines.append((f"bare executemany, {IMPORT_CACHE_KIB // 1024} MiB page cache", bare))
    else:
        for name, copy in (("bare executemany", False), ("bare COPY", True)):
            bare, copied = asyncio.run(_bare_postgres(database_url, bare_url, copy))
            assert copied == LINES
            baselines.append((name, bare))
    # Importing the same file again: every line a duplicate, nothing stored twice.
    again_elapsed, _, again, _ = asyncio.run(_import(database_url, path))
    assert again.duplicates == LINES and again.accepted == 0
    print(
        f"\n[counter import, {engine_name}] {LINES:,} lines in {elapsed:.1f} s "
        f"({LINES / elapsed:,.0f} lines/s; CPU {cpu:.1f} s in the importing process, "
        f"{workers_cpu:.1f} s in its parse workers; target < {TARGET_SECONDS:.1f} s; load {load}); "
        + "; ".join(f"{name} of the same rows: {t:.1f} s ({LINES / t:,.0f} rows/s)" for name, t in baselines)
        + f"; ratio to the first {elapsed / baselines[0][1]:.2f}; "
        f"the same file again (all duplicates): {again_elapsed:.1f} s"
    )
    assert elapsed < TARGET_SECONDS


def _emptied(path: str) -> None:
    import sqlite3

    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("DELETE FROM submission")
    conn.execute("VACUUM")
    conn.close()


def test_counter_import_sqlite(tmp_path: Path) -> None:
    (tmp_path / "bare").mkdir()
    _run(
        "sqlite",
        f"sqlite:///{tmp_path / 'import.sqlite'}",
        f"sqlite:///{tmp_path / 'bare' / 'bare.sqlite'}",
        tmp_path,
    )


def test_counter_import_postgres(tmp_path: Path) -> None:
    url = os.environ.get("TEST_DATABASE_URL", "").strip()
    if not url:
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL benchmark skipped")
    (tmp_path / "bare").mkdir()
    _run(
        "postgresql",
        fresh_postgres_database(url, "bench_onestop_import"),
        fresh_postgres_database(url, "bench_onestop_bare"),
        tmp_path,
    )
