"""The channels a series of estimates actually holds, counted from the data.

The ``self-selected`` series is defined by what it is not: every complete response that is not linked to
the wave's probability sample. Its responses may come through any channel (kiosk, online by QR code or
link, but also phone and paper rows not matched to a sampled dossier), so its label names that definition
and the estimates, the console and the scorecard list the channels present, with counts, from these
queries. The counts are per agency and channel so that an agency user's view and one agency's scorecard
list only that agency's responses.

The queries select the same rows as the estimates of the series (complete, every criterion coded, not
linked to a weighted dossier; with ``frame-agency-field`` calibration, linked to a frame dossier with a
field), so the counts add up to the series' ``rows``.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

import msgspec
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

from survey_engine.tables import Agency, Submission

__all__ = [
    "ALL_IDS",
    "AgencyChannelCount",
    "ChannelCount",
    "added_counts",
    "channel_totals",
    "probability_channels",
    "self_selected_channels",
    "with_agency_codes",
]


class ChannelCount(msgspec.Struct, frozen=True):
    """How many responses of a series came from one agency through one channel."""

    agency: str
    channel: str
    responses: int


class ChannelTotal(msgspec.Struct, frozen=True):
    """How many responses of a series came through one channel (the estimates' ``channels`` items)."""

    channel: str
    responses: int


def channel_totals(counts: Iterable[ChannelCount], agency: str | None = None) -> list[ChannelTotal]:
    """Responses per channel (of one agency when ``agency`` is given), most responses first."""
    totals: dict[str, int] = {}
    for c in counts:
        if agency is None or c.agency == agency:
            totals[c.channel] = totals.get(c.channel, 0) + c.responses
    return [ChannelTotal(k, v) for k, v in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))]


def _order(count: ChannelCount) -> tuple[str, str]:
    return count.agency, count.channel


class AgencyChannelCount(msgspec.Struct, frozen=True):
    """How many responses of a series came from one agency (by id) through one channel: counts that stay
    true when an agency's code changes, so they can be kept (:func:`with_agency_codes` names them)."""

    agency_id: int
    channel: str
    responses: int


def added_counts(
    kept: Sequence[AgencyChannelCount], appended: Sequence[AgencyChannelCount]
) -> list[AgencyChannelCount]:
    """Counts of a series kept earlier plus those of the rows appended since, per agency and channel."""
    totals: dict[tuple[int, str], int] = {}
    for c in (*kept, *appended):
        totals[(c.agency_id, c.channel)] = totals.get((c.agency_id, c.channel), 0) + c.responses
    return [AgencyChannelCount(a, ch, n) for (a, ch), n in sorted(totals.items())]


async def with_agency_codes(counts: Sequence[AgencyChannelCount]) -> list[ChannelCount]:
    """The counts with each agency's current code (one small query), in agency code and channel order."""
    ids = sorted({c.agency_id for c in counts})
    codes = (
        {
            int(a["id"]): str(a["code"])
            for a in await Agency.select(Agency.id, Agency.code).where(Agency.id.is_in(ids))
        }
        if ids
        else {}
    )
    named = (ChannelCount(codes.get(c.agency_id, str(c.agency_id)), c.channel, c.responses) for c in counts)
    return sorted(named, key=_order)


def _sql(postgres: bool, field_known: bool) -> str:
    """Responses of the self-selected series per agency id and channel (the WHERE of the cell query)."""
    frame = (
        " JOIN frame_unit fu ON fu.wave = s.wave AND fu.dossier_hash = s.dossier_hash"
        " AND fu.field IS NOT NULL AND fu.field <> ''"
        if field_known
        else ""
    )
    if postgres:
        where = "s.wave = {} AND s.complete AND length(s.codes) = {} AND (s.dossier_hash IS NULL OR NOT s.dossier_hash = ANY({}::varchar[])) AND s.id > {} AND s.id <= {}"  # noqa: E501
    else:
        where = "s.wave = ? AND s.complete AND length(s.codes) = ? AND (s.dossier_hash IS NULL OR s.dossier_hash NOT IN (SELECT value FROM json_each(?))) AND s.id > ? AND s.id <= ?"  # noqa: E501
    return (
        "SELECT s.agency, coalesce(s.channel, ''), COUNT(*) FROM submission s "  # noqa: S608 - values bound
        f"{frame} WHERE {where} AND s.agency IS NOT NULL GROUP BY 1, 2"
    )


def _read_sqlite(path: str, query: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        return conn.execute(query, tuple(params)).fetchall()
    finally:
        conn.close()


# Every id: the whole wave, when the caller does not bound the rows read.
ALL_IDS = (0, 2**63 - 1)


async def self_selected_channels(
    wave_id: int,
    criteria: int,
    weighted: Sequence[str],
    *,
    field_known: bool = False,
    ids: tuple[int, int] = ALL_IDS,
) -> list[AgencyChannelCount]:
    """Responses of the self-selected series per agency id and channel: complete, ``criteria`` criteria
    coded, not linked to a ``weighted`` dossier; with ``field_known``, only those linked to a frame dossier
    with a field (what ``frame-agency-field`` calibration keeps). Only the rows whose id lies in ``ids`` =
    (after, up to)."""
    engine = Submission._meta.db
    if isinstance(engine, PostgresEngine):
        result = await Submission.raw(_sql(True, field_known), wave_id, criteria, list(weighted), *ids)
        rows = [tuple(r.values()) for r in result]
    elif isinstance(engine, SQLiteEngine):
        rows = await asyncio.to_thread(
            _read_sqlite,
            engine.path,
            _sql(False, field_known),
            (wave_id, criteria, json.dumps(list(weighted)), *ids),
        )
    else:  # pragma: no cover - only the two engines exist
        raise TypeError(f"unsupported engine {type(engine).__name__}")
    counts = (AgencyChannelCount(int(a), str(c), int(n)) for a, c, n in rows)
    return sorted(counts, key=lambda c: (c.agency_id, c.channel))


async def probability_channels(records: Sequence[dict[str, Any]]) -> list[ChannelCount]:
    """Responses of the probability series (its rows as read, with ``agency`` ids) per agency and channel."""
    if not records:
        return []
    ids = sorted({int(r["agency"]) for r in records})
    codes = {
        int(a["id"]): str(a["code"])
        for a in await Agency.select(Agency.id, Agency.code).where(Agency.id.is_in(ids))
    }
    counts: dict[tuple[str, str], int] = {}
    for r in records:
        key = (codes.get(int(r["agency"]), str(r["agency"])), str(r["channel"] or ""))
        counts[key] = counts.get(key, 0) + 1
    return sorted((ChannelCount(a, c, n) for (a, c), n in counts.items()), key=_order)
