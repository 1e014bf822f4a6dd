"""Speed of the drivers of satisfaction from stored responses: ``wave_drivers`` for one agency (every
response of the series is read, page by page, as a domain of the whole series) beside the baseline of the
same run, ``wave_results`` (the all-agency estimates the scorecard and the console already compute), on
the same stored sipas-2017 responses, on SQLite and (with TEST_DATABASE_URL) PostgreSQL.

BENCH_DRIVER_ROWS sets the number of stored responses (default 200,000).
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from survey_engine.answer_codes import criteria_layout
from survey_engine.questionnaire import get_template
from survey_engine.results.analysis import wave_results
from survey_engine.results.drivers import wave_drivers
from survey_engine.simulate import simulate_answers
from survey_engine.tables import ServicePoint, Submission, Wave
from tests.api.conftest import World, app, world  # noqa: F401 - fixtures
from tests.api.test_drivers_wiring import drivers_wave

ROWS = int(os.environ.get("BENCH_DRIVER_ROWS", "200000"))
COLUMNS = (
    "client_id, wave, service_point, agency, questionnaire_version, channel, language, started_at, "
    "submitted_at, received_at, duration_seconds, answers, body_hash, dossier_hash, device, interviewer, "
    "complete, codes"
)


def _rows(wave_id: int, points: list[tuple[int, int]], count: int) -> Iterator[tuple[Any, ...]]:
    q = get_template("sipas-2017")
    layout = criteria_layout(q)
    rng = random.Random(5)
    pool = []
    for i in range(500):
        answers = simulate_answers(q, rng, 0.4 + 0.55 * (i % 7) / 6)
        pool.append((json.dumps(answers, separators=(",", ":")), layout.encode(answers)))
    start = datetime(2026, 1, 1, 8, tzinfo=UTC)
    for i in range(count):
        point, agency = points[i % len(points)]
        answers, codes = pool[(i * 7919) % len(pool)]
        when = start + timedelta(minutes=(i * 37) % (300 * 24 * 60))
        yield (
            str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            wave_id,
            point,
            agency,
            1,
            "online",
            "vi",
            when,
            when,
            when,
            240,
            answers,
            "0" * 64,
            None,
            None,
            None,
            True,
            codes,
        )


async def test_drivers_speed_beside_the_estimates(world: World, database_url: str) -> None:  # noqa: F811
    await drivers_wave(world, 0)
    wave_id = (await Wave.select(Wave.id).where(Wave.code == "S7").first())["id"]
    points = [(r["id"], r["agency"]) for r in await ServicePoint.select(ServicePoint.id, ServicePoint.agency)]
    if database_url.startswith("postgres"):
        import asyncpg

        conn = await asyncpg.connect(database_url)
        try:
            await conn.copy_records_to_table(
                "submission",
                records=_rows(wave_id, points, ROWS),
                columns=[c.strip() for c in COLUMNS.split(",")],
            )
            await conn.execute("ANALYZE submission")
        finally:
            await conn.close()
    else:
        conn3 = sqlite3.connect(Submission._meta.db.path)
        conn3.executemany(
            f"INSERT INTO submission ({COLUMNS}) VALUES ({', '.join('?' * 18)})",
            _rows(wave_id, points, ROWS),
        )
        conn3.commit()
        conn3.close()
    started = time.perf_counter()
    await wave_results("S7")
    baseline = time.perf_counter() - started
    started = time.perf_counter()
    found = await wave_drivers("S7", "self-selected", ["A1"])
    drivers = time.perf_counter() - started
    assert found.status == "computed" and found.rows == ROWS
    assert not found.domains["A1"].suppressed
    engine = "postgresql" if database_url.startswith("postgres") else "sqlite"
    print(
        f"\n[drivers {engine}] {ROWS} responses: wave_drivers (one agency) {drivers:.2f} s; "
        f"baseline wave_results (all agencies' estimates) {baseline:.2f} s; ratio {drivers / baseline:.1f}x"
    )
