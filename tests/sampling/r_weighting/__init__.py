"""R reference values for weighting, calibration and replicate weights (see make_fixtures.R)."""

from __future__ import annotations

import csv
import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

HERE = Path(__file__).parent
# R's datasets have one copy in the repository, kept with the core fixtures (see its README.md for their
# origin and licence): a clone alone must run every test.
DATA = HERE.parent / "r_core" / "data"


@cache
def fixtures() -> dict[str, Any]:
    with open(HERE / "fixtures.json", encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


@cache
def _rows(name: str) -> tuple[list[str], list[list[str]]]:
    with open(DATA / f"{name}.csv", newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        return header, list(reader)


def column(name: str, col: str) -> NDArray[Any]:
    """A column of an R dataset: float64 when every cell is numeric (NaN for empty), else str."""
    header, rows = _rows(name)
    j = header.index(col)
    cells = [r[j] for r in rows]
    try:
        return np.array([float(c) if c not in ("", "NA") else np.nan for c in cells])
    except ValueError:
        return np.array(cells, dtype=object)
