"""A SIPAS-like synthetic survey for benchmarks: province strata, service-point PSUs, agencies, 22 items."""

from __future__ import annotations

import random
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from tests.benchmarks import submission_rows as rows

N_CRITERIA = 22
N_AGENCIES = 40
N_PROVINCES = 63
N_PSUS = 756  # 12 service points per province


@dataclass
class SipasData:
    province: np.ndarray  # stratum code per row
    psu: np.ndarray  # service point code per row (unique across provinces)
    agency: np.ndarray  # agency code per row
    weight: np.ndarray
    answers: np.ndarray  # (n, 22) codes 1..5, 0 = don't know

    def top2(self, dtype: type = np.float64) -> dict[str, np.ndarray]:
        """0/1 top-two-box columns with NaN for don't know (the proportions the benchmark estimates)."""
        out = {}
        for j in range(self.answers.shape[1]):
            a = self.answers[:, j]
            out[f"c{j + 1:02d}"] = np.where(a == 0, np.nan, (a >= 4)).astype(dtype)
        return out


def make_sipas(n: int, seed: int = 20261122) -> SipasData:
    rng = np.random.default_rng(seed)
    psu = rng.integers(0, N_PSUS, size=n)
    province = psu // (N_PSUS // N_PROVINCES)
    # Each service point serves mostly one agency; a share of its responses concern other agencies.
    psu_agency = rng.integers(0, N_AGENCIES, size=N_PSUS)
    agency = np.where(rng.random(n) < 0.8, psu_agency[psu], rng.integers(0, N_AGENCIES, size=n))
    # Unequal weights: province-level base weight times a lognormal nonresponse adjustment.
    weight = rng.uniform(20, 400, size=N_PROVINCES)[province] * rng.lognormal(0.0, 0.4, size=n)
    quality = rng.normal(0.0, 0.6, size=N_AGENCIES)[agency] + rng.normal(0.0, 0.3, size=N_PSUS)[psu]
    answers = np.empty((n, N_CRITERIA), dtype=np.int8)
    for j in range(N_CRITERIA):  # column by column keeps the 10M-row generator small
        latent = quality + rng.normal(0.0, 1.0, size=n)
        col = np.clip(np.round(3.6 + latent), 1, 5).astype(np.int8)
        col[rng.random(n) < 0.03] = 0
        answers[:, j] = col
    return SipasData(province=province, psu=psu, agency=agency, weight=weight, answers=answers)


# --- stored responses for end-to-end benchmarks (estimates, scorecards) ------------------------------------

SUBMISSION_COLUMNS = rows.COLUMNS


def submission_rows(
    wave_id: int, points: list[tuple[int, int]], count: int, questionnaire: str = "sipas-2023"
) -> Iterator[tuple[Any, ...]]:
    """``count`` responses of one wave spread over ``points`` ((service point id, agency id)), in the
    agencies' own moods: :func:`tests.benchmarks.submission_rows.submission_rows`."""
    waves = [(wave_id, point, agency) for point, agency in points]
    return rows.submission_rows(waves, count, questionnaire=questionnaire, agency_moods=True)


def fill_sqlite(
    path: str, count: int, wave_code: str = "AB-2026", points: list[tuple[int, int]] | None = None
) -> None:
    """Store ``count`` responses of ``wave_code`` (every service point, or ``points``) in one transaction."""
    conn = sqlite3.connect(path)
    wave_id = conn.execute("SELECT id FROM wave WHERE code = ?", (wave_code,)).fetchone()[0]
    if points is None:
        points = conn.execute("SELECT id, agency FROM service_point ORDER BY id").fetchall()
    conn.executemany(
        f"INSERT INTO submission ({SUBMISSION_COLUMNS}) VALUES ({', '.join('?' * 18)})",
        submission_rows(wave_id, points, count),
    )
    conn.commit()
    conn.close()


async def fill_postgres(
    url: str, count: int, wave_code: str = "AB-2026", points: list[tuple[int, int]] | None = None
) -> None:
    """:func:`fill_sqlite` on PostgreSQL, by COPY, then ANALYZE."""
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        wave_id = await conn.fetchval("SELECT id FROM wave WHERE code = $1", wave_code)
        if points is None:
            points = [
                (r["id"], r["agency"])
                for r in await conn.fetch("SELECT id, agency FROM service_point ORDER BY id")
            ]
        await conn.copy_records_to_table(
            "submission",
            records=submission_rows(wave_id, points, count),
            columns=[c.strip() for c in SUBMISSION_COLUMNS.split(",")],
        )
        await conn.execute("ANALYZE submission")
    finally:
        await conn.close()


# --- many agencies in the demo wave (the scale of a real province or of the 34 provinces) ------------------


