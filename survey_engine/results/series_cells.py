"""The self-selected series' cell sums (domain × PSU) and channel counts, read from the database and kept
while the wave's data are unchanged.

Reading them is a scan of every response of the series (and, for ``field``/``frame:…``/``item:…``, a join
to the frame or the JSON answers): seconds on a million responses, and the same for every request. The
sums depend only on the wave's stored data and on the domain columns, so they are kept in memory, keyed by
what changes when the data change: the database, the wave (id, creation and last change), its
questionnaire's criteria, the domain columns, the weighted dossiers (they leave the series), the wave's last
response and how many of the last ids are its responses, how many have no codes, and its last frame unit
(:func:`_data_version`). Responses are only ever added; their codes are written later only by the
migration's backfill (:mod:`.code_backfill`: codes written where there were none change the count without
codes, and a re-encoding of stored codes marks the wave changed in the same transaction), so a new
response, weighting run or rewritten code changes the key, whichever process wrote it, and so does a frame
import on SQLite. Cells and channel counts hold agency and service point ids, named per request, so a
renamed code is never stale either. On PostgreSQL, which hands ids out before commit, a transaction that
commits late with ids below the last :data:`RECENT_IDS` ids (a long import), or a frame import that
commits after a later one, changes no key. A time limit bounds what no key sees: an hour on SQLite
(:data:`KEPT_SECONDS`: a hand edit of the database), :data:`KEPT_SECONDS_POSTGRES` on PostgreSQL. The
estimates themselves are computed on every request from the kept sums.

New responses need not mean a new scan: when the data version differs from a kept one only by responses
appended after its last id (:func:`appended_only`) and the wave still has as many responses among the
:data:`RECENT_IDS` ids up to that id as when it was read (:func:`_no_late_rows`: no late commit there),
only the responses after that id are read and their cells added to the kept ones
(:func:`.kept_cells.merged`); the channel counts likewise. Every read is bounded by the version's last id,
so a kept entry never holds a response above it; one committed late below it may be read, and then the
next check sees the window changed and reads the wave again. An entry keeps the time of its last whole
read, so the time limit still bounds what no key sees.

What memory does not hold (another worker, a restart, an entry past its time limit) starts from the set
stored in the database by an earlier whole read (:func:`.stored_cells.outside_memory`), checked by counts
of the wave's ids that no late commit escapes, and extended by what was appended since; only when there
is none is the wave read whole, and that read is stored for every process.

Agency and service point are constant within a PSU (service point × day), so one set of cells, grouped by
PSU, agency and the other columns, serves every request whose other columns are the same: ``agency``,
``service_point`` and their cross share cells, as do ``field`` and ``agency × field``. Kept sums are
integers (the series is unweighted) kept in the smallest integer type that holds them, at most
:data:`CACHE_BYTES` in all.
"""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

from sampling.cells import CellSums
from survey_engine.answer_codes import CriteriaLayout
from survey_engine.results.analysis_cells import GroupedCells
from survey_engine.results.analysis_domains import needs_frame
from survey_engine.results.analysis_sql import pg_cell_arrays_query, read_sqlite_cells
from survey_engine.results.data_version import DataVersion, appended_only
from survey_engine.results.kept_cells import KeptCells, kept_from_grouped, merged
from survey_engine.results.series_channels import (
    AgencyChannelCount,
    ChannelCount,
    added_counts,
    self_selected_channels,
    with_agency_codes,
)
from survey_engine.results.stored_cells import (
    Counter,
    Place,
    columns_key,
    counts_up_to,
    criteria_key,
    decode_cells,
    decode_channels,
    encode_cells,
    encode_channels,
    outside_memory,
)
from survey_engine.tables import Submission

