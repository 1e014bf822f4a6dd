"""Many rows in and out of SQLite with few statements (the ingestion store's and the outbox's bulk writes).

Python's sqlite3 module lets go of the GIL while SQLite steps a statement and takes it back after every
step: one step per row inserted or found. When another thread of the process is busy in Python (a bulk
import parsing its next lines while the writer thread stores the last ones), every take-back waits for
that thread to yield the GIL (up to the interpreter's switch interval), so row-at-a-time statements make
the writer crawl. These helpers step once per few hundred rows inserted and once per few thousand keys
looked up.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Sequence
from typing import Any

import msgspec

# Bound values per statement stay well under SQLITE_MAX_VARIABLE_NUMBER (32766 since SQLite 3.32).
LOOKUP_PIECE = 5000
ROWS_PER_STATEMENT = 200
_JSON_ROWS = msgspec.json.Decoder(list[list[Any]])


def _marks(n: int) -> str:
    return ",".join("?" * n)


def lookup(conn: sqlite3.Connection, columns: str, where: str, keys: list[Any]) -> list[tuple[Any, ...]]:
    """The rows ``SELECT columns FROM where IN ({})`` finds for every key, a few thousand keys per statement.

    Each statement answers one row (a JSON array of the rows found): the sqlite3 module takes the GIL
    back after every row it steps through, and a thread that needs the GIL waits for the busy one to let
    go of it, so a row per match would make the writer wait on the import's parsing thousands of times.
    """
    found: list[tuple[Any, ...]] = []
    for start in range(0, len(keys), LOOKUP_PIECE):
        piece = keys[start : start + LOOKUP_PIECE]
        sql = f"SELECT json_group_array(json_array({columns})) FROM {where} IN ({_marks(len(piece))})"  # noqa: S608 - values bound
        (encoded,) = conn.execute(sql, piece).fetchone()
        found.extend(tuple(r) for r in _JSON_ROWS.decode(encoded))
    return found


def insert(conn: sqlite3.Connection, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """``rows`` inserted by statements of many rows each (fewer GIL hand-overs, as :func:`lookup`)."""
    one = f"({_marks(len(columns))})"
    head = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "  # noqa: S608 - fixed names, values bound
    full = len(rows) - len(rows) % ROWS_PER_STATEMENT
    if full:
        conn.executemany(
            head + ", ".join([one] * ROWS_PER_STATEMENT),
            (
                list(itertools.chain.from_iterable(rows[i : i + ROWS_PER_STATEMENT]))
                for i in range(0, full, ROWS_PER_STATEMENT)
            ),
        )
    if full < len(rows):
        rest = rows[full:]
        conn.execute(head + ", ".join([one] * len(rest)), list(itertools.chain.from_iterable(rest)))
