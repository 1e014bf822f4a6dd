"""Cell sums of the estimates (:mod:`sampling.cells`) from the database's rows or grouped cells: answer
codes normalised per criterion, sums per cell, domain labels, and the calibrations the variance
linearises (a post-stratification asked for, or the one of the stored weights).

Split from :mod:`survey_engine.results.analysis`, which reads the rows and calls these (in worker threads).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from sampling.calibration import CalibrationError, PostStratification, Raking
from sampling.cells import CellSums, aggregate_cells, poststratify_cells
from sampling.errors import LonelyPSUError
from survey_engine.answer_codes import DONT_KNOW_CHAR, CriteriaLayout
from survey_engine.errors import FieldProblem, InvalidInput
from survey_engine.results.analysis_domains import CALIBRATION_VARIABLES, OVERALL, UNKNOWN, domain_level
from survey_engine.results.series_design import Calibration, CalibrationTarget

# Normalised answer codes handed to the cell sums: 1 valid, 0 don't know, -1 missing.
VALID, DK, MISSING = 1, 0, -1


def groups_of(layout: CriteriaLayout) -> dict[str, list[str]]:
    """Elements, then parts (each the mean of its criteria); the overall index is added by the estimator."""
    groups: dict[str, list[str]] = {}
    for code, members in (*layout.elements, *layout.parts):
        if members and code not in groups and code != OVERALL:
            groups[code] = list(members)
    return groups


def _normalise(
    raw: npt.NDArray[np.uint8], layout: CriteriaLayout
) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.int8]]:
    """Code characters (n, K) → (VALID / DK / MISSING, the answer's score under the index rule).

    The score is the criterion's own (:attr:`CriterionCode.scores`: 1/0 for the top box, the scale
    point, the option's score), 0 where the answer is not valid. One 256-entry lookup table per distinct
    score signature: a single ``take`` per signature instead of a comparison per criterion and value.
    """
    classes = np.empty_like(raw, dtype=np.int8)  # same memory order as ``raw`` (callers may pass a transpose)
    scores = np.empty_like(raw, dtype=np.int8)
    signatures: dict[tuple[tuple[str, int], ...], list[int]] = {}
    for j, c in enumerate(layout.criteria):
        signatures.setdefault(tuple(sorted(c.scores.items())), []).append(j)
    for signature, columns in signatures.items():
        class_table = np.full(256, MISSING, dtype=np.int8)
        class_table[ord(DONT_KNOW_CHAR)] = DK
        score_table = np.zeros(256, dtype=np.int8)
        for char, score in signature:
            class_table[ord(char)] = VALID
            score_table[ord(char)] = score
        # criteria × responses views: contiguous rows when the caller passes a transposed copy
        if len(columns) == raw.shape[1]:
            classes.T[...] = class_table[raw.T]
            scores.T[...] = score_table[raw.T]
        else:
            classes.T[columns] = class_table[raw.T[columns]]
            scores.T[columns] = score_table[raw.T[columns]]
    return classes, scores


def _group_columns(layout: CriteriaLayout, groups: dict[str, list[str]]) -> list[list[int]]:
    index = {c: j for j, c in enumerate(layout.codes)}
    return [[index[c] for c in members] for members in groups.values()] + [list(range(len(layout.codes)))]


def _cells_from_rows(
    codes: Sequence[str],
    domains: dict[str, npt.ArrayLike],
    psu: npt.ArrayLike,
    layout: CriteriaLayout,
    groups: dict[str, list[str]],
    strata: npt.ArrayLike | None = None,
    weights: npt.ArrayLike | None = None,
    fpc: npt.ArrayLike | None = None,
) -> CellSums:
    k = len(layout.codes)
    raw = np.frombuffer("".join(codes).encode("ascii"), dtype=np.uint8).reshape(len(codes), k)
    classes, scores = _normalise(raw, layout)
    return aggregate_cells(
        classes,
        _group_columns(layout, groups),
        domains=domains,
        psu=psu,
        strata=strata,
        weights=weights,
        valid=(VALID,),
        dont_know=(DK,),
        fpc=fpc,
        values=scores,
    )


@dataclass(frozen=True)
class GroupedCells:
    """Cells grouped by the database, column by column, all in one cell order: the key columns (service
    point, day, then the other domain keys in the order of ``by`` without the service point), each cell's
    row count, and every cell's codes concatenated."""

    keys: tuple[Sequence[Any], ...]
    counts: npt.NDArray[np.int64]
    codes: str

    @property
    def size(self) -> int:
        return int(self.counts.shape[0])

    @classmethod
    def from_rows(cls, rows: Sequence[tuple[Any, ...]], key_columns: int) -> GroupedCells:
        """From grouped rows (key columns…, count, concatenated codes), e.g. SQLite's."""
        if not rows:
            return cls(tuple([] for _ in range(key_columns)), np.zeros(0, dtype=np.int64), "")
        columns = list(zip(*rows, strict=True))
        return cls(
            tuple(columns[:key_columns]), np.asarray(columns[-2], dtype=np.int64), "".join(columns[-1])
        )


def _factorised(values: Sequence[Any]) -> tuple[list[Any], npt.NDArray[np.int64]]:
    """The distinct values (in first-seen order, or sorted for numbers and strings) and each value's
    index among them: a domain column has few distinct values, so per-cell work stays in numpy."""
    array = np.asarray(values) if len(values) else np.zeros(0, dtype=np.int64)
    if array.dtype.kind in "iuU":
        distinct, inverse = np.unique(array, return_inverse=True)
        return distinct.tolist(), inverse.reshape(-1).astype(np.int64)
    seen: dict[Any, int] = {}
    codes = np.fromiter((seen.setdefault(v, len(seen)) for v in values), dtype=np.int64, count=len(values))
    return list(seen), codes


def psu_codes(points: Sequence[Any], days: Sequence[Any]) -> npt.NDArray[np.int64]:
    """Each cell's PSU as an integer code in the order of its label ``"{point}:{day}"``: the design orders
    its units exactly as it would order the labels, without building and sorting a string per cell.
    A point's label ends at its ``:`` (ids hold none), so the labels sort by point label, then by day."""
    point_values, point_of_cell = _factorised(points)
    day_values, day_of_cell = _factorised(days)
    point_rank = np.argsort(np.argsort(np.array([f"{v}:" for v in point_values], dtype=str), kind="stable"))
    day_rank = np.argsort(np.argsort(np.array([str(v) for v in day_values], dtype=str), kind="stable"))
    combined = point_rank[point_of_cell].astype(np.int64) * max(len(day_values), 1) + day_rank[day_of_cell]
    codes: npt.NDArray[np.int64] = np.unique(combined, return_inverse=True)[1].reshape(-1).astype(np.int64)
    return codes


def grouped_sums(
    grouped: GroupedCells, layout: CriteriaLayout, groups: dict[str, list[str]]
) -> tuple[npt.NDArray[np.int64], ...]:
    """Per cell of the database's grouped cells: the criteria's score sums, valid and "don't know"
    counts (cells × K) and the rows with a valid answer in each group (cells × G), all as integers.

    Criterion by criterion on the transposed codes, each a contiguous run of every row's answer, summed
    per cell by ``reduceat`` in integers: no float copies of the (rows × K) matrices, which took most of
    the time of a million-response wave's cells.
    """
    k = len(layout.codes)
    raw = np.frombuffer(grouped.codes.encode("ascii"), dtype=np.uint8).reshape(-1, k)
    by_criterion = np.ascontiguousarray(raw.T)  # (K, rows)
    is_valid = np.zeros(by_criterion.shape, dtype=np.bool_)
    scores = np.zeros(by_criterion.shape, dtype=np.int8)
    signatures: dict[tuple[tuple[str, int], ...], list[int]] = {}
    for j, c in enumerate(layout.criteria):
        signatures.setdefault(tuple(sorted(c.scores.items())), []).append(j)
    for signature, columns in signatures.items():
        valid_table = np.zeros(256, dtype=np.bool_)
        score_table = np.zeros(256, dtype=np.int8)
        for char, score in signature:
            valid_table[ord(char)] = True
            score_table[ord(char)] = score
        codes = by_criterion if len(columns) == k else by_criterion[columns]
        is_valid[columns] = valid_table[codes]
        scores[columns] = score_table[codes]
    dont_know = (by_criterion == ord(DONT_KNOW_CHAR)) & ~is_valid  # a valid character is never "don't know"
    any_valid = np.stack(
        [np.logical_or.reduce(is_valid[cols], axis=0) for cols in _group_columns(layout, groups)]
    )
    starts = np.concatenate([[0], np.cumsum(grouped.counts)[:-1]]).astype(np.intp)

    def per_cell(rows: npt.NDArray[Any]) -> npt.NDArray[np.int64]:  # at least one cell: callers check
        return np.ascontiguousarray(np.add.reduceat(rows, starts, axis=1, dtype=np.int64).T)

    return per_cell(scores), per_cell(is_valid), per_cell(dont_know), per_cell(any_valid)


def cells_from_grouped(
    grouped: GroupedCells, by: Sequence[str], layout: CriteriaLayout, groups: dict[str, list[str]]
) -> CellSums:
    """Cell sums from the database's grouped cells (:class:`GroupedCells`); the PSUs are integer codes in
    the order of their labels (:func:`psu_codes`)."""
    top, valid, dk, group_rows = grouped_sums(grouped, layout, groups)
    others = [b for b in by if b != "service_point"]
    domains: dict[str, npt.ArrayLike] = {}
    for b in by:
        domains[b] = domain_levels(grouped.keys[0 if b == "service_point" else 2 + others.index(b)])
    return CellSums(
        domains=domains,
        strata=None,
        psu=psu_codes(grouped.keys[0], grouped.keys[1]),
        top=top.astype(np.float64),
        valid=valid.astype(np.float64),
        valid_rows=valid,
        dont_know=dk,
        group_rows=group_rows,
    )


def domain_levels(values: Sequence[Any]) -> npt.NDArray[np.object_]:
    """Domain levels of one key column of the grouped cells: :func:`domain_level` once per distinct
    value (a domain column has few), spread to the cells."""
    distinct, codes = _factorised(values)
    levels = np.empty(len(distinct), dtype=object)
    levels[:] = [domain_level(v) for v in distinct]
    return levels[codes]


def relabel(cells: CellSums, maps: dict[str, dict[str, str]]) -> CellSums:
    """The cells with ids replaced by codes (``maps``: column → id → code), every label a string; the
    mapping is applied to the distinct labels, then spread to the cells."""
    domains = {}
    for name, labels in cells.domains.items():
        arr = np.asarray(labels).astype(str)
        if name in maps:
            distinct, inverse = np.unique(arr, return_inverse=True)
            arr = np.array([maps[name].get(v, v) for v in distinct.tolist()], dtype=object)[
                inverse.reshape(-1)
            ]
        domains[name] = arr
    return replace(cells, domains=domains)


def _restrict(cells: CellSums, by: Sequence[str], keep: npt.NDArray[np.bool_] | None = None) -> CellSums:
    """The cells with only the ``by`` domain columns (others were grouped on for calibration), optionally
    only the cells in ``keep``."""

    def take(a: Any) -> Any:
        return None if a is None else (np.asarray(a) if keep is None else np.asarray(a)[keep])

    return CellSums(
        domains={b: take(cells.domains[b]) for b in by},
        strata=take(cells.strata),
        psu=take(cells.psu),
        top=take(cells.top),
        valid=take(cells.valid),
        valid_rows=take(cells.valid_rows),
        dont_know=take(cells.dont_know),
        group_rows=take(cells.group_rows),
        fpc=take(cells.fpc),
    )


def calibrate_cells(
    cells: CellSums,
    counts: npt.NDArray[np.int64],
    by: Sequence[str],
    method: str,
    totals: dict[str, dict[str, float]],
) -> tuple[CellSums, Calibration, int]:
    """Post-stratify self-selected cells (unweighted rows) to frame totals; (cells, description, rows)."""
    variables = CALIBRATION_VARIABLES[method]
    labels = {v: np.asarray(cells.domains[v]).astype(str) for v in variables}
    keep = np.ones(counts.shape[0], dtype=bool)
    if "field" in variables:
        keep = labels["field"] != UNKNOWN
    excluded = int(counts[~keep].sum())
    if not keep.any():
        raise InvalidInput(
            "the self-selected series cannot be calibrated",
            [FieldProblem("calibrate", "no self-selected response is linked to a dossier of the frame")],
        )
    restricted = _restrict(cells, by, keep)
    try:
        calibrated, report = poststratify_cells(
            restricted,
            counts[keep].astype(np.float64),
            {v: labels[v][keep] for v in variables},
            totals,
            partial=True,
        )
    except CalibrationError as exc:
        raise InvalidInput(
            "the self-selected series cannot be calibrated", [FieldProblem("calibrate", str(exc))]
        ) from exc
    except LonelyPSUError as exc:  # the kept rows are one cluster: a variance needs two at least
        raise InvalidInput(
            "the self-selected series cannot be calibrated",
            [
                FieldProblem(
                    "calibrate",
                    "the responses this calibration keeps form a single cluster (one service point on one "
                    "day), so no variance can be estimated",
                )
            ],
        ) from exc
    described = Calibration(
        method="poststratify",
        option=method,
        source="frame",
        variables=list(variables),
        targets=[
            CalibrationTarget(
                cell=dict(zip(variables, c.label.split("|"), strict=True)),
                population=float(c.population),
                respondents=round(c.weighted_before),
                factor=float(c.factor),
            )
            for c in report.cells
        ],
        ignored_cells=[
            dict(zip(variables, label.split("|"), strict=True)) for label in sorted(report.ignored_cells)
        ],
        excluded_rows=excluded,
        excluded_reason=(
            "not linked to a dossier of the frame (field unknown)" if "field" in variables else None
        ),
        variance="Taylor linearisation of the post-stratification (R postStratify: residuals from the "
        "post-stratum means)",
        label={
            "vi": "Hiệu chỉnh hậu phân tầng theo số hồ sơ đã giải quyết trong khung mẫu "
            + ("(cơ quan × lĩnh vực)" if "field" in variables else "(cơ quan)")
            + ": vẫn không phải mẫu xác suất",
            "en": "Post-stratified to the frame's completed dossiers per "
            + ("agency × field" if "field" in variables else "agency")
            + ": still not a probability sample",
        },
    )
    return calibrated, described, int(counts[keep].sum())


def calibration_changes_variance(
    strata: Sequence[str], weights: Sequence[float], levels: Sequence[tuple[str, ...]]
) -> bool:
    """Whether linearising the stored calibration can change a variance.

    It cannot when every calibration level is a union of sampling strata (the rows of a stratum share
    their levels), the weights are constant within each stratum and every stratum has two PSUs or more:
    each residual z − w·(level mean) then differs from z by a constant within a stratum, which the
    stratified variance Σ_h (1 − f_h) n_h/(n_h − 1) Σ_i (t_hi − t̄_h)² removes; estimates and degrees of
    freedom never change. That is the weighting's default (post-strata = sampling strata, nonresponse
    classes = strata), and skipping the row-level residualisation keeps it as fast as fixed weights.
    """
    seen: dict[str, tuple[float, tuple[str, ...]]] = {}
    count: dict[str, int] = {}
    for h, w, lv in zip(strata, weights, levels, strict=True):
        first = seen.setdefault(h, (w, lv))
        if first[1] != lv or abs(first[0] - w) > 1e-13 * abs(first[0]):
            return True
        count[h] = count.get(h, 0) + 1
    return any(c < 2 for c in count.values())


def probability_cells(
    codes: Sequence[str],
    domains: dict[str, npt.ArrayLike],
    psu: npt.ArrayLike,
    layout: CriteriaLayout,
    groups: dict[str, list[str]],
    strata: npt.ArrayLike,
    weights: npt.NDArray[np.float64],
    fpc: npt.ArrayLike,
    method: str | None = None,
    levels: Sequence[tuple[str, ...]] | None = None,
) -> CellSums:
    """Cell sums of the probability series; with the stored calibration (``method``, each row's
    ``levels``), the cells carry it so the variance linearises it. Cells are then single rows (each
    sampled unit is its own PSU, and a dossier answers once), so R's unweighted raking means are kept."""
    if method is None or levels is None:
        return _cells_from_rows(codes, domains, psu, layout, groups, strata, weights, fpc)
    n = len(codes)
    cells = _cells_from_rows(
        codes, {**domains, "__row__": np.arange(n)}, psu, layout, groups, strata, weights, fpc
    )
    row = np.asarray(cells.domains["__row__"]).astype(np.int64)
    w = np.asarray(weights, dtype=np.float64)[row]
    columns = list(zip(*levels, strict=True))  # one tuple of labels per calibration variable
    if method == "poststratify":
        joined = np.array(["|".join(t) for t in levels], dtype=object)[row]
        cell = np.unique(joined, return_inverse=True)[1].reshape(-1).astype(np.int64)
        calibration: Any = PostStratification(cell, w, w, description="poststratify (stored weights)")
    else:
        margins = tuple(
            np.unique(np.array(c, dtype=object)[row], return_inverse=True)[1].reshape(-1).astype(np.int64)
            for c in columns
        )
        calibration = Raking(margins, tuple(w for _ in margins), description="rake (stored weights)")
    return replace(_restrict(cells, list(domains)), calibration=calibration)