__all__ = [
    "CACHE_BYTES",
    "CACHE_SECONDS",
    "KEPT_SECONDS",
    "KEPT_SECONDS_POSTGRES",
    "DataVersion",
    "SeriesCells",
    "appended_only",
    "clear_series_cells",
    "keep_derived",
    "kept_cell_sets",
    "kept_derived",
    "kept_derived_values",
    "read_grouped",
    "self_selected_cells",
    "series_version",
]

# Memory of the cell sums kept over all entries, per process. At 39 criteria a cell takes ~130 bytes when
# its sums fit in one byte (most: a cell is one service point's day in its domains), ~500 at int32.
CACHE_BYTES = 256 * 2**20
CACHE_SECONDS = 300.0  # values derived from the cells (a province's totals): they may hold agency codes
# Cell sums and channel counts hold ids, not codes, and every write that changes them changes the data
# version (:func:`_data_version`), so on SQLite, whose writers commit one after another in id order, the
# time limit only bounds what no key sees (a hand edit of the database): each is read whole again at least
# this often. PostgreSQL hands ids out before commit: a transaction that commits late with ids below the
# :data:`RECENT_IDS` window (a long import), or a frame import committing after a later one, changes no
# key, so there the limit stays :data:`KEPT_SECONDS_POSTGRES`, as for every kept value before appends.
KEPT_SECONDS = 3600.0
KEPT_SECONDS_POSTGRES = 300.0


def _kept_seconds() -> float:
    return KEPT_SECONDS_POSTGRES if isinstance(Submission._meta.db, PostgresEngine) else KEPT_SECONDS


_POINT_COLUMNS = ("service_point", "agency")  # constant within a PSU: they never split its cells


@dataclass(frozen=True)
class SeriesCells:
    """Cell sums of the self-selected series for some domain columns, and each cell's row count."""

    cells: CellSums | None
    counts: npt.NDArray[np.int64]
    rows: int


_CELLS: OrderedDict[tuple[Any, ...], tuple[float, KeptCells | None]] = OrderedDict()
_CHANNELS: OrderedDict[tuple[Any, ...], tuple[float, list[AgencyChannelCount]]] = OrderedDict()


def clear_series_cells() -> None:
    """Forget every kept cell sum, channel count and value derived from them (tests; an operator's
    reset; the codes' backfill)."""
    _CELLS.clear()
    _CHANNELS.clear()
    _DERIVED.clear()


def forget_wave_cells(wave_id: int) -> None:
    """Forget this process's kept cells and channel counts of one wave (the background upkeep, before it
    reads a set whole again: a kept entry would otherwise only be extended)."""
    for kept in (_CELLS, _CHANNELS):
        for key in [k for k in kept if k[0] == wave_id]:
            kept.pop(key, None)


# Small values derived from a series' cells (a province's totals in the national roll-up: a few dozen KB
# at 39 criteria), kept under a key that starts with :func:`series_version`, at most DERIVED_ENTRIES.
DERIVED_ENTRIES = 256
_DERIVED: OrderedDict[tuple[Any, ...], tuple[float, Any]] = OrderedDict()


def kept_derived(key: tuple[Any, ...], now: float) -> tuple[bool, Any]:
    """(True, the value) kept under ``key`` and still fresh (:data:`CACHE_SECONDS`), else (False, None)."""
    entry = _DERIVED.get(key)
    if not _fresh(entry, now, CACHE_SECONDS):
        return False, None
    _DERIVED.move_to_end(key)
    return True, entry[1]  # type: ignore[index]


def keep_derived(key: tuple[Any, ...], value: Any, now: float) -> None:
    """Keep ``value`` under ``key`` (which starts with :func:`series_version`), the oldest dropped first."""
    _DERIVED[key] = (now, value)
    while len(_DERIVED) > DERIVED_ENTRIES:
        _DERIVED.popitem(last=False)


def kept_derived_values() -> int:
    """How many derived values are kept (tests)."""
    return len(_DERIVED)


def kept_cell_sets() -> int:
    """How many sets of cell sums are kept (tests; an operator's view of the memory in use)."""
    return len(_CELLS)


