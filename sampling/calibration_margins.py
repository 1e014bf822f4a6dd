"""Margins and population totals as calibration reads them, and the report of a margin's fit.

Shared by post-stratification and raking (``sampling.calibration``) and linear calibration
(``sampling.calibration_linear``): a level is always compared by its string label (JSON keys are strings),
and every population table is checked the same way.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sampling.errors import CalibrationError

__all__ = ["MarginReport", "column_labels", "label_of", "population_table"]


def label_of(value: object) -> str:
    """The string key of a level: integers stored as floats print without ``.0`` (JSON keys are strings)."""
    if isinstance(value, float | np.floating):
        f = float(value)
        if math.isfinite(f) and f == int(f):
            return str(int(f))
        return repr(f)
    if isinstance(value, np.generic):
        return str(value.item())
    return str(value)


def column_labels(values: ArrayLike, name: str, n: int) -> NDArray[np.object_]:
    """One string label per row of a margin column (a missing value is an error, not a level)."""
    arr = np.asarray(values)
    if arr.shape != (n,):
        raise CalibrationError(f"column {name!r} must have one value per row ({n})")
    out = np.array([label_of(v) for v in arr.tolist()], dtype=object)
    bad = [i for i, v in enumerate(arr.tolist()) if v is None or (isinstance(v, float) and v != v)]
    if bad:
        raise CalibrationError(f"column {name!r} has a missing value at row {bad[0] + 1}")
    return out


def population_table(totals: Mapping[str, Any], key: str) -> dict[str, float]:
    """The population counts of margin ``key``, keyed by level label (each a finite count ≥ 0)."""
    if key not in totals:
        raise CalibrationError(f"no population totals for {key!r}")
    table = totals[key]
    if not isinstance(table, Mapping):
        raise CalibrationError(f"totals for {key!r} must map level labels to population counts")
    out: dict[str, float] = {}
    for level, count in table.items():
        try:
            value = float(count)
        except (TypeError, ValueError):
            raise CalibrationError(f"population count for {key}={level} is not a number: {count!r}") from None
        if not math.isfinite(value) or value < 0:
            raise CalibrationError(f"population count for {key}={level} must be a non-negative number")
        out[label_of(level)] = value
    return out


@dataclass(frozen=True)
class MarginReport:
    """Achieved versus target totals on one margin after raking or calibration."""

    variable: str
    levels: tuple[str, ...]
    targets: tuple[float, ...]
    achieved: tuple[float, ...]

    @property
    def max_error(self) -> float:
        return max(abs(a - t) for a, t in zip(self.achieved, self.targets, strict=True))
