"""A national deployment for benchmarks, seeded in PostgreSQL with set-based SQL and COPY: provinces as
tenants, commune agencies with one counter each, one closed wave per province (the demo wave's
questionnaire), and responses spread over every counter (:mod:`tests.benchmarks.submission_rows`).

Needs a database the demo was loaded into (``sipas demo --responses 0``): the demo wave ``AB-2026`` lends
its questionnaire version, units version and settings to the provinces' waves.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.benchmarks.submission_rows import COLUMN_NAMES, submission_rows

PROVINCE_PREFIX = "NP"
AGENCY_PREFIX = "NA"
WAVE_PREFIX = "NAT-"
YEAR = 2026


@dataclass(frozen=True)
class NationalScale:
    provinces: int = 34
    agencies: int = 4_000
    responses: int = 2_000_000


async def seed_national(url: str, scale: NationalScale) -> None:
    """Provinces, agencies, counters, closed waves of ``YEAR`` and the responses (then VACUUM ANALYZE)."""
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction():
            await conn.execute(
                "INSERT INTO province (code, name_vi, name_en, unit_code, active, created_at) "
                "SELECT $1 || lpad(g::text, 2, '0'), 'Tỉnh ' || g, 'Province ' || g, NULL, true, now() "
                "FROM generate_series(1, $2::int) g",
                PROVINCE_PREFIX,
                scale.provinces,
            )
            await conn.execute(
                "INSERT INTO agency (code, name_vi, name_en, level, parent, unit, active, created_at, "
                "province) SELECT $1 || lpad(g::text, 5, '0'), 'UBND xã ' || g, 'Commune ' || g, 'commune', "
                "NULL, NULL, true, now(), p.id FROM generate_series(0, $2::int - 1) g "
                "JOIN province p ON p.code = $3 || lpad((g % $4::int + 1)::text, 2, '0')",
                AGENCY_PREFIX,
                scale.agencies,
                PROVINCE_PREFIX,
                scale.provinces,
            )
            await conn.execute(
                "INSERT INTO service_point (code, agency, name_vi, name_en, kind, public_token, active, "
                "created_at) SELECT a.code || '-Q1', a.id, 'Bộ phận một cửa', 'One-stop counter', "
                "'counter', md5(a.code || 'a') || md5(a.code || 'b'), true, now() FROM agency a "
                "WHERE a.code LIKE $1 || '%'",
                AGENCY_PREFIX,
            )
            await conn.execute(
                "INSERT INTO wave (code, name_vi, name_en, questionnaire_version, period_start, period_end, "
                "channels, status, unit_version, settings, created_at, updated_at, province) "
                "SELECT $1 || p.code, 'Đợt ' || p.name_vi, 'Wave ' || p.name_en, w.questionnaire_version, "
                "make_date($2, 1, 1), make_date($2, 12, 31), w.channels, 'closed', w.unit_version, "
                "w.settings, now(), now(), p.id FROM province p, wave w "
                "WHERE w.code = 'AB-2026' AND p.code LIKE $3 || '%'",
                WAVE_PREFIX,
                YEAR,
                PROVINCE_PREFIX,
            )
        version = await conn.fetchval("SELECT questionnaire_version FROM wave WHERE code = 'AB-2026'")
        points = [
            (r["wave"], r["point"], r["agency"])
            for r in await conn.fetch(
                "SELECT w.id AS wave, sp.id AS point, a.id AS agency FROM service_point sp "
                "JOIN agency a ON a.id = sp.agency JOIN wave w ON w.province = a.province "
                "WHERE w.code LIKE $1 || '%' ORDER BY sp.id",
                WAVE_PREFIX,
            )
        ]
        await conn.copy_records_to_table(
            "submission", records=submission_rows(points, scale.responses, version), columns=COLUMN_NAMES
        )
        # A database in service has its visibility map set by autovacuum (PostgreSQL ≥ 13 also vacuums
        # after inserts); right after a bulk COPY it has not, and every wave's read would visit the heap
        # page of each of its rows (a wave's rows are spread over the whole table, one or two per page)
        # instead of the covering index `submission_estimation`: 0.33 s instead of 0.05 s per wave at
        # 2,000,000 responses. So the benchmark measures the steady state, as after autovacuum.
        await conn.execute("VACUUM ANALYZE submission")
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