def grouped_columns(columns: Sequence[str]) -> tuple[str, ...]:
    """The columns the database groups by for ``columns``: service point and agency, then the others in
    a fixed order (so every request with the same other columns shares one set of cells)."""
    return (*_POINT_COLUMNS, *sorted(c for c in set(columns) if c not in _POINT_COLUMNS))


def _database() -> str:
    """Which database the tables are bound to (two databases may hold a wave of the same id)."""
    engine = Submission._meta.db
    if isinstance(engine, SQLiteEngine):
        return f"sqlite:{engine.path}"
    config = getattr(engine, "config", {}) or {}
    return f"{type(engine).__name__}:{sorted((str(k), str(v)) for k, v in config.items())}"


# Responses of the wave among the last RECENT_IDS ids: a transaction that committed after one with a larger
# id (PostgreSQL hands ids out before commit) lands there, so the key sees it without counting the wave.
RECENT_IDS = 10_000
# One statement of small lookups, each on an index: the wave's last response, its responses among the last
# ids, those without codes (the partial index; SQLite's planner would read the wide covering index of the
# estimation instead), its last frame unit.
_VERSION_SQL = (
    "SELECT (SELECT created_at FROM wave WHERE id = {w}) AS created, "
    "(SELECT updated_at FROM wave WHERE id = {w}) AS updated, "
    "(SELECT MAX(id) FROM submission WHERE wave = {w}) AS last_response, "
    "(SELECT COUNT(*) FROM submission WHERE wave = {w} AND id > "
    "(SELECT COALESCE(MAX(id), 0) FROM submission WHERE wave = {w}) - {recent}) AS recent_responses, "
    "(SELECT COUNT(*) FROM submission{by_missing} WHERE wave = {w} AND codes IS NULL) AS uncoded, "
    "(SELECT MAX(id) FROM frame_unit WHERE wave = {w}) AS last_frame_unit"
)


_VERSION_COLUMNS = ("created", "updated", "last_response", "recent_responses", "uncoded", "last_frame_unit")


def _read_sqlite(path: str, query: str, params: Sequence[Any]) -> tuple[Any, ...]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        return tuple(conn.execute(query, tuple(params)).fetchone())
    finally:
        conn.close()


async def _data_version(wave_id: int, weighted: Sequence[str]) -> DataVersion:
    """What changes when the series' data change: the wave's creation time, its last response and how many
    of its responses lie among the last :data:`RECENT_IDS` ids (responses are never deleted), how many have
    no codes yet (the migration's backfill writes them), its last frame unit (frame units are only ever
    added, one import per transaction) and the weighted dossiers. No query counts the whole wave: on a
    million responses that alone took a large part of the time an answer may take."""
    engine = Submission._meta.db
    if isinstance(engine, SQLiteEngine):
        query = _VERSION_SQL.format(
            w="?", recent=RECENT_IDS, by_missing=" INDEXED BY submission_codes_missing"
        )
        found = await asyncio.to_thread(_read_sqlite, engine.path, query, (wave_id,) * 7)
    else:
        query = _VERSION_SQL.format(w="{}", recent=RECENT_IDS, by_missing="")
        row = (await Submission.raw(query, *(wave_id,) * 7))[0]
        found = tuple(row[k] for k in _VERSION_COLUMNS)  # named: a row of unnamed columns loses repeats
    excluded = hashlib.sha256("\n".join(sorted(weighted)).encode()).hexdigest()
    created, updated, last_response, recent, uncoded, last_frame_unit = found
    return DataVersion(
        _database(), created, updated, last_response, int(recent), int(uncoded), last_frame_unit, excluded
    )


_WINDOW_SQL = "SELECT COUNT(*) AS n FROM submission WHERE wave = {w} AND id > {w} AND id <= {w}"


