"""The write path of group commit, one implementation per engine.

Piccolo opens a new SQLite connection (and thread) per query or transaction and builds SQL in Python
for every row: fine for staff work, far too slow for thousands of submissions per second. Ingestion
therefore keeps one dedicated connection per process: on SQLite a ``sqlite3`` connection used by a
single writer thread (``BEGIN IMMEDIATE`` … ``COMMIT`` with ``synchronous=FULL`` in WAL mode: a
commit is on disk when it returns), on PostgreSQL one asyncpg connection. The schema is the one
Piccolo's migrations create; values use the same encodings Piccolo does (its sqlite3 adapters are
registered process-wide when Piccolo's SQLite engine is imported).
"""

from __future__ import annotations

import asyncio
import contextlib
import operator
import os
import sqlite3
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

from survey_engine import sqlite_rows
from survey_engine.collection import ratelimit
from survey_engine.collection.ingest_append import (
    Appended,
    Columns,
    append_sqlite,
    live_tokens_sqlite,
    open_sqlite,
)
from survey_engine.collection.ratelimit import Allowance, Quota
from survey_engine.errors import AuthenticationFailed, Conflict, DomainError, NotFound
from survey_engine.tables import Submission
from survey_engine.webhooks import outbox
from survey_engine.webhooks.outbox import OutboxRow

try:
    import fcntl
except ImportError:  # not POSIX: writers poll for SQLite's lock instead
    fcntl = None  # type: ignore[assignment]

INSERT_COLUMNS = (
    "client_id",
    "wave",
    "service_point",
    "agency",
    "questionnaire_version",
    "channel",
    "language",
    "started_at",
    "submitted_at",
    "received_at",
    "duration_seconds",
    "answers",
    "body_hash",
    "dossier_hash",
    "device",
    "interviewer",
    "complete",
    "codes",
    "officer",
)
_COLUMNS = Columns(INSERT_COLUMNS)
_CLIENT_ID, _WAVE, _POINT = (_COLUMNS.index(c) for c in ("client_id", "wave", "service_point"))
_BODY, _DOSSIER = _COLUMNS.index("body_hash"), _COLUMNS.index("dossier_hash")
_T = TypeVar("_T")
_INSERT_VALUES = operator.itemgetter(*INSERT_COLUMNS)  # a row's values in column order, in one C call


def insert_row(values: dict[str, Any]) -> tuple[Any, ...]:
    """A submission's column values (by name) as the row the stores insert."""
    return tuple(_INSERT_VALUES(values))


# From this many accepted rows, PostgreSQL stores them with COPY (one binary stream) instead of an
# INSERT per row: below it, COPY's fixed cost (the column types' round trip) outweighs what it saves.
COPY_FROM_ROWS = 500


@dataclass(frozen=True)
class Accepted:
    client_id: str


@dataclass(frozen=True)
class Replayed:
    client_id: str


Decision = Accepted | Replayed | DomainError


class PendingRow(Protocol):
    client_id: str
    body_hash: str
    wave_id: int
    service_point_id: int
    token: str
    dossier_hash: str | None
    device_id: int | None
    rate_key: str  # what the rate limit counts this row against (survey_engine.collection.ratelimit)
    row: tuple[Any, ...]  # the values to insert, in INSERT_COLUMNS order (see insert_row)

    @property
    def events(self) -> Sequence[OutboxRow]:
        """The webhook events this row raises, stored with it (or not at all)."""
        ...


DEVICE_REFUSED = "this kiosk device is not registered or has been revoked"


