"""Read flat files (CSV, Parquet) into numpy columns, with errors a user can act on.

Used by the statistics and planning commands (``sipas estimate``, ``index``, ``allocate``, ``draw``,
``weights``). Every problem with the user's file raises a :class:`TabularError` (a ``ValueError``) whose
message is one line naming the column (missing, named twice in the header, not numeric) and, for bad
values, the first offending data row (1-based, header excluded), so the CLI can turn it into a
``CliUsageError`` unchanged.

Example::

    table = read_table("responses.csv", columns=["q1", "pw", "agency"])
    y = table.numeric("q1")                      # float64, NaN for empty cells
    w = table.numeric("pw", missing="error", role="weight", nonnegative=True)
    codes, levels = table.codes("agency")        # int64 codes (-1 for empty), level labels
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

__all__ = [
    "DuplicateColumnError",
    "MissingColumnError",
    "MissingValueError",
    "NonNumericValueError",
    "Table",
    "TabularError",
    "read_table",
]


class TabularError(ValueError):
    """The input file cannot be used as asked (a user's mistake, reported in one line)."""


class MissingColumnError(TabularError):
    """A requested column is not in the file."""


class DuplicateColumnError(TabularError):
    """Two columns of the file have the same name, so which one to use is ambiguous."""


class NonNumericValueError(TabularError):
    """A column that must be numeric holds text."""


class MissingValueError(TabularError):
    """A column that must be complete (weights, design variables) has an empty cell."""


def _first_true(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


@dataclass(frozen=True)
class Table:
    """Columns of one file, kept as Arrow arrays until a caller asks for a typed numpy view."""

    path: str
    arrow: pa.Table

    @property
    def n_rows(self) -> int:
        return int(self.arrow.num_rows)

    @property
    def column_names(self) -> list[str]:
        return list(self.arrow.column_names)

    def _column(self, name: str) -> pa.ChunkedArray:
        if name not in self.arrow.column_names:
            raise MissingColumnError(f"column {name!r} not found in {self.path}")
        return self.arrow.column(name)

    def numeric(
        self,
        name: str,
        *,
        missing: Literal["nan", "error"] = "nan",
        role: str = "column",
        nonnegative: bool = False,
    ) -> np.ndarray:
        """Return the column as float64; empty cells become NaN or raise (``missing="error"``)."""
        col = self._column(name)
        typ = col.type
        if pa.types.is_string(typ) or pa.types.is_large_string(typ):
            self._raise_first_non_numeric(name, col, role)
        if pa.types.is_dictionary(typ):
            raise NonNumericValueError(f"{role} {name!r} is not numeric")
        if not (
            pa.types.is_integer(typ)
            or pa.types.is_floating(typ)
            or pa.types.is_boolean(typ)
            or pa.types.is_null(typ)
            or pa.types.is_decimal(typ)
        ):
            raise NonNumericValueError(f"{role} {name!r} is not numeric (type {typ})")
        as_float = pc.cast(col, pa.float64())
        values = np.asarray(as_float.to_numpy(), dtype=np.float64)
        if missing == "error":
            bad = np.isnan(values)
            if bad.any():
                row = _first_true(bad) + 1
                raise MissingValueError(f"{role} {name!r} has a missing value at data row {row}")
        if nonnegative:
            neg = values < 0
            if neg.any():
                row = _first_true(neg) + 1
                raise TabularError(f"{role} {name!r} has a negative value at data row {row}")
        return values

    def _raise_first_non_numeric(self, name: str, col: pa.ChunkedArray, role: str) -> None:
        # Only reached when Arrow inferred text for a column the caller needs as numbers, so a slow
        # scan to find the first offender is fine.
        offset = 0
        for chunk in col.chunks:
            for i, value in enumerate(chunk.to_pylist()):
                if value is None:
                    continue
                try:
                    float(value)
                except ValueError:
                    raise NonNumericValueError(
                        f"{role} {name!r} has a non-numeric value {value!r} at data row {offset + i + 1}"
                    ) from None
            offset += len(chunk)
        raise NonNumericValueError(f"{role} {name!r} is not numeric")

    def codes(
        self, name: str, *, missing: Literal["code", "error"] = "code", role: str = "column"
    ) -> tuple[np.ndarray, list[str]]:
        """Integer codes 0..L-1 (sorted level order) and labels; empty cells get -1 or raise."""
        col = self._column(name)
        if col.null_count and missing == "error":
            mask = np.asarray(pc.is_null(col).to_numpy(zero_copy_only=False), dtype=bool)
            raise MissingValueError(
                f"{role} {name!r} has a missing value at data row {_first_true(mask) + 1}"
            )
        typ = col.type
        if pa.types.is_floating(typ) or pa.types.is_boolean(typ):
            vals = np.asarray(pc.cast(col, pa.float64()).to_numpy(), dtype=np.float64)
            ok = ~np.isnan(vals)
            levels_num, inv = np.unique(vals[ok], return_inverse=True)
            codes = np.full(vals.shape[0], -1, dtype=np.int64)
            codes[ok] = inv.reshape(-1)
            labels = [_label_number(v) for v in levels_num]
            return codes, labels
        if pa.types.is_integer(typ):
            # Hash-encode (no sort of the rows), then order the few distinct values numerically.
            enc = pc.dictionary_encode(col.combine_chunks())
            values = np.asarray(enc.dictionary.to_numpy(zero_copy_only=False), dtype=np.int64)
            idx = np.asarray(pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False), dtype=np.int64)
            order = np.argsort(values, kind="stable")
            remap = np.empty(values.shape[0] + 1, dtype=np.int64)
            remap[order] = np.arange(values.shape[0])
            remap[-1] = -1
            return remap[idx], [str(int(v)) for v in values[order]]
        text = pc.cast(col, pa.string()).combine_chunks()
        enc = text.dictionary_encode()
        idx = np.asarray(pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False), dtype=np.int64)
        dict_labels = [str(s) for s in enc.dictionary.to_pylist()]
        order = np.argsort(np.array(dict_labels, dtype=object), kind="stable")
        remap = np.empty(len(dict_labels) + 1, dtype=np.int64)
        remap[order] = np.arange(len(dict_labels))
        remap[-1] = -1
        codes = remap[idx]
        return codes, [dict_labels[i] for i in order]