async def _no_late_rows(wave_id: int, old: DataVersion) -> bool:
    """Whether the wave still has as many responses among the :data:`RECENT_IDS` ids up to ``old``'s last
    one as when ``old`` was read: a transaction holding a smaller id than rows already read (PostgreSQL
    hands ids out before commit) has not committed since, so reading the ids after ``old``'s last one
    misses nothing (the same window the data version watches)."""
    assert old.last_response is not None  # noqa: S101 - checked by appended_only
    bounds = (wave_id, old.last_response - RECENT_IDS, old.last_response)
    engine = Submission._meta.db
    if isinstance(engine, SQLiteEngine):
        found = (await asyncio.to_thread(_read_sqlite, engine.path, _WINDOW_SQL.format(w="?"), bounds))[0]
    else:
        found = (await Submission.raw(_WINDOW_SQL.format(w="{}"), *bounds))[0]["n"]
    return int(found) == old.recent_responses


def _base(
    kept: OrderedDict[tuple[Any, ...], tuple[float, Any]],
    version: tuple[Any, ...],
    tail: Any,
    frame: bool,
    now: float,
) -> tuple[tuple[Any, ...], tuple[float, Any]] | None:
    """The kept entry of the same series and columns (``tail``) that ``version`` extends by appended
    responses only, still fresh, the latest such; None when there is none."""
    found = None
    for key, entry in kept.items():
        if (
            key[:2] != version[:2]
            or key[3] != tail
            or entry[1] is None
            or not _fresh(entry, now, _kept_seconds())
        ):
            continue
        if appended_only(key[2], version[2], frame) and (
            found is None or key[2].last_response > found[0][2].last_response
        ):
            found = (key, entry)
    return found


async def read_grouped(
    wave_id: int, layout: CriteriaLayout, columns: Sequence[str], weighted: list[str], ids: tuple[int, int]
) -> GroupedCells:
    """The series' rows with ids in ``ids`` = (after, up to), grouped by PSU × ``columns`` inside the
    database (:mod:`.analysis_sql`)."""
    engine = Submission._meta.db
    key_columns = 2 + sum(1 for c in columns if c != "service_point")
    if isinstance(engine, PostgresEngine):
        # One row of arrays, not a record per cell (:func:`pg_cell_arrays_query`).
        query = pg_cell_arrays_query(columns)
        found = (await Submission.raw(query, wave_id, len(layout.codes), weighted, *ids))[0]
        if found["n_rows"] is None:  # no cell: every aggregate is NULL
            return GroupedCells.from_rows([], key_columns)
        return GroupedCells(
            tuple(found[f"k{i}"] for i in range(key_columns)),
            np.asarray(found["n_rows"], dtype=np.int64),
            found["codes"],
        )
    if isinstance(engine, SQLiteEngine):
        rows = await asyncio.to_thread(
            read_sqlite_cells, engine.path, wave_id, layout, columns, weighted, ids
        )
        return GroupedCells.from_rows(rows, key_columns)
    raise TypeError(f"unsupported engine {type(engine).__name__}")  # pragma: no cover - two engines only


def _store(key: tuple[Any, ...], kept: KeptCells | None, now: float) -> None:
    _CELLS[key] = (now, kept)
    total = sum(k.nbytes for _, k in _CELLS.values() if k is not None)
    while total > CACHE_BYTES and len(_CELLS) > 1:
        _, (_, dropped) = _CELLS.popitem(last=False)
        total -= dropped.nbytes if dropped is not None else 0


def _fresh(entry: tuple[float, Any] | None, now: float, seconds: float) -> bool:
    return entry is not None and now - entry[0] < seconds


async def _extended(
    base: KeptCells | None,
    grouped: GroupedCells,
    columns: tuple[str, ...],
    layout: CriteriaLayout,
    groups: dict[str, list[str]],
) -> KeptCells | None:
    """``base`` with the cells of ``grouped`` (rows appended after it) added."""
    appended = await asyncio.to_thread(kept_from_grouped, grouped, columns, layout, groups)
    if appended is None or base is None:
        return base if appended is None else appended
    return await asyncio.to_thread(merged, base, appended, columns)