def decide(
    batch: Sequence[PendingRow],
    stored: dict[str, str],
    open_waves: set[int],
    tokens: dict[int, str],
    answered: set[tuple[int, str]],
    devices: dict[int, int],
    allowance: Allowance | None = None,
) -> tuple[list[Decision], list[PendingRow]]:
    """Decide each row against the stored state (and earlier rows of the same batch).

    ``devices`` maps each kiosk device of the batch that is registered and not revoked to its service
    point; ``allowance`` (when the rate limit had to be applied) what each key may still store.
    """
    decisions: list[Decision] = []
    accepted: list[PendingRow] = []
    for p in batch:
        if p.device_id is not None and devices.get(p.device_id) != p.service_point_id:
            # Rechecked here, not only in the device cache: a revocation bites at once in every process.
            decisions.append(AuthenticationFailed(DEVICE_REFUSED))
        elif p.client_id in stored:
            if stored[p.client_id] == p.body_hash:
                decisions.append(Replayed(p.client_id))
            else:
                decisions.append(
                    Conflict(f"submission {p.client_id} was already stored with another body", "idempotency")
                )
        elif tokens.get(p.service_point_id) != p.token:
            decisions.append(
                NotFound("this code does not belong to any service point; it may have been replaced")
            )
        elif p.wave_id not in open_waves:
            decisions.append(Conflict("the survey at this service point is closed", "closed"))
        elif p.dossier_hash and (p.wave_id, p.dossier_hash) in answered:
            decisions.append(Conflict("this dossier has already been answered", "already_answered"))
        elif allowance is not None and (limited := ratelimit.refusal(allowance, p.rate_key)) is not None:
            decisions.append(limited)
        else:
            stored[p.client_id] = p.body_hash
            if p.dossier_hash:
                answered.add((p.wave_id, p.dossier_hash))
            accepted.append(p)
            decisions.append(Accepted(p.client_id))
    return decisions, accepted


