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
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import msgspec

from survey_engine import audit
from survey_engine.actors import Actor
from survey_engine.administration.questionnaires import version_label
from survey_engine.answer_codes import CriteriaLayout, criteria_layout
from survey_engine.collection.ingest_store import Accepted, BatchStore, Replayed, batch_store_for
from survey_engine.collection.receipts import dossier_hasher
from survey_engine.collection.submissions import answers_json
from survey_engine.errors import Conflict, DomainError, FieldProblem
from survey_engine.integrations.counter_lines import LineRejected, RatingLine
from survey_engine.questionnaire import Questionnaire, load_definition, normalise_form, validate_answers
from survey_engine.tables import Submission
from survey_engine.transactions import is_unique_violation
from survey_engine.webhooks.events import submission_events
from survey_engine.webhooks.outbox import OutboxRow, outbox_row

CHANNEL = "onestop"
# Rows per transaction: SQLite pays for an index page once per transaction however many rows touch it,
# and with random ids and dossier hashes a chunk touches most index pages; larger chunks share that cost.
CHUNK_ROWS = 50_000
IMPORT_CACHE_KIB = 256 * 1024  # the SQLite writer's page cache during an import (the indexes fit in it)
_ENCODER = msgspec.json.Encoder(order="sorted")  # a line's canonical form (sorted keys): its body hash
_MEMO_MAX = 50_000  # answer sets seen (with their verdict and codes): most ratings repeat a few sets

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
class Target:
    """Where a line of (service point, questionnaire) goes."""

    service_point_id: int
    agency_id: int
    token: str
    wave_id: int
    version_id: int
    version_number: int
    questionnaire: Questionnaire
    layout: CriteriaLayout
    wave_code: str = ""
    service_point_code: str = ""
    version_label: str = ""


class _Targets(dict[tuple[str, str], "Target | FieldProblem"]):
    """(service point, questionnaire) → its target; a pair without one gets its problem (remembered)."""

    def __init__(self, in_scope: set[str]) -> None:
        super().__init__()
        self.in_scope = in_scope

    def miss(self, point: str, questionnaire: str) -> FieldProblem:
        if point not in self.in_scope:
            # The same words for a point of another agency: a key does not learn what it may not use.
            problem = FieldProblem(
                "service_point", f"no service point {point} within this key's scope", "unknown"
            )
        else:
            problem = FieldProblem(
                "questionnaire", f"no open wave at service point {point} on {questionnaire}", "closed"
            )
        self[point, questionnaire] = problem
        return problem


@dataclass(slots=True)
class _Row:
    """A line ready to store (the ingestion store's PendingRow)."""

    client_id: str
    body_hash: str
    wave_id: int
    service_point_id: int
    token: str
    dossier_hash: str | None
    values: dict[str, Any]
    line: RatingLine
    device_id: int | None = None
    rate_key: str = ""
    # The webhook events (low rating, comment) the rating raises, stored in the same transaction as it.
    events: list[OutboxRow] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Checked:
    """What an answer set (of one questionnaire version) gives, whichever line carries it."""

    problems: list[FieldProblem]
    codes: str | None
    # The events the answers raise, without the line's identity: (type, the answer-derived data).
    events: list[tuple[str, dict[str, object]]]


