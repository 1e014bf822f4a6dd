"""Cell sums of the self-selected series as :mod:`.series_cells` keeps them in memory, and how the cells of
rows appended later are added to them.

Every sum in a cell (criterion sums, valid and "don't know" counts, rows per group, the cell's row count)
is a plain count over the cell's rows, so the cells of a wave's first rows plus the cells of the rows
appended after them, with the cells of the same key added together, are exactly the cells of all the
rows: :func:`merged` lets a request after new responses read only the new ones instead of the wave.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from survey_engine.answer_codes import CriteriaLayout
from survey_engine.results.analysis_cells import GroupedCells, cells_from_grouped, psu_codes

__all__ = ["KeptCells", "kept_from_grouped", "merged"]


@dataclass(frozen=True)
class KeptCells:
    """Cell sums as kept: integer sums each in the smallest integer type that holds them (:func:`_compact`),
    the domain labels of every grouped column, each cell's PSU (service point id and day, and their
    integer code in label order) and row count."""

    domains: dict[str, npt.NDArray[Any]]
    points: npt.NDArray[Any]
    days: npt.NDArray[np.datetime64]
    psu: npt.NDArray[np.int64]
    top: npt.NDArray[np.integer[Any]]
    valid: npt.NDArray[np.integer[Any]]
    dont_know: npt.NDArray[np.integer[Any]]
    group_rows: npt.NDArray[np.integer[Any]]
    counts: npt.NDArray[np.int64]

    @property
    def size(self) -> int:
        return int(self.counts.shape[0])

    @property
    def nbytes(self) -> int:
        """Memory held by the arrays (a label array holds one pointer per cell; its few distinct labels
        are shared)."""
        arrays = (self.points, self.days, self.psu, self.top, self.valid, self.dont_know, self.group_rows)
        return sum(a.nbytes for a in (*arrays, self.counts, *self.domains.values()))


def _frozen(a: npt.ArrayLike, dtype: Any) -> Any:
    out = np.asarray(a).astype(dtype)
    out.flags.writeable = False  # shared by every request that reads the kept cells
    return out


def _compact(a: npt.ArrayLike) -> Any:
    """Integer sums in the smallest integer type that holds every one of them: a cell is one service
    point on one day within its domains, so most hold a few rows and their sums fit in one byte (a
    quarter of int32's memory, so four times the cells fit in the kept memory)."""
    values = np.asarray(a)
    if not values.size:
        return _frozen(values, np.uint8)
    low, high = int(values.min()), int(values.max())
    return _frozen(values, np.result_type(np.min_scalar_type(low), np.min_scalar_type(high)))


def kept_from_grouped(
    grouped: GroupedCells, columns: tuple[str, ...], layout: CriteriaLayout, groups: Any
) -> KeptCells | None:
    """The cells to keep from the database's grouped cells; None when there is none."""
    if not grouped.size:
        return None
    cells = cells_from_grouped(grouped, columns, layout, groups)
    return KeptCells(
        domains={c: _frozen(cells.domains[c], object) for c in columns},
        points=_frozen(grouped.keys[0], np.asarray(grouped.keys[0]).dtype),
        days=_frozen(np.asarray(grouped.keys[1], dtype=str), "datetime64[D]"),
        # PSUs as integer codes in the order of their labels (cells_from_grouped): the design orders its
        # units exactly as it would order the labels, without sorting strings on every request.
        psu=_frozen(cells.psu, np.int64),
        top=_compact(cells.top.astype(np.int64)),
        valid=_compact(cells.valid.astype(np.int64)),
        dont_know=_compact(cells.dont_know),
        group_rows=_compact(cells.group_rows),
        counts=_frozen(grouped.counts, np.int64),
    )


def _codes(*columns: npt.NDArray[Any]) -> npt.NDArray[np.int64]:
    """One integer per distinct combination of the columns' values (all of one length)."""
    combined = np.zeros(len(columns[0]), dtype=np.int64)
    for column in columns:
        distinct, inverse = np.unique(np.asarray(column), return_inverse=True)
        combined = combined * len(distinct) + inverse.reshape(-1)
        # Renumber densely after each column, so the mixed-radix product never overflows.
        combined = np.unique(combined, return_inverse=True)[1].reshape(-1).astype(np.int64)
    return combined


def _psu(points: npt.NDArray[Any], days: npt.NDArray[np.datetime64]) -> npt.NDArray[np.int64]:
    """:func:`.analysis_cells.psu_codes` of kept cells, on integers: service points in the order of their
    labels, then days in calendar order, which is the order of their ISO labels."""
    if points.dtype == object:  # not all integers (a response without a service point): by the labels
        return psu_codes(list(points), [str(d) for d in days])
    distinct, point_of_cell = np.unique(points, return_inverse=True)
    labels = np.array([f"{v}:" for v in distinct.tolist()], dtype=str)
    point_rank = np.argsort(np.argsort(labels, kind="stable"))
    day = days.astype(np.int64)
    day = day - (day.min() if day.size else 0)
    combined = point_rank[point_of_cell.reshape(-1)].astype(np.int64) * (int(day.max(initial=0)) + 1) + day
    codes: npt.NDArray[np.int64] = np.unique(combined, return_inverse=True)[1].reshape(-1).astype(np.int64)
    return codes


def merged(old: KeptCells, new: KeptCells, columns: Sequence[str]) -> KeptCells:
    """The kept cells of ``old``'s rows and ``new``'s (rows appended after them): cells of the same PSU and
    domains added together, every PSU coded again in label order (a new day may fall between others).

    Only the old cells of a PSU the new rows reach (usually today's) are combined; the others are copied
    as they are, so beyond those copies the cost follows the appended rows, not the wave.
    """
    n_old = old.size
    points = np.concatenate([old.points, new.points])
    days = np.concatenate([old.days, new.days])
    psu = _psu(points, days)  # the union's PSUs: combining cells leaves the same set
    touched = np.isin(psu[:n_old], psu[n_old:])
    touched_at = np.flatnonzero(touched)
    untouched_at = np.flatnonzero(~touched)
    part = np.concatenate([touched_at, n_old + np.arange(new.size)])
    domains = {c: np.concatenate([old.domains[c], new.domains[c]]) for c in columns}
    key = _codes(psu[part], *(domains[c][part].astype(str) for c in columns))
    order = np.argsort(key, kind="stable")  # cells of one key side by side, the first one first (new ≥ 1)
    starts = np.flatnonzero(np.concatenate([[True], key[order][1:] != key[order][:-1]]))
    kept = np.concatenate([untouched_at, part[order[starts]]])  # each resulting cell's labels

    def combined(old_values: npt.NDArray[Any], new_values: npt.NDArray[Any]) -> Any:
        # Sums in int64: those of two small types may not fit either (:func:`_compact` chooses again).
        values = np.concatenate([old_values[touched_at].astype(np.int64), new_values.astype(np.int64)])
        if values.ndim == 1:
            sums = np.add.reduceat(values[order], starts)
        else:  # down contiguous rows of the transpose: several times faster than down axis 0
            sums = np.add.reduceat(np.ascontiguousarray(values[order].T), starts, axis=1).T
        rest = old_values[untouched_at]
        dtype = np.result_type(rest.dtype, _compact(sums).dtype)
        return _frozen(np.concatenate([rest.astype(dtype), sums.astype(dtype)]), dtype)

    return KeptCells(
        domains={c: _frozen(domains[c][kept], object) for c in columns},
        points=_frozen(points[kept], points.dtype),
        days=_frozen(days[kept], days.dtype),
        psu=_frozen(psu[kept], np.int64),
        top=combined(old.top, new.top),
        valid=combined(old.valid, new.valid),
        dont_know=combined(old.dont_know, new.dont_know),
        group_rows=combined(old.group_rows, new.group_rows),
        counts=combined(old.counts, new.counts).astype(np.int64),
    )