class BatchStore(Protocol):
    async def write(self, batch: Sequence[PendingRow], quota: Quota | None = None) -> list[Decision]:
        """Decide and store ``batch`` in one transaction, counting it against ``quota`` (None: no limit)."""
        ...

    async def append(
        self,
        rows: Sequence[tuple[Any, ...]],
        tokens: Mapping[int, str],
        events: Mapping[int, Sequence[OutboxRow]],
    ) -> Appended:
        """Decide and store finished ``rows`` (INSERT_COLUMNS order; no device, no quota) in one transaction,
        with their ``events`` (by row index); ``tokens``: each service point's token as the rows carry it."""
        ...

    async def fetch(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        """A small read (``{}`` placeholders, as Piccolo's ``raw``) for the ingestion caches."""
        ...

    async def close(self) -> None: ...


def _marks(n: int) -> str:
    return ",".join("?" * n)


class SQLiteBatchStore:
    """One connection, one writer thread: the transaction never waits on the event loop.

    Server processes sharing the file take turns through an advisory lock file (``flock``) held around
    each write transaction: the next writer is woken by the kernel as soon as the previous one commits,
    instead of polling ``BEGIN IMMEDIATE`` (which costs CPU on every try and up to a poll interval of
    latency). The lock orders ingestion writers only; SQLite's own locking still guards the data, and
    the kernel releases the lock of a process that dies. Checkpoints (copying the WAL back into the
    database file) run after the lock is released, so the next writer never waits for one.
    """

    CHECKPOINT_SECONDS = 0.25

    def __init__(self, path: str, busy_timeout: float = 30.0, cache_kib: int | None = None) -> None:
        self.path = path
        # The writer's page cache (None: SQLite's 2 MiB). Bulk imports ask for more: with random keys (ids,
        # dossier hashes) each transaction touches most index pages, and pages evicted mid-transaction are
        # spilled to the WAL and read back. Memory only, allocated as pages are used; durability unchanged.
        self.cache_kib = cache_kib
        # The engine's busy timeout (one setting for every connection): past it a locked database fails
        # the batch instead of keeping its submitters waiting.
        self.busy_timeout = busy_timeout
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sipas-sqlite-writer")
        self._conn: sqlite3.Connection | None = None
        self._turns: int | None = None  # file descriptor of the writers' lock file
        self._checkpointed = 0.0
        # Cache refreshes read on their own connection and thread: never queued behind a commit, and without
        # the new connection and thread that every query through Piccolo's SQLite engine costs.
        self._reader_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sipas-sqlite-reader")
        self._reader: sqlite3.Connection | None = None

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = sqlite3.connect(
                self.path, timeout=self.busy_timeout, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")  # durability: the commit is fsynced before we answer
            if self.cache_kib is not None:
                conn.execute(f"PRAGMA cache_size = -{int(self.cache_kib)}")
            self._conn = conn
            if fcntl is not None:
                self._turns = os.open(f"{self.path}-ingest-lock", os.O_RDWR | os.O_CREAT, 0o600)
                conn.execute("PRAGMA wal_autocheckpoint = 0")  # not inside COMMIT: see _write
        return self._conn

    def _fetch(self, sql: str, args: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        if self._reader is None:
            self._reader = sqlite3.connect(
                self.path, timeout=self.busy_timeout, isolation_level=None, check_same_thread=False
            )
        return self._reader.execute(sql.replace("{}", "?"), args).fetchall()

    async def fetch(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        return await asyncio.get_running_loop().run_in_executor(self._reader_executor, self._fetch, sql, args)

    def _write(self, batch: Sequence[PendingRow], quota: Quota | None) -> list[Decision]:
        return self._in_turn(lambda conn: self._transaction(conn, batch, quota))

    def _in_turn(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        """``work`` on the writer's connection, in this process's turn among the ingestion writers."""
        conn = self._connection()
        if self._turns is None:
            return work(conn)
        assert fcntl is not None  # noqa: S101 - invariant, not input
        fcntl.flock(self._turns, fcntl.LOCK_EX)  # releases the GIL while it waits
        try:
            decisions = work(conn)
        finally:
            fcntl.flock(self._turns, fcntl.LOCK_UN)
        now = time.monotonic()
        if now - self._checkpointed >= self.CHECKPOINT_SECONDS:
            self._checkpointed = now
            if self.cache_kib is None:
                self._checkpoint(conn)
            else:
                # A bulk import's chunk leaves tens of megabytes in the WAL: copying them back runs on the
                # reader's connection and thread, while this thread stores the next chunk.
                self._reader_executor.submit(self._checkpoint_aside)
        return decisions

    @staticmethod
    def _checkpoint(conn: sqlite3.Connection) -> None:
        # PASSIVE: copies what no reader still needs, never waits, never blocks the other writers. The
        # batch is committed whatever happens here: a checkpoint that fails is simply tried again later.
        with contextlib.suppress(sqlite3.Error):
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    def _checkpoint_aside(self) -> None:
        self._fetch("SELECT 1", ())  # opens the reader's connection if needed
        assert self._reader is not None  # noqa: S101 - opened just above
        self._checkpoint(self._reader)

    def _appending(
        self,
        conn: sqlite3.Connection,
        rows: Sequence[tuple[Any, ...]],
        tokens: Mapping[int, str],
        events: Mapping[int, Sequence[OutboxRow]],
    ) -> Appended:
        self._open(conn)
        try:
            appended = append_sqlite(conn, _COLUMNS, rows, tokens, events)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return appended

    def _open(self, conn: sqlite3.Connection) -> None:
        if self._turns is not None:
            # Our turn: the other ingestion writers wait on the lock file, so the write lock is free unless a
            # staff transaction holds it for a moment (then SQLite's busy handler waits for it).
            conn.execute("BEGIN IMMEDIATE")
        else:
            self._begin(conn, self.busy_timeout)

    async def append(
        self,
        rows: Sequence[tuple[Any, ...]],
        tokens: Mapping[int, str],
        events: Mapping[int, Sequence[OutboxRow]],
    ) -> Appended:
        return await asyncio.get_running_loop().run_in_executor(
            self._executor, self._in_turn, lambda conn: self._appending(conn, rows, tokens, events)
        )

    def _transaction(
        self, conn: sqlite3.Connection, batch: Sequence[PendingRow], quota: Quota | None
    ) -> list[Decision]:
        ids = list({p.client_id for p in batch})
        waves = list({p.wave_id for p in batch})
        points = list({p.service_point_id for p in batch})
        dossiers = list({p.dossier_hash for p in batch if p.dossier_hash})
        kiosks = list({p.device_id for p in batch if p.device_id is not None})
        self._open(conn)
        try:
            stored = dict(sqlite_rows.lookup(conn, "client_id, body_hash", "submission WHERE client_id", ids))
            open_waves, tokens = open_sqlite(conn, waves), live_tokens_sqlite(conn, points)
            answered: set[tuple[int, str]] = set()
            if dossiers:
                # Through the unique (wave, dossier_hash) index: the wave is part of the key.
                answered = set(
                    sqlite_rows.lookup(
                        conn,
                        "wave, dossier_hash",
                        f"submission WHERE wave IN ({','.join(str(int(w)) for w in waves)}) AND dossier_hash",
                        dossiers,
                    )
                )
            live: dict[int, int] = {}
            if kiosks:
                live = dict(
                    conn.execute(
                        "SELECT id, service_point FROM kiosk_device"  # noqa: S608 - values bound
                        f" WHERE revoked_at IS NULL AND id IN ({_marks(len(kiosks))})",
                        kiosks,
                    )
                )
            # decide() notes accepted rows in ``stored`` and ``answered``: copies keep them for a second pass.
            decisions, accepted = decide(batch, dict(stored), open_waves, tokens, set(answered), live)
            if quota is not None and accepted:
                counted = ratelimit.wanted(p.rate_key for p in accepted)
                totals = self._count(conn, quota, counted)
                allowance = ratelimit.allowances(quota, counted, totals)
                if allowance is not None:  # some key went over its limit: decide again within it
                    decisions, accepted = decide(batch, stored, open_waves, tokens, answered, live, allowance)
                    conn.executemany(
                        "UPDATE submission_rate SET hits = ? WHERE rate_key = ?",
                        ratelimit.corrected(counted, totals, (p.rate_key for p in accepted)),
                    )
            if accepted:
                sqlite_rows.insert(conn, "submission", INSERT_COLUMNS, [p.row for p in accepted])
                outbox.insert_sqlite(conn, [e for p in accepted for e in p.events])
                devices = list({p.device_id for p in accepted if p.device_id is not None})
                if devices:
                    conn.execute(
                        f"UPDATE kiosk_device SET last_seen_at = ? WHERE id IN ({_marks(len(devices))})",  # noqa: S608 - values bound
                        [datetime.now(UTC), *devices],
                    )
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return decisions

    @staticmethod
    def _count(
        conn: sqlite3.Connection, quota: Quota, counted: list[tuple[str, int]]
    ) -> dict[str, tuple[int, int]]:
        """Add each key's rows to its window (one upsert); each key's window start and new count."""
        values = [v for key, n in counted for v in (key, quota.window_start_ms, n)]
        rows = conn.execute(
            "INSERT INTO submission_rate (rate_key, window_start_ms, hits)"  # noqa: S608 - values bound
            f" VALUES {', '.join(['(?, ?, ?)'] * len(counted))} {ratelimit.UPSERT_SET}",
            values,
        ).fetchall()
        return {str(r[0]): (int(r[1]), int(r[2])) for r in rows}

    @staticmethod
    def _begin(conn: sqlite3.Connection, patience: float) -> None:
        """Take the write lock, retrying every fraction of a millisecond while another process holds it.

        SQLite's own busy handler sleeps 1, 2, 5, 10 … ms between tries, far longer than one of our
        commits lasts, so server processes sharing a file would mostly wait; inside the transaction the
        normal busy timeout applies again.
        """
        deadline = time.monotonic() + patience
        delay = 0.0002
        conn.execute("PRAGMA busy_timeout = 0")
        try:
            while True:
                try:
                    conn.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as exc:
                    if "locked" not in str(exc) or time.monotonic() > deadline:
                        raise
                    time.sleep(delay)
                    delay = min(delay * 2, 0.002)
        finally:
            conn.execute(f"PRAGMA busy_timeout = {int(patience * 1000)}")

    async def write(self, batch: Sequence[PendingRow], quota: Quota | None = None) -> list[Decision]:
        return await asyncio.get_running_loop().run_in_executor(self._executor, self._write, batch, quota)

    async def close(self) -> None:
        def shut() -> None:
            if self._conn is not None:
                if self._turns is not None:
                    with contextlib.suppress(sqlite3.Error):
                        self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                self._conn.close()
                self._conn = None
            if self._turns is not None:
                os.close(self._turns)
                self._turns = None

        def shut_reader() -> None:
            if self._reader is not None:
                self._reader.close()
                self._reader = None

        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, shut)
        await loop.run_in_executor(self._reader_executor, shut_reader)
        # A closed store is not used again (the committer makes a new one): let its threads end.
        self._executor.shutdown(wait=False)
        self._reader_executor.shutdown(wait=False)


class PostgresBatchStore:
    """One dedicated asyncpg connection: batches are serialised anyway, a pool would only add hops."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self._conn: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def _connection(self) -> Any:
        import asyncpg

        loop = asyncio.get_running_loop()
        if self._conn is None or self._conn.is_closed() or self._loop is not loop:
            self._conn = await asyncpg.connect(self.dsn)
            self._loop = loop
        return self._conn

    async def write(self, batch: Sequence[PendingRow], quota: Quota | None = None) -> list[Decision]:
        conn = await self._connection()
        ids = list({p.client_id for p in batch})
        waves = list({p.wave_id for p in batch})
        points = list({p.service_point_id for p in batch})
        dossiers = list({p.dossier_hash for p in batch if p.dossier_hash})
        kiosks = list({p.device_id for p in batch if p.device_id is not None})
        async with conn.transaction():
            stored = {
                r[0]: r[1]
                for r in await conn.fetch(
                    "SELECT client_id, body_hash FROM submission WHERE client_id = ANY($1::varchar[])", ids
                )
            }
            open_waves = {
                r[0]
                for r in await conn.fetch(
                    "SELECT id FROM wave WHERE status = 'open' AND id = ANY($1::int[])", waves
                )
            }
            tokens = {
                r[0]: r[1]
                for r in await conn.fetch(
                    "SELECT id, public_token FROM service_point WHERE active AND id = ANY($1::int[])", points
                )
            }
            answered: set[tuple[int, str]] = set()
            if dossiers:
                answered = {
                    (r[0], r[1])
                    for r in await conn.fetch(
                        "SELECT wave, dossier_hash FROM submission"
                        " WHERE wave = ANY($2::int[]) AND dossier_hash = ANY($1::varchar[])",
                        dossiers,
                        waves,
                    )
                }
            live: dict[int, int] = {}
            if kiosks:
                live = {
                    r[0]: r[1]
                    for r in await conn.fetch(
                        "SELECT id, service_point FROM kiosk_device"
                        " WHERE revoked_at IS NULL AND id = ANY($1::int[])",
                        kiosks,
                    )
                }
            # decide() notes accepted rows in ``stored`` and ``answered``: copies keep them for a second pass.
            decisions, accepted = decide(batch, dict(stored), open_waves, tokens, set(answered), live)
            if quota is not None and accepted:
                counted = ratelimit.wanted(p.rate_key for p in accepted)
                rows = await conn.fetch(
                    "INSERT INTO submission_rate (rate_key, window_start_ms, hits)"  # noqa: S608 - values bound
                    " SELECT k, $2::bigint, n FROM unnest($1::varchar[], $3::int[]) AS t(k, n) "
                    + ratelimit.UPSERT_SET,
                    [key for key, _ in counted],
                    quota.window_start_ms,
                    [n for _, n in counted],
                )
                totals = {str(r[0]): (int(r[1]), int(r[2])) for r in rows}
                allowance = ratelimit.allowances(quota, counted, totals)
                if allowance is not None:  # some key went over its limit: decide again within it
                    decisions, accepted = decide(batch, stored, open_waves, tokens, answered, live, allowance)
                    await conn.executemany(
                        "UPDATE submission_rate SET hits = $1 WHERE rate_key = $2",
                        ratelimit.corrected(counted, totals, (p.rate_key for p in accepted)),
                    )
            if accepted:
                rows = [p.row for p in accepted]
                if len(rows) >= COPY_FROM_ROWS:
                    # In client-id order: the unique index on those random ids then takes its entries leaf
                    # after leaf instead of all over the index (1,000,000 counter rows in 100,000-row
                    # chunks: COPY 25.4 s in file order, 21.0 s sorted). Ids follow that order in a batch.
                    rows = [p.row for p in sorted(accepted, key=_client_id)]
                    await conn.copy_records_to_table("submission", records=rows, columns=INSERT_COLUMNS)
                else:
                    placeholders = ", ".join(
                        f"${i + 1}::json" if c == "answers" else f"${i + 1}"
                        for i, c in enumerate(INSERT_COLUMNS)
                    )
                    await conn.executemany(
                        f"INSERT INTO submission ({', '.join(INSERT_COLUMNS)}) VALUES ({placeholders})",  # noqa: S608 - values bound
                        rows,
                    )
                await outbox.insert_postgres(conn, [e for p in accepted for e in p.events])
                devices = list({p.device_id for p in accepted if p.device_id is not None})
                if devices:
                    await conn.execute(
                        "UPDATE kiosk_device SET last_seen_at = $1 WHERE id = ANY($2::int[])",
                        datetime.now(UTC),
                        devices,
                    )
        return decisions

    async def append(
        self,
        rows: Sequence[tuple[Any, ...]],
        tokens: Mapping[int, str],
        events: Mapping[int, Sequence[OutboxRow]],
    ) -> Appended:
        decisions = await self.write([_Appending(i, row, tokens, events) for i, row in enumerate(rows)])
        appended = Appended()
        for i, decision in enumerate(decisions):
            if isinstance(decision, Replayed):
                appended.replayed.append(i)
            elif not isinstance(decision, Accepted):
                appended.refused[i] = decision
        return appended

    async def fetch(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        # Not on the batch connection (a commit may be running on it): through the engine's pool.
        rows = await Submission.raw(sql, *args)
        return [tuple(row.values()) for row in rows]

    async def close(self) -> None:
        if self._conn is not None and self._loop is asyncio.get_running_loop():
            await self._conn.close()
        self._conn = None


def _client_id(row: PendingRow) -> str:
    return row.client_id


class _Appending:
    """A row of an append as ``decide`` reads it (PostgreSQL appends go through ``write``)."""

    __slots__ = (
        "body_hash",
        "client_id",
        "device_id",
        "dossier_hash",
        "events",
        "rate_key",
        "row",
        "service_point_id",
        "token",
        "wave_id",
    )

    def __init__(
        self,
        index: int,
        row: tuple[Any, ...],
        tokens: Mapping[int, str],
        events: Mapping[int, Sequence[OutboxRow]],
    ) -> None:
        self.row = row
        self.client_id: str = row[_CLIENT_ID]
        self.wave_id: int = row[_WAVE]
        self.service_point_id: int = row[_POINT]
        self.body_hash: str = row[_BODY]
        self.dossier_hash: str | None = row[_DOSSIER]
        self.token = tokens.get(self.service_point_id, "")
        self.events = events.get(index, ())
        self.device_id: int | None = None
        self.rate_key = ""


def batch_store_for(engine: Engine[Any], cache_kib: int | None = None) -> BatchStore:
    """The engine's store; ``cache_kib``: the SQLite writer's page cache (bulk imports), else SQLite's own."""
    if isinstance(engine, SQLiteEngine):
        return SQLiteBatchStore(engine.path, float(engine.connection_kwargs.get("timeout", 30.0)), cache_kib)
    if isinstance(engine, PostgresEngine):
        return PostgresBatchStore(engine.config["dsn"])
    raise TypeError(f"no ingestion store for {type(engine).__name__}")