async def series_version(wave_id: int, layout: CriteriaLayout, weighted: Sequence[str]) -> tuple[Any, ...]:
    """What the self-selected series' kept values are keyed by: the wave, its criteria and the data
    version read from the database (:func:`_data_version`), so another process's writes change it too.
    Values derived from the series alone (the cells; a province's totals in the national roll-up) may
    be kept under it, bounded in time (:data:`CACHE_SECONDS` for derived values, :func:`_kept_seconds` for
    the cells)."""
    return (wave_id, layout.codes, await _data_version(wave_id, weighted))


class _SharedChecks:
    """The checks a request's cells and channel counts share, each run once per request: the late-commit
    check of a kept version (:func:`_no_late_rows`), and the counts of the wave's ids up to some ids
    (:func:`.stored_cells.counts_up_to`: a scan of the wave's ids)."""

    def __init__(self, wave_id: int, version: DataVersion) -> None:
        self.wave_id, self.version = wave_id, version
        self.checks: dict[DataVersion, asyncio.Future[bool]] = {}
        self.counts: dict[tuple[int, ...], asyncio.Future[tuple[tuple[int, ...], int]]] = {}

    def no_late_rows(self, kept: DataVersion) -> asyncio.Future[bool]:
        if kept not in self.checks:
            self.checks[kept] = asyncio.ensure_future(_no_late_rows(self.wave_id, kept))
        return self.checks[kept]

    def count(self, lasts: tuple[int, ...]) -> asyncio.Future[tuple[tuple[int, ...], int]]:
        if lasts not in self.counts:
            self.counts[lasts] = asyncio.ensure_future(
                counts_up_to(self.wave_id, lasts, self.version.last_frame_unit or 0)
            )
        return self.counts[lasts]


async def self_selected_cells(
    wave_id: int,
    layout: CriteriaLayout,
    groups: dict[str, list[str]],
    columns: Sequence[str],
    weighted: list[str],
    *,
    field_known: bool,
    with_channels: bool = True,
) -> tuple[SeriesCells, list[ChannelCount]]:
    """Cell sums of the self-selected series with ``columns`` as domains (service point and agency as ids,
    the others as levels), and the series' responses per agency and channel (``field_known``: only those
    linked to a frame dossier with a field, as :func:`self_selected_channels`; none without
    ``with_channels``, which saves a scan of the series)."""
    version = await series_version(wave_id, layout, weighted)
    grouped_by = grouped_columns(columns)
    cells_key = (*version, grouped_by)
    channels_key = (*version, field_known)
    now = time.monotonic()
    cells_hit, channels_hit = _CELLS.get(cells_key), _CHANNELS.get(channels_key)

    shared = _SharedChecks(wave_id, version[2])
    no_late_rows, count = shared.no_late_rows, shared.count

    async def read_cells() -> KeptCells | None:
        if _fresh(cells_hit, now, _kept_seconds()):
            _CELLS.move_to_end(cells_key)
            return cells_hit[1]  # type: ignore[index]
        base = _base(_CELLS, version, grouped_by, needs_frame(grouped_by), now)
        no_late = False
        if base is not None:
            # Only the responses appended since the kept cells were read, added to them; the entry keeps
            # the time of its last whole read, so what no key sees is still re-read within KEPT_SECONDS.
            # The appended rows are read while the late-commit check runs: both are small index reads.
            (base_key, (read_at, base_kept)) = base
            ids = (base_key[2].last_response, version[2].last_response)
            no_late, grouped = await asyncio.gather(
                no_late_rows(base_key[2]), read_grouped(wave_id, layout, grouped_by, weighted, ids)
            )
        if base is not None and no_late:
            kept = await _extended(base_kept, grouped, grouped_by, layout, groups)
            _CELLS.pop(base_key, None)  # superseded: its version cannot come back
            _store(cells_key, kept, read_at)
            return kept
        place = Place(wave_id, criteria_key(layout, groups), columns_key("cells", grouped_by))

        async def read(ids: tuple[int, int]) -> GroupedCells:
            return await read_grouped(wave_id, layout, grouped_by, weighted, ids)

        async def extend(kept: KeptCells | None, grouped: GroupedCells) -> KeptCells | None:
            return await _extended(kept, grouped, grouped_by, layout, groups)

        found: KeptCells | None = await outside_memory(
            place, version[2], needs_frame(grouped_by), (encode_cells, decode_cells), read, extend, count
        )
        _store(cells_key, found, now)  # read whole or checked against the database just now
        return found

    async def read_channels() -> list[AgencyChannelCount]:
        if not with_channels:
            return []
        if _fresh(channels_hit, now, _kept_seconds()):
            return channels_hit[1]  # type: ignore[index]
        counts, read_at = await _channels_read(
            wave_id, layout, weighted, version, field_known, now, no_late_rows, count
        )
        _CHANNELS[channels_key] = (read_at, counts)
        while len(_CHANNELS) > 64:
            _CHANNELS.popitem(last=False)
        return counts

    # Two scans of the series when neither is kept: side by side (two connections, or two SQLite readers).
    kept, counted = await asyncio.gather(read_cells(), read_channels())
    channels = await with_agency_codes(counted)  # today's codes: the kept counts hold agency ids
    if kept is None:
        return SeriesCells(cells=None, counts=np.zeros(0, dtype=np.int64), rows=0), channels
    # Copies of tens of MB on a large wave: in a worker thread, so the event loop serves the other reads.
    cells = await asyncio.to_thread(_cell_sums, kept, columns)
    return SeriesCells(cells=cells, counts=kept.counts, rows=int(kept.counts.sum())), channels


