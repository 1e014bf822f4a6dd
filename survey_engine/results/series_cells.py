"""The self-selected series' cell sums (domain × PSU) and channel counts, read from the database and kept
while the wave's data are unchanged.

Reading them is a scan of every response of the series (and, for ``field``/``frame:…``/``item:…``, a join
to the frame or the JSON answers): seconds on a million responses, and the same for every request. The
sums depend only on the wave's stored data and on the domain columns, so they are kept in memory, keyed by
what changes when the data change: the database, the wave (id and creation time), its questionnaire's
criteria, the domain columns, the weighted dossiers (they leave the series), the wave's last response and
how many of the last ids are its responses, how many have no codes, and its last frame unit
(:func:`_data_version`). Responses are only ever added; their
codes are written later only by the migration's backfill (:mod:`.code_backfill`, which forgets what this
process kept), so a new response, frame import, weighting run or backfilled code is never hidden. A time
limit bounds what the key cannot see: an agency's renamed code in the channel counts (cell domains keep
ids, relabelled per request) and a migration run by another process that re-encodes stored codes
(``recode_scored_choices``). The estimates themselves are computed on every request from the kept sums.

Agency and service point are constant within a PSU (service point × day), so one set of cells, grouped by
PSU, agency and the other columns, serves every request whose other columns are the same: ``agency``,
``service_point`` and their cross share cells, as do ``field`` and ``agency × field``. Kept sums are
integers (the series is unweighted) stored as int32, at most :data:`CACHE_CELLS` cells in all.
"""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

from sampling.cells import CellSums
from survey_engine.answer_codes import CriteriaLayout
from survey_engine.results.analysis_cells import GroupedCells, cells_from_grouped
from survey_engine.results.analysis_sql import pg_cell_arrays_query, read_sqlite_cells
from survey_engine.results.series_channels import ChannelCount, self_selected_channels
from survey_engine.tables import Submission

__all__ = [
    "CACHE_CELLS",
    "CACHE_SECONDS",
    "SeriesCells",
    "clear_series_cells",
    "keep_derived",
    "kept_cell_sets",
    "kept_derived",
    "kept_derived_values",
    "self_selected_cells",
    "series_version",
]

CACHE_CELLS = 250_000  # cells kept over all entries (~130 MB at 39 criteria)
CACHE_SECONDS = 300.0
_POINT_COLUMNS = ("service_point", "agency")  # constant within a PSU: they never split its cells


@dataclass(frozen=True)
class SeriesCells:
    """Cell sums of the self-selected series for some domain columns, and each cell's row count."""

    cells: CellSums | None
    counts: npt.NDArray[np.int64]
    rows: int


@dataclass(frozen=True)
class _Kept:
    """Cell sums as kept: integer sums in int32 and the domain labels of every grouped column."""

    domains: dict[str, npt.NDArray[Any]]
    psu: npt.NDArray[np.int64]
    top: npt.NDArray[np.int32]
    valid: npt.NDArray[np.int32]
    dont_know: npt.NDArray[np.int32]
    group_rows: npt.NDArray[np.int32]
    counts: npt.NDArray[np.int64]

    @property
    def size(self) -> int:
        return int(self.counts.shape[0])


_CELLS: OrderedDict[tuple[Any, ...], tuple[float, _Kept | None]] = OrderedDict()
_CHANNELS: OrderedDict[tuple[Any, ...], tuple[float, list[ChannelCount]]] = OrderedDict()


def clear_series_cells() -> None:
    """Forget every kept cell sum, channel count and value derived from them (tests; an operator's
    reset; the codes' backfill)."""
    _CELLS.clear()
    _CHANNELS.clear()
    _DERIVED.clear()


# Small values derived from a series' cells (a province's totals in the national roll-up: a few dozen KB
# at 39 criteria), kept under a key that starts with :func:`series_version`, at most DERIVED_ENTRIES.
DERIVED_ENTRIES = 256
_DERIVED: OrderedDict[tuple[Any, ...], tuple[float, Any]] = OrderedDict()


def kept_derived(key: tuple[Any, ...], now: float) -> tuple[bool, Any]:
    """(True, the value) kept under ``key`` and still fresh (:data:`CACHE_SECONDS`), else (False, None)."""
    entry = _DERIVED.get(key)
    if not _fresh(entry, now):
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
    "(SELECT MAX(id) FROM submission WHERE wave = {w}) AS last_response, "
    "(SELECT COUNT(*) FROM submission WHERE wave = {w} AND id > "
    "(SELECT COALESCE(MAX(id), 0) FROM submission WHERE wave = {w}) - {recent}) AS recent_responses, "
    "(SELECT COUNT(*) FROM submission{by_missing} WHERE wave = {w} AND codes IS NULL) AS uncoded, "
    "(SELECT MAX(id) FROM frame_unit WHERE wave = {w}) AS last_frame_unit"
)


_VERSION_COLUMNS = ("created", "last_response", "recent_responses", "uncoded", "last_frame_unit")


def _read_sqlite_version(path: str, wave_id: int) -> tuple[Any, ...]:
    query = _VERSION_SQL.format(w="?", recent=RECENT_IDS, by_missing=" INDEXED BY submission_codes_missing")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        return tuple(conn.execute(query, (wave_id,) * 6).fetchone())
    finally:
        conn.close()


