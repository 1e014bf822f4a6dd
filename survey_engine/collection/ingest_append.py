"""Bulk appends: many finished rows that need no kiosk-device or rate-limit check (a counter import's
ratings), stored with the same decisions as :func:`survey_engine.collection.ingest_store.decide` makes
row by row, but insert first and explain later.

``decide`` looks every id and dossier up before inserting. For a bulk import of new ratings nearly every
lookup finds nothing, and the unique indexes look the same keys up again when the rows go in. On SQLite an
append therefore inserts with ``INSERT OR IGNORE`` (the unique indexes on ``client_id`` and on ``(wave,
dossier_hash)`` skip what ``decide`` would refuse) and counts the rows each statement stored. Only the rows
of a statement that stored fewer rows than it carried, and the rows refused before inserting (a closed
wave, a retired service point), are looked up afterwards, to tell a replay from a conflict, in the order
``decide`` checks them:

1. an id stored before the row (earlier in the database, or by an earlier row of the batch): the same
   body is a replay, another body a conflict;
2. a service point retired or whose code changed; a wave no longer open;
3. a dossier already rated in the wave.

PostgreSQL stores appends with ``decide`` and COPY (:meth:`PostgresBatchStore.append`): its server does
the index work in another process, so the lookups cost the import little.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from survey_engine import sqlite_rows
from survey_engine.errors import Conflict, DomainError, NotFound
from survey_engine.webhooks import outbox
from survey_engine.webhooks.outbox import OutboxRow

CLOSED = "the survey at this service point is closed"
UNKNOWN_POINT = "this code does not belong to any service point; it may have been replaced"
ROWS_PER_STATEMENT = 200  # as sqlite_rows.insert: few GIL hand-overs, well under SQLite's bound values


@dataclass
class Appended:
    """What an append did with each row: every row not listed here was stored (with its events)."""

    replayed: list[int] = field(default_factory=list)  # indexes of rows stored before with the same body
    refused: dict[int, DomainError] = field(default_factory=dict)  # index → why the row was not stored

    def stored(self, rows: int) -> int:
        return rows - len(self.replayed) - len(self.refused)


@dataclass(frozen=True)
class Columns:
    """Where the append reads each key in a row (the ingestion store's INSERT_COLUMNS order)."""

    names: tuple[str, ...]

    def __post_init__(self) -> None:
        for name in ("client_id", "wave", "service_point", "body_hash", "dossier_hash"):
            if name not in self.names:  # pragma: no cover - a programming error
                raise ValueError(f"an appended row needs {name}")

    def index(self, name: str) -> int:
        return self.names.index(name)


def append_sqlite(
    conn: sqlite3.Connection,
    columns: Columns,
    rows: Sequence[tuple[Any, ...]],
    tokens: Mapping[int, str],
    events: Mapping[int, Sequence[OutboxRow]],
) -> Appended:
    """Store ``rows`` (inside the caller's write transaction) and their ``events`` (by row index).

    ``tokens``: each service point's public token as the rows' builder read it; a point whose token has
    changed or that was retired since refuses its rows, as in ``decide``."""
    cid, wave, point = columns.index("client_id"), columns.index("wave"), columns.index("service_point")
    body, dossier = columns.index("body_hash"), columns.index("dossier_hash")
    waves = sorted({r[wave] for r in rows})
    points = sorted({r[point] for r in rows})
    open_waves, live = open_sqlite(conn, waves), live_tokens_sqlite(conn, points)
    refused_first: dict[int, DomainError] = {}
    candidates: list[int] = []
    for i, row in enumerate(rows):
        if live.get(row[point]) != tokens.get(row[point]):
            refused_first[i] = NotFound(UNKNOWN_POINT)
        elif row[wave] not in open_waves:
            refused_first[i] = Conflict(CLOSED, "closed")
        else:
            candidates.append(i)
    (before,) = conn.execute("SELECT COALESCE(MAX(id), 0) FROM submission").fetchone()
    head = f"INSERT OR IGNORE INTO submission ({', '.join(columns.names)}) VALUES "  # noqa: S608 - fixed names
    one = f"({_marks(len(columns.names))})"
    skipped: list[int] = []  # candidates of the statements that stored fewer rows than they carried
    for start in range(0, len(candidates), ROWS_PER_STATEMENT):
        piece = candidates[start : start + ROWS_PER_STATEMENT]
        changes = conn.total_changes
        conn.execute(
            head + ", ".join([one] * len(piece)), list(itertools.chain.from_iterable(rows[i] for i in piece))
        )
        if conn.total_changes - changes != len(piece):
            skipped.extend(piece)
    result = Appended()
    if skipped or refused_first:
        _explain(conn, rows, (cid, body, dossier, wave), before, skipped, refused_first, result)
    not_stored = set(result.replayed) | result.refused.keys()
    outbox.insert_sqlite(conn, [e for i, some in sorted(events.items()) if i not in not_stored for e in some])
    return result


def open_sqlite(conn: sqlite3.Connection, waves: Sequence[int]) -> set[int]:
    """Which of ``waves`` are open now (read in the caller's write transaction)."""
    sql = f"SELECT id FROM wave WHERE status = 'open' AND id IN ({_marks(len(waves))})"  # noqa: S608 - values bound
    return {r[0] for r in conn.execute(sql, list(waves))}


def live_tokens_sqlite(conn: sqlite3.Connection, points: Sequence[int]) -> dict[int, str]:
    """The public token of each active service point of ``points``."""
    sql = f"SELECT id, public_token FROM service_point WHERE active AND id IN ({_marks(len(points))})"  # noqa: S608 - values bound
    return dict(conn.execute(sql, list(points)))


def _explain(
    conn: sqlite3.Connection,
    rows: Sequence[tuple[Any, ...]],
    keys: tuple[int, int, int, int],
    before: int,
    skipped: list[int],
    refused_first: dict[int, DomainError],
    result: Appended,
) -> None:
    """The decisions of the rows not stored, as ``decide`` would make them, in batch order."""
    cid, body, dossier, wave = keys
    asked = sorted({*skipped, *refused_first})
    ids = list({rows[i][cid] for i in asked})
    found = {
        str(r[0]): (str(r[1]), int(r[2]), (r[3], r[4]))
        for r in sqlite_rows.lookup(
            conn, "client_id, body_hash, id, wave, dossier_hash", "submission WHERE client_id", ids
        )
    }
    # The row of this batch that stored an id stored now: the first candidate carrying what was stored.
    storer: dict[str, int] = {}
    candidates_asked = set(skipped)
    for i in range(len(rows)):
        client_id = rows[i][cid]
        known = found.get(client_id)
        if (
            known is not None
            and known[1] > before
            and client_id not in storer
            and i not in refused_first
            and (rows[i][body], (rows[i][wave], rows[i][dossier])) == (known[0], known[2])
        ):
            storer[client_id] = i
    for i in asked:
        client_id = rows[i][cid]
        known = found.get(client_id)
        if known is not None and (known[1] <= before or storer.get(client_id, i) < i):
            if known[0] == rows[i][body]:
                result.replayed.append(i)
            else:
                result.refused[i] = Conflict(
                    f"submission {client_id} was already stored with another body", "idempotency"
                )
        elif i in refused_first:
            result.refused[i] = refused_first[i]
        elif known is not None and storer.get(client_id) == i:
            continue  # this row stored it (its statement skipped another row)
        elif i in candidates_asked and rows[i][dossier]:
            result.refused[i] = Conflict("this dossier has already been answered", "already_answered")
        else:  # pragma: no cover - only the unique indexes skip a row; anything else is a bug
            raise RuntimeError(f"row {i} of an append was skipped for no known reason")


def _marks(n: int) -> str:
    return ",".join("?" * n)