async def _channels_read(
    wave_id: int,
    layout: CriteriaLayout,
    weighted: list[str],
    version: tuple[Any, ...],
    field_known: bool,
    now: float,
    no_late_rows: Callable[[DataVersion], Awaitable[bool]],
    count: Counter,
) -> tuple[list[AgencyChannelCount], float]:
    """The series' responses per agency and channel not kept in memory for ``version``: a kept entry with
    the appended responses added, the stored set's, or a whole read; and the time of its last whole read
    (monotonic), as the cells'."""

    async def read(ids: tuple[int, int]) -> list[AgencyChannelCount]:
        return await self_selected_channels(
            wave_id, len(layout.codes), weighted, field_known=field_known, ids=ids
        )

    async def extend(
        counted: list[AgencyChannelCount] | None, new: list[AgencyChannelCount]
    ) -> list[AgencyChannelCount]:
        return added_counts(counted or [], new)

    base = _base(_CHANNELS, version, field_known, field_known, now)
    if base is not None and await no_late_rows(base[0][2]):
        (base_key, (read_at, counted_before)) = base
        _CHANNELS.pop(base_key, None)
        return await extend(
            counted_before, await read((base_key[2].last_response, version[2].last_response))
        ), read_at
    place = Place(
        wave_id, criteria_key(layout, {}), columns_key("channels", ("field",) if field_known else ())
    )
    codec = (encode_channels, decode_channels)
    return await outside_memory(place, version[2], field_known, codec, read, extend, count) or [], now


def _cell_sums(kept: KeptCells, columns: Sequence[str]) -> CellSums:
    """The estimators' cell sums (floats, int64 counts) from kept ones, with the ``columns`` domains."""
    valid = kept.valid.astype(np.int64)
    return CellSums(
        domains={c: kept.domains[c] for c in columns},
        strata=None,
        psu=kept.psu,
        top=kept.top.astype(np.float64),
        valid=valid.astype(np.float64),
        valid_rows=valid,
        dont_know=kept.dont_know.astype(np.int64),
        group_rows=kept.group_rows.astype(np.int64),
    )