async def _data_version(wave_id: int, weighted: Sequence[str]) -> tuple[Any, ...]:
    """What changes when the series' data change: the wave's creation time, its last response and how many
    of its responses lie among the last :data:`RECENT_IDS` ids (responses are never deleted), how many have
    no codes yet (the migration's backfill writes them), its last frame unit (frame units are only ever
    added, one import per transaction) and the weighted dossiers. No query counts the whole wave: on a
    million responses that alone took a large part of the time an answer may take."""
    engine = Submission._meta.db
    if isinstance(engine, SQLiteEngine):
        found = await asyncio.to_thread(_read_sqlite_version, engine.path, wave_id)
    else:
        query = _VERSION_SQL.format(w="{}", recent=RECENT_IDS, by_missing="")
        row = (await Submission.raw(query, *(wave_id,) * 6))[0]
        found = tuple(row[k] for k in _VERSION_COLUMNS)  # named: a row of unnamed columns loses repeats
    excluded = hashlib.sha256("\n".join(sorted(weighted)).encode()).hexdigest()
    return (_database(), *found, excluded)


async def _read_grouped(
    wave_id: int, layout: CriteriaLayout, columns: Sequence[str], weighted: list[str]
) -> GroupedCells:
    """The series grouped by PSU × ``columns`` inside the database (:mod:`.analysis_sql`)."""
    engine = Submission._meta.db
    key_columns = 2 + sum(1 for c in columns if c != "service_point")
    if isinstance(engine, PostgresEngine):
        # One row of arrays, not a record per cell (:func:`pg_cell_arrays_query`).
        found = (await Submission.raw(pg_cell_arrays_query(columns), wave_id, len(layout.codes), weighted))[0]
        if found["n_rows"] is None:  # no cell: every aggregate is NULL
            return GroupedCells.from_rows([], key_columns)
        return GroupedCells(
            tuple(found[f"k{i}"] for i in range(key_columns)),
            np.asarray(found["n_rows"], dtype=np.int64),
            found["codes"],
        )
    if isinstance(engine, SQLiteEngine):
        rows = await asyncio.to_thread(read_sqlite_cells, engine.path, wave_id, layout, columns, weighted)
        return GroupedCells.from_rows(rows, key_columns)
    raise TypeError(f"unsupported engine {type(engine).__name__}")  # pragma: no cover - two engines only


def _keep(
    grouped: GroupedCells, columns: tuple[str, ...], layout: CriteriaLayout, groups: Any
) -> _Kept | None:
    if not grouped.size:
        return None
    cells = cells_from_grouped(grouped, columns, layout, groups)

    def frozen(a: npt.ArrayLike, dtype: Any) -> Any:
        out = np.asarray(a).astype(dtype)
        out.flags.writeable = False  # shared by every request that reads this entry
        return out

    return _Kept(
        domains={c: frozen(cells.domains[c], object) for c in columns},
        # PSUs as integer codes in the order of their labels (cells_from_grouped): the design orders its
        # units exactly as it would order the labels, without sorting strings on every request.
        psu=frozen(cells.psu, np.int64),
        top=frozen(cells.top, np.int32),
        valid=frozen(cells.valid, np.int32),
        dont_know=frozen(cells.dont_know, np.int32),
        group_rows=frozen(cells.group_rows, np.int32),
        counts=frozen(grouped.counts, np.int64),
    )


def _store(key: tuple[Any, ...], kept: _Kept | None, now: float) -> None:
    _CELLS[key] = (now, kept)
    total = sum(k.size for _, k in _CELLS.values() if k is not None)
    while total > CACHE_CELLS and len(_CELLS) > 1:
        _, (_, dropped) = _CELLS.popitem(last=False)
        total -= dropped.size if dropped is not None else 0


def _fresh(entry: tuple[float, Any] | None, now: float) -> bool:
    return entry is not None and now - entry[0] < CACHE_SECONDS


async def series_version(wave_id: int, layout: CriteriaLayout, weighted: Sequence[str]) -> tuple[Any, ...]:
    """What the self-selected series' kept values are keyed by: the wave, its criteria and the data
    version read from the database (:func:`_data_version`), so another process's writes change it too.
    Values derived from the series alone (the cells; a province's totals in the national roll-up) may
    be kept under it, bounded in time by :data:`CACHE_SECONDS` as the cells are."""
    return (wave_id, layout.codes, await _data_version(wave_id, weighted))


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

    async def read_cells() -> _Kept | None:
        if _fresh(cells_hit, now):
            _CELLS.move_to_end(cells_key)
            return cells_hit[1]  # type: ignore[index]
        grouped = await _read_grouped(wave_id, layout, grouped_by, weighted)
        kept = await asyncio.to_thread(_keep, grouped, grouped_by, layout, groups)
        _store(cells_key, kept, now)
        return kept

    async def read_channels() -> list[ChannelCount]:
        if not with_channels:
            return []
        if _fresh(channels_hit, now):
            return channels_hit[1]  # type: ignore[index]
        counted = await self_selected_channels(wave_id, len(layout.codes), weighted, field_known=field_known)
        _CHANNELS[channels_key] = (now, counted)
        while len(_CHANNELS) > 64:
            _CHANNELS.popitem(last=False)
        return counted

    # Two scans of the series when neither is kept: side by side (two connections, or two SQLite readers).
    kept, channels = await asyncio.gather(read_cells(), read_channels())
    if kept is None:
        return SeriesCells(cells=None, counts=np.zeros(0, dtype=np.int64), rows=0), list(channels)
    # Copies of tens of MB on a large wave: in a worker thread, so the event loop serves the other reads.
    cells = await asyncio.to_thread(_cell_sums, kept, columns)
    return SeriesCells(cells=cells, counts=kept.counts, rows=int(kept.counts.sum())), list(channels)


def _cell_sums(kept: _Kept, columns: Sequence[str]) -> CellSums:
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