class _EventIds:
    """Fresh UUID4 texts for outbox rows, drawn from the OS a few thousand at a time: one system call per
    draw (which releases the GIL and may wait for the writer thread to give it back), not one per event."""

    DRAW = 4096

    def __init__(self) -> None:
        self._pool: list[str] = []

    def next(self) -> str:
        if not self._pool:
            raw = os.urandom(16 * self.DRAW)
            self._pool = [str(uuid.UUID(bytes=raw[i : i + 16], version=4)) for i in range(0, len(raw), 16)]
        return self._pool.pop()


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
    def __init__(self, secret_key: str, chunk_rows: int = CHUNK_ROWS) -> None:
        self.secret_key = secret_key
        self.chunk_rows = chunk_rows
        self.on_stored: list[StoredListener] = []
        self._memo: dict[tuple[int, str], _Checked] = {}
        self._definitions: dict[int, tuple[Questionnaire, CriteriaLayout]] = {}
        self._event_ids = _EventIds()
        self._hash_dossier: Callable[[str], str] | None = None

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
        report = ImportReport()
        store = batch_store_for(Submission._meta.db, IMPORT_CACHE_KIB)
        targets = await self._targets(scope_agency_id, scope_province_id)
        now = datetime.now(UTC)
        received_at = now.isoformat()
        chunk: list[_Row] = []
        # One chunk is written while the next one is read and checked: the write runs in the store's own
        # thread (SQLite) or on the connection (PostgreSQL). Writes stay one after another, so a chunk's
        # duplicate checks always see the chunks before it committed.
        writing: asyncio.Task[None] | None = None

        async def hand_over(rows: list[_Row]) -> None:
            nonlocal writing
            if writing is not None:
                await writing
            writing = asyncio.ensure_future(self._flush(store, rows, report))
            await asyncio.sleep(0)  # let the write start before the next chunk is read

        try:
            async for some in _slices(lines, 256):
                report.lines += len(some)
                for line in some:
                    if isinstance(line, LineRejected):
                        report.rejected.append(line)
                        continue
                    target = targets.get((line.service_point, line.questionnaire))
                    if target is None:
                        target = targets.miss(line.service_point, line.questionnaire)
                    if isinstance(target, FieldProblem):
                        report.rejected.append(LineRejected(line.number, [target]))
                        continue
                    row = self._row(line, target, now, received_at)
                    if isinstance(row, LineRejected):
                        report.rejected.append(row)
                        continue
                    chunk.append(row)
                    if len(chunk) >= self.chunk_rows:
                        await hand_over(chunk)
                        chunk = []
                await asyncio.sleep(0)  # let a PostgreSQL write make progress on this event loop
            if chunk:
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

    async def _targets(self, scope_agency_id: int | None, scope_province_id: int | None) -> _Targets:
        """Where lines go: the open wave of each (service point, questionnaire) within scope (one agency,
        one province, or the deployment)."""
        in_scope = {
            str(r["code"])
            for r in await Submission.raw(POINT_SCOPE)
            if (scope_agency_id is None or int(r["agency"]) == scope_agency_id)
            and (scope_province_id is None or r["province"] == scope_province_id)
        }
        targets = _Targets(in_scope)
        for found in await Submission.raw(TARGETS):
            point, questionnaire = str(found["point_code"]), str(found["questionnaire_code"])
            if point not in in_scope or (point, questionnaire) in targets:
                continue  # out of scope, or an older open wave of the same pair
            targets[point, questionnaire] = self._target(found)
        return targets

    def _target(self, found: dict[str, Any]) -> Target:
        version_id = int(found["version_id"])
        known = self._definitions.get(version_id)
        if known is None:  # a published version never changes: parse each once
            definition = found["definition"]
            parsed = load_definition(
                definition if isinstance(definition, str | bytes) else _ENCODER.encode(definition)
            )
            known = (parsed, criteria_layout(parsed))
            self._definitions[version_id] = known
        return Target(
            service_point_id=int(found["point_id"]),
            agency_id=int(found["agency_id"]),
            token=str(found["token"]),
            wave_id=int(found["wave_id"]),
            version_id=version_id,
            version_number=int(found["version_number"]),
            questionnaire=known[0],
            layout=known[1],
            wave_code=str(found["wave_code"]),
            service_point_code=str(found["point_code"]),
            version_label=version_label(str(found["questionnaire_code"]), int(found["version_number"])),
        )

    def _checked(self, target: Target, answers: dict[str, object], encoded: str) -> _Checked:
        """The answers' problems (the submissions' validator), criteria codes and events, remembered per
        set: counter ratings repeat a few answer sets (a comment makes a set of its own)."""
        memo_key = (target.version_id, encoded)
        known = self._memo.get(memo_key)
        if known is None:
            errors = validate_answers(target.questionnaire, answers)
            problems = [FieldProblem(f"answers.{e.item}", e.message.en, e.code) for e in errors]
            known = (
                _Checked(problems, None, [])
                if problems
                else _Checked(
                    [], target.layout.encode(answers), submission_events(target.questionnaire, answers, {})
                )
            )
            if len(self._memo) >= _MEMO_MAX:
                self._memo.clear()
            self._memo[memo_key] = known
        return known

    def _row(self, line: RatingLine, target: Target, now: datetime, received_at: str) -> _Row | LineRejected:
        answers = line.answers
        if line.text_answers:
            answers = normalise_form(
                target.questionnaire, {k: str(v) for k, v in answers.items()}, drop_unknown=False
            )
        encoded = line.answers_json if line.answers_json and not line.text_answers else answers_json(answers)
        checked = self._checked(target, answers, encoded)
        if checked.problems:
            return LineRejected(line.number, checked.problems)
        digest = None
        if line.dossier_code:
            if self._hash_dossier is None:
                self._hash_dossier = dossier_hasher(self.secret_key)
            digest = self._hash_dossier(line.dossier_code)
        body_hash = line.body_hash
        values = {
            "client_id": line.client_id,
            "wave": target.wave_id,
            "service_point": target.service_point_id,
            "agency": target.agency_id,
            "questionnaire_version": target.version_number,
            "channel": CHANNEL,
            "language": "vi",
            "started_at": None,
            "submitted_at": line.rated_at,
            "received_at": now,
            "duration_seconds": None,
            "answers": encoded,
            "body_hash": body_hash,
            "dossier_hash": digest,
            "device": None,
            "interviewer": None,
            "complete": True,
            "codes": checked.codes,
            "officer": line.officer,
        }
        return _Row(
            client_id=line.client_id,
            body_hash=body_hash,
            wave_id=target.wave_id,
            service_point_id=target.service_point_id,
            token=target.token,
            dossier_hash=digest,
            values=values,
            line=line,
            events=[
                outbox_row(
                    kind,
                    target.agency_id,
                    {
                        "submission": line.client_id,
                        "wave": target.wave_code,
                        "service_point": target.service_point_code,
                        "questionnaire": target.version_label,
                        "channel": CHANNEL,
                        "complete": True,
                        "received_at": received_at,
                        **answered,
                    },
                    now,
                    self._event_ids.next(),
                )
                for kind, answered in checked.events
            ],
        )

    async def _flush(self, store: BatchStore, chunk: list[_Row], report: ImportReport) -> None:
        try:
            decisions = await store.write(chunk)
        except Exception as exc:
            if not is_unique_violation(exc):
                raise
            # Another writer stored one of these ids or dossiers meanwhile: decide the chunk again.
            decisions = await store.write(chunk)
        stored: list[StoredRating] = []
        listened = bool(self.on_stored)
        for row, decision in zip(chunk, decisions, strict=True):
            if isinstance(decision, Accepted):
                report.accepted += 1
                if listened:
                    stored.append(_stored(row))
            elif isinstance(decision, Replayed):
                report.duplicates += 1
            else:
                report.rejected.append(LineRejected(row.line.number, [_refusal(decision)]))
        if stored:
            await self.stored(stored)

    async def stored(self, ratings: list[StoredRating]) -> None:
        """The ratings a chunk has just stored (committed): every listener of ``on_stored`` hears of them."""
        for listener in self.on_stored:
            await listener(ratings)


def _stored(row: _Row) -> StoredRating:
    return StoredRating(
        client_id=row.client_id,
        agency_id=int(row.values["agency"]),
        service_point_id=row.service_point_id,
        wave_id=row.wave_id,
        questionnaire=row.line.questionnaire,
        answers=row.line.answers,
        officer=row.line.officer,
        rated_at=row.line.rated_at,
    )


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
