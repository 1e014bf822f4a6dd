"""Bulk import of counter ratings from a one-stop system (``POST /api/v1/counter-ratings/bulk`` and
``sipas counter import``): each valid line becomes one submission of channel ``onestop``.

* One validator: a line's answers pass :func:`survey_engine.questionnaire.validate_answers` against the
  questionnaire version of its wave, exactly as every other submission.
* The wave is the open wave of the line's service point on the line's questionnaire (the newest, if
  several are open). The open waves of every service point are read once, when the import starts (two
  queries, not two per service point); a wave closed or a point retired meanwhile is still caught when
  each chunk is stored (the ingestion store checks both in the chunk's transaction).
* Idempotent by ``id``: a line whose id is stored with the same body counts as a duplicate; the same id
  with another body, or a dossier already rated in that wave, is a rejected line.
* Dossier codes are kept only as their keyed hash (the frames' and receipts' HMAC).
* Lines are written in chunks, one transaction per chunk, through the ingestion store of group commit
  (:mod:`survey_engine.collection.ingest_store`): a set-based query per chunk finds stored ids and
  dossiers, then one multi-row insert. A line is one row, so it is stored whole or not at all, and a
  malformed line never stops the batch: it is listed with its line number and problems.

Where stored ratings are known: :meth:`CounterImportService.stored`, called after each chunk commits with
the ratings that chunk stored (listeners in ``on_stored``, e.g. to tell an agency of a low rating).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec
from piccolo.engine.sqlite import SQLiteEngine

from survey_engine import audit
from survey_engine.actors import Actor
from survey_engine.collection.ingest_store import BatchStore, batch_store_for
from survey_engine.errors import Conflict, DomainError, FieldProblem
from survey_engine.integrations.counter_lines import LineRejected, RatingLine, ndjson_lines
from survey_engine.integrations.counter_rows import (
    AGENCY,
    ANSWERS,
    CHANNEL,
    CLIENT_ID,
    OFFICER,
    SERVICE_POINT,
    SUBMITTED_AT,
    WAVE,
    BuiltLines,
    RowBuilder,
    Target,
    Targets,
    targets_from,
)
from survey_engine.integrations.counter_workers import (
    BLOCK_BYTES,
    ParsePool,
    WorkerContext,
    worker_count,
)
from survey_engine.tables import Submission, WebhookSubscription
from survey_engine.transactions import is_unique_violation

__all__ = [
    "CHANNEL",
    "CHUNK_ROWS",
    "IMPORT_CACHE_KIB",
    "CounterImportService",
    "ImportReport",
    "StoredRating",
]

# Rows per transaction: SQLite pays for an index page once per transaction however many rows touch it,
# and with random ids and dossier hashes a chunk touches most index pages; larger chunks share that cost.
CHUNK_ROWS = 100_000
IMPORT_CACHE_KIB = 256 * 1024  # the SQLite writer's page cache during an import (the indexes fit in it)
# From this size a file is parsed by worker processes (survey_engine.integrations.counter_workers): below it
# (about 40,000 ratings) starting them costs more than they save.
PARALLEL_FROM_BYTES = 8 * 1024 * 1024
_ANSWERS = msgspec.json.Decoder(dict[str, object])

# The open waves of every active service point on the counter questionnaires (COUNTER_QUESTIONNAIRES),
# newest first; a wave listing service points covers those, else a wave covers every point of its
# agencies (as FORM_STATE of the submissions).
TARGETS = """
SELECT sp.code AS point_code, sp.id AS point_id, sp.agency AS agency_id, sp.public_token AS token,
       w.id AS wave_id,
       w.code AS wave_code, q.code AS questionnaire_code, qv.id AS version_id,
       qv.version AS version_number, qv.definition AS definition