def agency_rows(count: int, seed: int = 7) -> list[tuple[str, str, str, str, int]]:
    """``count`` agencies (code, name_vi, name_en, level, share): one in ten at province level (departments),
    the others communes. ``share`` is the agency's weight in the responses: 10-80 (most 10-30), so sample
    sizes vary as in a real wave, and 1 for one agency in 25, whose few responses fall under the
    publication rule's thresholds (their scorecards show the small-area model's index)."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        share = 1 if i % 25 == 7 else 10 * min(8, max(1, round(rng.lognormvariate(0.6, 0.6))))
        if i % 10 == 0:
            out.append((f"S{i:05d}", f"Sở số {i}", f"Department no. {i}", "province", share))
        else:
            name_en = f"Binh An {i} Commune People's Committee"
            out.append((f"X{i:05d}", f"UBND xã Bình An {i}", name_en, "commune", share))
    return out


def _agency_statements(placeholder: str) -> dict[str, str]:
    p = [placeholder.format(i) for i in range(1, 9)]
    return {
        "agency": "INSERT INTO agency (code, name_vi, name_en, level, parent, unit, active, created_at) "
        f"VALUES ({p[0]}, {p[1]}, {p[2]}, {p[3]}, NULL, {p[4]}, {p[5]}, {p[6]})",
        "point": "INSERT INTO service_point (code, agency, name_vi, name_en, kind, public_token, active, "
        f"created_at) SELECT {p[0]}, id, {p[1]}, {p[2]}, 'counter', {p[3]}, {p[4]}, {p[5]} FROM agency "
        f"WHERE code = {p[6]}",
        "wave_agency": "INSERT INTO wave_agency (wave, agency) SELECT "
        f"{p[0]}, id FROM agency WHERE code = {p[1]}",
        "wave_point": "INSERT INTO wave_service_point (wave, service_point) SELECT "
        f"{p[0]}, id FROM service_point WHERE code = {p[1]}",
    }


def _agency_params(
    rows: list[tuple[str, str, str, str, int]], wave_id: int, unit: int | None
) -> dict[str, list[tuple[Any, ...]]]:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    return {
        "agency": [(c, vi, en, level, unit, True, now) for c, vi, en, level, _ in rows],
        "point": [
            (
                f"{c}-QUAY",
                f"Quầy {vi}",
                f"{en} counter",
                uuid.UUID(int=random.Random(c).getrandbits(128)).hex,
                True,
                now,
                c,
            )
            for c, vi, en, _, _ in rows
        ],
        "wave_agency": [(wave_id, c) for c, _, _, _, _ in rows],
        "wave_point": [(wave_id, f"{c}-QUAY") for c, _, _, _, _ in rows],
    }


_POINTS_SQL = (
    "SELECT p.id, p.agency, a.code FROM service_point p JOIN agency a ON a.id = p.agency ORDER BY p.id"
)


def weighted_points(stored: list[tuple[int, int, str]], shares: dict[str, int]) -> list[tuple[int, int]]:
    """Each (service point id, agency id) as often as its agency's share (10 for the demo's own points)."""
    return [(point, agency) for point, agency, code in stored for _ in range(shares.get(code, 10))]


def add_agencies_sqlite(path: str, count: int, wave_code: str = "AB-2026") -> list[tuple[int, int]]:
    """Add ``count`` agencies, each with one counter service point, to the wave (after ``sipas demo``);
    returns the weighted (point, agency) list to spread responses over (:func:`submission_rows`)."""
    rows = agency_rows(count)
    conn = sqlite3.connect(path)
    wave_id = conn.execute("SELECT id FROM wave WHERE code = ?", (wave_code,)).fetchone()[0]
    unit = conn.execute("SELECT unit FROM agency WHERE unit IS NOT NULL ORDER BY id").fetchone()[0]
    statements = _agency_statements("?")
    for name, params in _agency_params(rows, wave_id, unit).items():
        if name == "agency":
            params = [(*p[:6], p[6].isoformat()) for p in params]
        if name == "point":
            params = [(*p[:5], p[5].isoformat(), p[6]) for p in params]
        conn.executemany(statements[name], params)
    conn.commit()
    stored = conn.execute(_POINTS_SQL).fetchall()
    conn.close()
    return weighted_points(stored, {r[0]: r[4] for r in rows})


async def add_agencies_postgres(url: str, count: int, wave_code: str = "AB-2026") -> list[tuple[int, int]]:
    """:func:`add_agencies_sqlite` on PostgreSQL."""
    import asyncpg

    rows = agency_rows(count)
    conn = await asyncpg.connect(url)
    try:
        wave_id = await conn.fetchval("SELECT id FROM wave WHERE code = $1", wave_code)
        unit = await conn.fetchval("SELECT unit FROM agency WHERE unit IS NOT NULL ORDER BY id LIMIT 1")
        statements = _agency_statements("${}")
        async with conn.transaction():
            for name, params in _agency_params(rows, wave_id, unit).items():
                await conn.executemany(statements[name], params)
        stored = [(r["id"], r["agency"], r["code"]) for r in await conn.fetch(_POINTS_SQL)]
    finally:
        await conn.close()
    return weighted_points(stored, {r[0]: r[4] for r in rows})
