"""api.cli.tabular: typed columns, codes in sorted level order, one-line errors naming column and row."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from api.cli.tabular import (
    MissingColumnError,
    MissingValueError,
    NonNumericValueError,
    TabularError,
    read_table,
)


@pytest.fixture
def table_path(tmp_path: Path) -> Path:
    path = tmp_path / "t.csv"
    path.write_text("a,b,w,g,k\n1,x,1.5,B,10\n2,3,,A,2\n,4,2,,10\n")
    return path


def test_numeric_and_codes(table_path: Path) -> None:
    t = read_table(table_path)
    assert t.n_rows == 3
    np.testing.assert_array_equal(t.numeric("a"), [1.0, 2.0, np.nan])
    codes, levels = t.codes("g")
    assert codes.tolist() == [1, 0, -1] and levels == ["A", "B"]
    codes, levels = t.codes("k")  # integers are ordered numerically, not as text
    assert codes.tolist() == [1, 0, 1] and levels == ["2", "10"]


def test_errors_name_column_and_row(table_path: Path) -> None:
    t = read_table(table_path)
    with pytest.raises(NonNumericValueError, match=r"column 'b' has a non-numeric value 'x' at data row 1"):
        t.numeric("b")
    with pytest.raises(MissingValueError, match=r"weight 'w' has a missing value at data row 2"):
        t.numeric("w", missing="error", role="weight")
    with pytest.raises(MissingValueError, match=r"strata 'g' has a missing value at data row 3"):
        t.codes("g", missing="error", role="strata")
    with pytest.raises(MissingColumnError, match="column 'zz' not found"):
        read_table(table_path, ["a", "zz"])
    with pytest.raises(TabularError, match="file not found"):
        read_table(table_path.with_name("nope.csv"))
    other = table_path.with_name("t.xlsx")
    other.write_bytes(b"PK")
    with pytest.raises(TabularError, match="unsupported file type"):
        read_table(other)


def test_negative_values_flagged(tmp_path: Path) -> None:
    path = tmp_path / "n.csv"
    path.write_text("w\n1\n-2\n")
    with pytest.raises(TabularError, match="negative value at data row 2"):
        read_table(path).numeric("w", nonnegative=True, role="weight")