FROM service_point AS sp
JOIN wave AS w ON w.id IN (
    SELECT wsp.wave FROM wave_service_point AS wsp WHERE wsp.service_point = sp.id
    UNION
    SELECT wa.wave FROM wave_agency AS wa
    WHERE wa.agency = sp.agency
      AND NOT EXISTS (SELECT 1 FROM wave_service_point AS x WHERE x.service_point = sp.id)
)
JOIN questionnaire_version AS qv ON qv.id = w.questionnaire_version
JOIN questionnaire AS q ON q.id = qv.questionnaire
WHERE sp.active AND w.status = 'open' AND q.code IN ('counter-3', 'decree61-9')
ORDER BY w.id DESC
"""
POINT_SCOPE = "SELECT sp.code, sp.agency, a.province FROM service_point sp JOIN agency a ON a.id = sp.agency"


@dataclass(frozen=True)
class StoredRating:
    """A rating stored by an import (what a listener of :attr:`CounterImportService.on_stored` gets)."""

    client_id: str
    agency_id: int
    service_point_id: int
    wave_id: int
    questionnaire: str
    answers: dict[str, object]
    officer: str | None
    rated_at: datetime


@dataclass
class ImportReport:
    lines: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: list[LineRejected] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": [
                {
                    "line": r.number,
                    "problems": [
                        {"item": p.field, "message": p.message} if p.field else {"message": p.message}
                        for p in r.problems
                    ],
                }
                for r in sorted(self.rejected, key=lambda r: r.number)
            ],
        }


StoredListener = Callable[[list[StoredRating]], Awaitable[None]]


class CounterImportService:
    def __init__(
        self,
        secret_key: str,
        chunk_rows: int = CHUNK_ROWS,
        parallel_from_bytes: int = PARALLEL_FROM_BYTES,
        block_bytes: int = BLOCK_BYTES,
    ) -> None:
        self.secret_key = secret_key
        self.chunk_rows = chunk_rows
        self.parallel_from_bytes = parallel_from_bytes  # smaller files are parsed in this process
        self.block_bytes = block_bytes  # what a parse worker reads at a time
        self.on_stored: list[StoredListener] = []

    async def import_lines(
        self,
        scope_agency_id: int | None,
        lines: Iterable[RatingLine | LineRejected] | AsyncIterator[RatingLine | LineRejected],
        audit_as: Actor | None = None,
        scope_province_id: int | None = None,
    ) -> ImportReport:
        """Store every valid line of ``lines`` whose service point is in scope (``scope_agency_id``:
        one agency; None: every agency of ``scope_province_id``, or of the deployment when that is None too);
        the report counts and lists the rest by line number.

        ``audit_as``: write one audit row for the import as this actor (the command line's imports; the
        HTTP endpoint writes its own, as the key's use)."""
        found, in_scope = await self._target_rows(scope_agency_id, scope_province_id)
        targets = targets_from(found, in_scope)
        builder = RowBuilder(
            self.secret_key, targets, datetime.now(UTC), await self._wanted(), _times_as_text()
        )

        async def built() -> AsyncIterator[BuiltLines]:
            async for some in _slices(lines, 256):
                chunk = BuiltLines()
                for line in some:
                    chunk.add(builder.build(line))
                yield chunk

        return await self._store_all(targets, built(), audit_as)

    async def import_ndjson_file(
        self,
        scope_agency_id: int | None,
        path: Path,
        audit_as: Actor | None = None,
        scope_province_id: int | None = None,
        workers: int | None = None,
    ) -> ImportReport:
        """:meth:`import_lines` of an NDJSON file; a large file is parsed by worker processes while this
        one stores (``workers``: how many; None: one per core but one; 0: parse here)."""
        workers = worker_count() if workers is None else workers
        now = datetime.now(UTC)
        if workers < 1 or path.stat().st_size < self.parallel_from_bytes:
            with path.open("rb") as handle:
                lines = (line.rstrip(b"\r\n") for line in handle)
                return await self.import_lines(
                    scope_agency_id, ndjson_lines(lines, now), audit_as, scope_province_id
                )
        found, in_scope = await self._target_rows(scope_agency_id, scope_province_id)
        targets = targets_from(found, in_scope)
        context = WorkerContext(self.secret_key, found, in_scope, now, await self._wanted(), _times_as_text())

        async with ParsePool(context, workers, self.block_bytes) as pool:
            return await self._store_all(targets, pool.blocks(path), audit_as)

    async def _store_all(
        self,
        targets: Targets,
        source: AsyncIterator[BuiltLines],
        audit_as: Actor | None,
    ) -> ImportReport:
        """Store the rows of ``source`` chunk by chunk, one transaction per chunk."""
        report = ImportReport()
        live = [t for t in targets.values() if isinstance(t, Target)]
        questionnaires = {t.wave_id: t.questionnaire_code for t in live}
        tokens = {t.service_point_id: t.token for t in live}
        store = batch_store_for(Submission._meta.db, IMPORT_CACHE_KIB)
        chunk = BuiltLines()
        # One chunk is written while the next one is read and built: the write runs in the store's own
        # thread (SQLite) or on the connection (PostgreSQL). Writes stay one after another, so a chunk's
        # duplicate checks always see the chunks before it committed.
        writing: asyncio.Task[None] | None = None

        async def hand_over(ready: BuiltLines) -> None:
            nonlocal writing
            if writing is not None:
                await writing
            writing = asyncio.ensure_future(self._flush(store, ready, tokens, report, questionnaires))
            await asyncio.sleep(0)  # let the write start before the next chunk is read

        # The first chunks are smaller, so that storing starts soon after the first lines are read: their
        # transactions touch few index pages anyway while the indexes are small.
        limit = max(1, self.chunk_rows // 4)
        try:
            async for some in source:
                chunk.extend(some)
                if len(chunk.rows) >= limit:
                    await hand_over(chunk)
                    chunk = BuiltLines()
                    limit = min(self.chunk_rows, 2 * limit)
                await asyncio.sleep(0)  # let a PostgreSQL write make progress on this event loop
            await hand_over(chunk)
            if writing is not None:
                await writing
        finally:
            if writing is not None and not writing.done():
                await asyncio.wait([writing])  # never close the store under a running write
            await store.close()
        if audit_as is not None:
            await audit.record(
                audit_as,
                "import",
                "counter_ratings",
                "file",
                {
                    "lines": report.lines,
                    "accepted": report.accepted,
                    "duplicates": report.duplicates,
                    "rejected": len(report.rejected),
                },
            )
        return report

    async def _target_rows(
        self, scope_agency_id: int | None, scope_province_id: int | None
    ) -> tuple[list[dict[str, Any]], set[str]]:
        """The open waves of the counter questionnaires (the target query's rows) and the service points
        within scope (one agency, one province, or the deployment)."""
        in_scope = {
            str(r["code"])
            for r in await Submission.raw(POINT_SCOPE)
            if (scope_agency_id is None or int(r["agency"]) == scope_agency_id)
            and (scope_province_id is None or r["province"] == scope_province_id)
        }
        found = [dict(r) for r in await Submission.raw(TARGETS) if str(r["point_code"]) in in_scope]
        return found, in_scope

    @staticmethod
    async def _wanted() -> frozenset[tuple[int, str]]:
        """(agency, event type) pairs some active subscription wants: the events an import writes. An event
        nobody wants would be deleted unread when the delivery worker fans it out."""
        wanted: set[tuple[int, str]] = set()
        for sub in await WebhookSubscription.select(
            WebhookSubscription.agency, WebhookSubscription.event_types
        ).where(WebhookSubscription.active == True):  # noqa: E712 - Piccolo's column comparison
            wanted.update((int(sub["agency"]), kind) for kind in str(sub["event_types"]).split(",") if kind)
        return frozenset(wanted)

    async def _flush(
        self,
        store: BatchStore,
        chunk: BuiltLines,
        tokens: dict[int, str],
        report: ImportReport,
        questionnaires: dict[int, str],
    ) -> None:
        report.lines += chunk.lines
        report.rejected.extend(chunk.rejected)
        if not chunk.rows:
            return
        try:
            appended = await store.append(chunk.rows, tokens, chunk.events)
        except Exception as exc:
            if not is_unique_violation(exc):
                raise
            # Another writer stored one of these ids or dossiers meanwhile: decide the chunk again.
            appended = await store.append(chunk.rows, tokens, chunk.events)
        report.accepted += appended.stored(len(chunk.rows))
        report.duplicates += len(appended.replayed)
        for i, refusal in appended.refused.items():
            report.rejected.append(LineRejected(chunk.numbers[i], [_refusal(refusal)]))
        if self.on_stored:
            not_stored = set(appended.replayed) | appended.refused.keys()
            await self.stored(
                [_stored(row, questionnaires) for i, row in enumerate(chunk.rows) if i not in not_stored]
            )

    async def stored(self, ratings: list[StoredRating]) -> None:
        """The ratings a chunk has just stored (committed): every listener of ``on_stored`` hears of them."""
        for listener in self.on_stored:
            await listener(ratings)


def _stored(row: tuple[Any, ...], questionnaires: dict[int, str]) -> StoredRating:
    return StoredRating(
        client_id=row[CLIENT_ID],
        agency_id=int(row[AGENCY]),
        service_point_id=row[SERVICE_POINT],
        wave_id=row[WAVE],
        questionnaire=questionnaires[row[WAVE]],
        answers=_ANSWERS.decode(row[ANSWERS]),
        officer=row[OFFICER],
        rated_at=_time(row[SUBMITTED_AT]),
    )


def _time(value: datetime | str) -> datetime:
    """A row's time as built (a datetime, or the text SQLite stores: UTC)."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def _times_as_text() -> bool:
    return isinstance(Submission._meta.db, SQLiteEngine)


def _refusal(error: DomainError) -> FieldProblem:
    if isinstance(error, Conflict) and error.kind == "idempotency":
        return FieldProblem("id", "this id is already stored with another body", "duplicate")
    if isinstance(error, Conflict) and error.kind == "already_answered":
        return FieldProblem("dossier_code", "this dossier is already rated in this wave", "duplicate")
    if isinstance(error, Conflict) and error.kind == "closed":
        return FieldProblem("service_point", "the wave of this service point has closed", "closed")
    return FieldProblem("service_point", error.detail)


async def _slices(
    lines: Iterable[RatingLine | LineRejected] | AsyncIterator[RatingLine | LineRejected], size: int
) -> AsyncIterator[list[RatingLine | LineRejected]]:
    """``lines`` a few hundred at a time (an await per slice, not per line)."""
    if isinstance(lines, AsyncIterator):
        some: list[RatingLine | LineRejected] = []
        async for line in lines:
            some.append(line)
            if len(some) >= size:
                yield some
                some = []
        if some:
            yield some
    else:
        iterator = iter(lines)
        while some := list(itertools.islice(iterator, size)):
            yield some
