"""The answers that the perception and expectation shares of a wave need, read compactly in SQL.

:func:`survey_engine.results.analysis.wave_shares` estimates the shares per agency from a few items (SIPAS
2023: Q5, Q6, Q10_1…Q10_8). Reading every response's JSON answers into Python cost one JSON parse per
response (minutes for millions); here the database picks out only those items, one character each
(chr(48 + the answer) when it is a whole number 1-10, else ``x``: not a valid answer of these scales),
and for the self-selected series groups the responses by agency × cluster (service point × day in UTC, as the
estimates' cell queries do), so Python receives one string per cell. The probability series keeps one
row per response (each its own unit, weighted by its dossier's final weight).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

from survey_engine.tables import Submission

__all__ = ["ShareCells", "read_share_cells"]

ShareCells = list[tuple[Any, ...]]  # (agency code, cluster or dossier hash, responses, codes)


def _checked(code: str) -> str:
    """Item codes come from the questionnaire (``[A-Za-z][A-Za-z0-9_]*``, checked by its loader)."""
    if not code.replace("_", "").isalnum() or not code.isascii():  # pragma: no cover - checked earlier
        raise ValueError(f"bad item code {code!r}")
    return code


def _char_sql(code: str, postgres: bool) -> str:
    """One character per answer: a whole number 1-10 (a JSON number, as the answers store them; scale
    points are 1-10) as chr(48 + value), anything else — missing, text, a list — as ``x``. PostgreSQL
    reads the item from the row's ``json_to_record`` (the JSON text parsed once per response, not once
    per item and operator)."""
    c = _checked(code)
    if postgres:
        # The JSON text of the value: a number 2 reads '2', the string "2" reads '"2"' (not valid).
        whens = " ".join(f"WHEN '{v}' THEN '{chr(48 + v)}'" for v in range(1, 11))
        return f"CASE x.\"{c}\"::text {whens} ELSE 'x' END"
    return (
        f"CASE WHEN json_type(s.answers, '$.{c}') = 'integer' AND json_extract(s.answers, '$.{c}') "
        f"BETWEEN 1 AND 10 THEN char(48 + json_extract(s.answers, '$.{c}')) ELSE 'x' END"
    )


# PostgreSQL reads the self-selected series' shares in this many queries side by side, each over the
# service points of one remainder (so no cell is split between them): the JSON parse of every response is
# one backend's work otherwise (24 s of a 2,000,000-response wave report's 42 s on 2 cores).
PG_PARTS = 2


def share_sql(items: Sequence[str], postgres: bool, probability: bool, parts: int = 1) -> str:
    """The query (placeholders ``{}``: wave id, then the dossier hashes of the probability sample, then,
    with ``parts`` > 1, the remainder of the service points' ids modulo ``parts`` that it reads)."""
    chars = " || ".join(_char_sql(c, postgres) for c in items) if items else "''"
    source = "FROM submission s JOIN agency a ON a.id = s.agency"
    if postgres:
        day = "((coalesce(s.submitted_at, s.received_at) AT TIME ZONE 'UTC')::date)::text"
        point = "s.service_point::text"
        linked = "s.dossier_hash = ANY({}::varchar[])"
        concat = "string_agg({}, '')"
        record = ", ".join(f'"{_checked(c)}" json' for c in items)
        if items:
            source += f" CROSS JOIN LATERAL json_to_record(s.answers) AS x({record})"
    else:
        day = "substr(coalesce(s.submitted_at, s.received_at), 1, 10)"
        point = "CAST(s.service_point AS TEXT)"
        linked = "s.dossier_hash IN (SELECT value FROM json_each({}))"
        concat = "group_concat({}, '')"
    source += " WHERE s.wave = {} AND s.complete"
    part = f" AND s.service_point % {int(parts)} = {{}}" if parts > 1 else ""
    if probability:
        return f"SELECT a.code, s.dossier_hash, 1, {chars} {source} AND {linked}{part}"
    return (
        f"SELECT a.code, {point} || ':' || {day}, COUNT(*), {concat.format(chars)} "
        f"{source} AND (s.dossier_hash IS NULL OR NOT ({linked})){part} GROUP BY 1, 2"
    )


def _read_sqlite(path: str, sql: str, wave_id: int, linked: list[str]) -> ShareCells:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        return conn.execute(sql.replace("{}", "?"), (wave_id, json.dumps(linked))).fetchall()
    finally:
        conn.close()


async def read_share_cells(
    wave_id: int, items: Sequence[str], linked: Sequence[str], probability: bool
) -> ShareCells:
    """The cells (self-selected) or rows (probability: ``linked`` are the sample's dossier hashes) of a
    wave's complete responses, each with its items' answers as one character per item and response."""
    engine = Submission._meta.db
    postgres = isinstance(engine, PostgresEngine)
    sql = share_sql(items, postgres, probability)
    if isinstance(engine, SQLiteEngine):
        return await asyncio.to_thread(_read_sqlite, engine.path, sql, wave_id, list(linked))
    parts = PG_PARTS if not probability else 1
    if parts == 1:
        rows = await Submission.raw(sql, wave_id, list(linked))
        return [tuple(r.values()) for r in rows]
    split = share_sql(items, postgres, probability, parts)
    found = await asyncio.gather(*(Submission.raw(split, wave_id, list(linked), p) for p in range(parts)))
    return [tuple(r.values()) for rows in found for r in rows]


def answer_matrix(cells: ShareCells, n_items: int) -> npt.NDArray[np.int64]:
    """The answers of every response of ``cells`` (responses × items): 1-10, or 0 when not a number."""
    joined = "".join(str(c[3]) for c in cells).encode("ascii")
    raw = np.frombuffer(joined, dtype=np.uint8).reshape(-1, n_items).astype(np.int64) - ord("0")
    return np.where((raw >= 1) & (raw <= 10), raw, 0)