def _label_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def read_table(path: str | Path, columns: Sequence[str] | None = None) -> Table:
    """Read a CSV (``.csv``, ``.csv.gz``) or Parquet (``.parquet``, ``.pq``) file.

    Parameters
    ----------
    path
        File to read.
    columns
        Only these columns are read (faster on wide files); every one must exist.

    Raises
    ------
    TabularError
        Unreadable file, missing column (names the column and file).
    """
    p = Path(path)
    if not p.exists():
        raise TabularError(f"file not found: {p}")
    wanted = list(dict.fromkeys(columns)) if columns is not None else None
    suffix = "".join(p.suffixes[-2:]).lower()
    try:
        if p.suffix.lower() in {".parquet", ".pq"}:
            schema_names = pq.read_schema(p).names
            _check_columns(wanted, schema_names, p)
            _check_unique(wanted, schema_names, p)
            arrow = pq.read_table(p, columns=wanted)
        else:
            if not (suffix.endswith(".csv") or suffix.endswith(".csv.gz") or suffix.endswith(".txt")):
                raise TabularError(f"unsupported file type {p.suffix!r} (use .csv or .parquet): {p}")
            header = _csv_header(p)
            _check_columns(wanted, header, p)
            _check_unique(wanted, header, p)
            convert = pacsv.ConvertOptions(include_columns=wanted, strings_can_be_null=True)
            arrow = pacsv.read_csv(p, convert_options=convert)
    except pa.ArrowInvalid as exc:
        raise TabularError(f"cannot read {p}: {str(exc).splitlines()[0]}") from None
    return Table(path=str(p), arrow=arrow)


def _csv_header(p: Path) -> list[str]:
    reader = pacsv.open_csv(p, read_options=pacsv.ReadOptions(block_size=1 << 16))
    return list(reader.schema.names)


def _check_unique(wanted: list[str] | None, present: Sequence[str], p: Path) -> None:
    """A name given to two columns is ambiguous: Arrow silently takes the first when asked for a subset
    and fails on the whole table. Refuse it when it matters: a column the command reads, or any column
    when the whole file is read (``draw`` and ``weights`` copy every column to their output)."""
    seen: set[str] = set()
    for name in present:
        if name in seen and (wanted is None or name in wanted):
            raise DuplicateColumnError(
                f"column {name!r} appears {list(present).count(name)} times in the header of {p}: "
                "rename the copies so that each column has its own name"
            )
        seen.add(name)


def _check_columns(wanted: list[str] | None, present: Sequence[str], p: Path) -> None:
    if wanted is None:
        return
    have = set(present)
    for name in wanted:
        if name not in have:
            raise MissingColumnError(f"column {name!r} not found in {p}")
