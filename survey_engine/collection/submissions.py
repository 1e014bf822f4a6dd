"""Durable, idempotent storage of responses, with group commit.

A response is acknowledged only after the transaction holding it has committed. To go fast without
weakening durability, concurrent submissions are batched: a single committer task takes everything
queued while the previous commit was running and writes it in one transaction (group commit), so one
fsync serves many responses. Validation, hashing and JSON encoding happen before queueing: no CPU
work inside a write transaction.

Inside the transaction every row is checked against the stored state in a few set-based queries
(idempotency key, wave still open, token still current, kiosk device not revoked, dossier not answered
yet), so a decision made from the short-lived caches can never let a stale request through; the rows
that pass are counted against the rate limit in the same transaction
(:mod:`survey_engine.collection.ratelimit`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import msgspec

from survey_engine.answer_codes import CriteriaLayout, criteria_layout
from survey_engine.collection import receipts
from survey_engine.collection.forms import form_for_token
from survey_engine.collection.ingest_store import Accepted, BatchStore, Replayed, batch_store_for, insert_row
from survey_engine.collection.ratelimit import SubmissionRateLimit, device_key, point_key, staff_key
from survey_engine.errors import (
    AuthenticationFailed,
    Conflict,
    DomainError,
    FieldProblem,
    InvalidInput,
)
from survey_engine.questionnaire import Questionnaire, load_definition, validate_answers
from survey_engine.security import hash_token
from survey_engine.tables import Submission
from survey_engine.transactions import is_unique_violation
from survey_engine.webhooks.events import submission_events
from survey_engine.webhooks.outbox import OutboxRow, outbox_row

CHANNELS = ("online", "kiosk", "phone", "paper")
LANGUAGES = ("vi", "en")
MAX_BATCH = 400


@dataclass(frozen=True)
class SubmissionRequest:
    client_id: str
    token: str
    answers: dict[str, object]
    channel: str
    language: str
    started_at: datetime | None = None
    submitted_at: datetime | None = None
    dossier_code: str | None = None
    receipt: str | None = None
    questionnaire_version: str | None = None
    device_token: str | None = None
    interviewer_id: int | None = None
    body_hash: str | None = None
    complete: bool = (
        True  # False: a kiosk break-off kept after the idle timeout (required items may be missing)
    )
    # A dossier hash already known to the server (a paper copy printed for a sampled unit): set only by
    # server code, never from a request body, so it links the response without a dossier code in clear.
    linked_dossier_hash: str | None = None


@dataclass(frozen=True)
class SubmissionOutcome:
    client_id: str
    created: bool  # True: stored by this request (201); False: the same id and body was stored before (200)


@dataclass(frozen=True)
class ResolvedForm:
    """What a token serves, cached for a few seconds; rechecked inside every commit."""

    token: str
    service_point_id: int
    service_point: str
    agency_id: int
    wave_id: int
    channels: frozenset[str]
    version_label: str
    version_number: int
    questionnaire: Questionnaire
    layout: CriteriaLayout
    loaded_at: float
    fingerprint: tuple[tuple[Any, ...], ...] = ()  # FORM_STATE rows read just before loading
    wave: str = ""  # the wave's code (webhook events name it)


# Everything a token's resolved form depends on, in one indexed query: the point, the waves that cover it
# (its own wave list, else its agency's) with status, channels and questionnaire version. When an expired
# cache entry's rows are unchanged it is renewed without reloading the form (a questionnaire version, and
# so its definition, never changes once published).
FORM_STATE = """
SELECT sp.id, sp.code, sp.active, sp.agency, w.id, w.status, w.channels, w.questionnaire_version,
       qv.version, q.code
FROM service_point AS sp
LEFT JOIN wave AS w ON w.id IN (
    SELECT wsp.wave FROM wave_service_point AS wsp WHERE wsp.service_point = sp.id
    UNION
    SELECT wa.wave FROM wave_agency AS wa
    WHERE wa.agency = sp.agency
      AND NOT EXISTS (SELECT 1 FROM wave_service_point AS x WHERE x.service_point = sp.id)
)
LEFT JOIN questionnaire_version AS qv ON qv.id = w.questionnaire_version
LEFT JOIN questionnaire AS q ON q.id = qv.questionnaire
WHERE sp.public_token = {}
ORDER BY w.id
"""
DEVICE = "SELECT id, service_point, revoked_at FROM kiosk_device WHERE token_hash = {}"


@dataclass
class _Pending:
    client_id: str
    body_hash: str
    wave_id: int
    service_point_id: int
    token: str
    dossier_hash: str | None
    device_id: int | None
    rate_key: str
    row: tuple[Any, ...]  # the values in the ingestion store's column order
    future: asyncio.Future[SubmissionOutcome] = field(repr=False)
    events: list[OutboxRow] = field(default_factory=list)  # stored in the same transaction as the row


def canonical_client_id(value: str) -> str | None:
    """The submission id in its one stored spelling (lower case with dashes); None unless a UUID.

    ``uuid.UUID`` also reads the id without dashes, in upper case or in braces: each spelling of the same
    id must find the same stored submission.
    """
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def answers_json(answers: dict[str, object]) -> str:
    # msgspec: the same canonical form (sorted keys, no spaces, UTF-8) several times faster than json.
    return _ENCODER.encode(answers).decode("utf-8")


_ENCODER = msgspec.json.Encoder(order="sorted")


def request_body_hash(req: SubmissionRequest, encoded_answers: str | None = None) -> str:
    """Identity of a request body: a re-send with the same id must carry exactly this."""
    encoded_answers = encoded_answers if encoded_answers is not None else answers_json(req.answers)
    canonical = _ENCODER.encode(
        {
            "token": req.token,
            "answers": encoded_answers,
            "channel": req.channel,
            "language": req.language,
            "started_at": _iso(req.started_at),
            "submitted_at": _iso(req.submitted_at),
            "dossier_code": req.dossier_code,
            "receipt": req.receipt,
            "questionnaire_version": req.questionnaire_version,
            "complete": req.complete,
        }
    )
    return hashlib.sha256(canonical).hexdigest()


class GroupCommitter:
    """One task per event loop that writes queued submissions in shared transactions."""

    def __init__(self, max_batch: int = MAX_BATCH, rate_limit: SubmissionRateLimit | None = None) -> None:
        self.max_batch = max_batch
        self.rate_limit = rate_limit or SubmissionRateLimit(0)
        self._queue: asyncio.Queue[_Pending] | None = None
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.batches = 0
        self.rows = 0
        self._store: BatchStore | None = None

    def _ensure_running(self) -> asyncio.Queue[_Pending]:
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done() or self._loop is not loop:
            self._loop = loop
            self._queue = asyncio.Queue()
            self._task = loop.create_task(self._run(self._queue), name="sipas-group-commit")
        assert self._queue is not None  # noqa: S101 - invariant, not input
        return self._queue

    async def submit(self, pending: _Pending) -> SubmissionOutcome:
        self._ensure_running().put_nowait(pending)
        return await pending.future

    async def close(self) -> None:
        if self._task is not None and self._loop is asyncio.get_running_loop():
            assert self._queue is not None  # noqa: S101 - invariant, not input
            while not self._queue.empty():  # let queued work finish: callers are waiting for it
                await asyncio.sleep(0.005)
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._task = None
        store, self._store = self._store, None  # a cache refresh meanwhile opens a fresh store
        if store is not None:
            await store.close()

    async def _run(self, queue: asyncio.Queue[_Pending]) -> None:
        while True:
            batch = [await queue.get()]
            while len(batch) < self.max_batch and not queue.empty():
                batch.append(queue.get_nowait())
            try:
                try:
                    results = await self._write(batch)
                except Exception as exc:
                    if not is_unique_violation(exc):
                        raise
                    # Another process committed one of these ids or dossiers meanwhile: decide again.
                    results = await self._write(batch)
            except Exception as exc:  # the transaction failed: nothing of this batch is stored
                for pending in batch:
                    if not pending.future.done():
                        pending.future.set_exception(exc)
                continue
            self.batches += 1
            for pending, result in zip(batch, results, strict=True):
                if pending.future.done():
                    continue
                if isinstance(result, BaseException):
                    pending.future.set_exception(result)
                else:
                    pending.future.set_result(result)

    def store(self) -> BatchStore:
        if self._store is None:
            self._store = batch_store_for(Submission._meta.db)
        return self._store

    async def _write(self, batch: list[_Pending]) -> list[SubmissionOutcome | DomainError]:
        decisions = await self.store().write(batch, self.rate_limit.quota())
        results: list[SubmissionOutcome | DomainError] = []
        for decision in decisions:
            if isinstance(decision, Accepted):
                self.rows += 1
                results.append(SubmissionOutcome(decision.client_id, created=True))
            elif isinstance(decision, Replayed):
                results.append(SubmissionOutcome(decision.client_id, created=False))
            else:
                results.append(decision)
        return results


class SubmissionService:
    """Validates a response against its wave's questionnaire version and stores it exactly once."""

    def __init__(
        self,
        secret_key: str,
        cache_seconds: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
        rate_limit: SubmissionRateLimit | None = None,
    ):
        self.secret_key = secret_key
        self.cache_seconds = cache_seconds
        self.clock = clock
        self.rate_limit = rate_limit or SubmissionRateLimit(0)  # off unless given
        self.committer = GroupCommitter(rate_limit=self.rate_limit)
        self._forms: dict[str, ResolvedForm] = {}
        self._loading: dict[str, asyncio.Future[ResolvedForm]] = {}
        self._definitions: dict[int, tuple[Questionnaire, CriteriaLayout]] = {}
        self._devices: dict[str, tuple[float, int, int]] = {}  # token hash → (loaded, device id, point id)

    async def resolve(self, token: str) -> ResolvedForm:
        cached = self._forms.get(token)
        if cached is not None and self.clock() - cached.loaded_at < self.cache_seconds:
            return cached
        # Single flight: when the entry expires under load, one request reloads it and the rest wait.
        loading = self._loading.get(token)
        if loading is None:
            loading = asyncio.ensure_future(self._load(token, cached))
            self._loading[token] = loading
            loading.add_done_callback(lambda _: self._loading.pop(token, None))
        return await asyncio.shield(loading)

    async def _load(self, token: str, previous: ResolvedForm | None = None) -> ResolvedForm:
        # Read the state first: a change made while the form loads then shows at the next renewal.
        state = tuple(await self.committer.store().fetch(FORM_STATE, token))
        if previous is not None and previous.fingerprint == state:
            renewed = replace(previous, loaded_at=self.clock())
            self._forms[token] = renewed
            return renewed
        form = await form_for_token(token)
        version_id = form.questionnaire_version_id
        known = self._definitions.get(version_id)
        if known is None:  # published versions are immutable: parse each once
            parsed = load_definition(form.definition)
            known = (parsed, criteria_layout(parsed))
            self._definitions[version_id] = known
        questionnaire, layout = known
        resolved = ResolvedForm(
            token=token,
            service_point_id=form.service_point_id,
            service_point=form.service_point,
            agency_id=form.agency_id,
            wave_id=form.wave_id,
            channels=frozenset(form.channels),  # Wave.channels: a JSON list of names
            version_label=form.version,
            version_number=form.version_number,
            questionnaire=questionnaire,
            layout=layout,
            loaded_at=self.clock(),
            fingerprint=state,
            wave=form.wave,
        )
        if len(self._forms) > 10_000:
            self._forms.clear()
        self._forms[token] = resolved
        return resolved

    async def receipt_status(self, token: str, receipt: str) -> str:
        """For the form page before anything is answered: ``ok``, ``invalid`` (forged, or for another
        service point) or ``answered`` (this dossier already has its response in the open wave)."""
        form = await self.resolve(token)
        try:
            parsed = receipts.verify_receipt(self.secret_key, receipt)
        except receipts.InvalidReceipt:
            return "invalid"
        if parsed.service_point != form.service_point:
            return "invalid"
        digest = receipts.dossier_hash(self.secret_key, parsed.dossier_code)
        answered = await Submission.exists().where(
            (Submission.wave == form.wave_id) & (Submission.dossier_hash == digest)
        )
        return "answered" if answered else "ok"

    def forget(self, token: str | None = None) -> None:
        """Drop cached forms (all, or one token's) after a staff change."""
        if token is None:
            self._forms.clear()
            self._devices.clear()
        else:
            self._forms.pop(token, None)

    async def _device(self, device_token: str, form: ResolvedForm) -> int:
        """The id of the registered device of this form's point; cached for a few seconds, which only spares
        a query: the commit rechecks that the device is not revoked (in every process)."""
        key = hash_token(device_token)
        now = self.clock()
        cached = self._devices.get(key)
        if cached is None or now - cached[0] >= self.cache_seconds:
            rows = await self.committer.store().fetch(DEVICE, key)
            if not rows or rows[0][2] is not None:
                self._devices.pop(key, None)
                raise AuthenticationFailed("this kiosk device is not registered or has been revoked")
            cached = (now, int(rows[0][0]), int(rows[0][1]))
            self._devices[key] = cached
        if cached[2] != form.service_point_id:
            raise AuthenticationFailed("this kiosk device is registered for another service point")
        return cached[1]

    def _dossier_hash(self, req: SubmissionRequest, form: ResolvedForm) -> str | None:
        """The keyed hash of the dossier this response answers for: from a signed receipt, or a code that
        signed-in staff typed; None for a break-off, which does not use up the dossier's one response."""
        if req.linked_dossier_hash is not None:
            return req.linked_dossier_hash
        dossier_code = req.dossier_code
        if req.receipt:
            try:
                receipt = receipts.verify_receipt(self.secret_key, req.receipt)
            except receipts.InvalidReceipt as exc:
                raise InvalidInput(
                    "the receipt code is not valid", [FieldProblem("receipt", str(exc))]
                ) from exc
            if receipt.service_point != form.service_point:
                raise InvalidInput(
                    "the receipt code belongs to another service point",
                    [FieldProblem("receipt", "issued for another service point")],
                )
            dossier_code = receipt.dossier_code
        if not dossier_code or not req.complete:
            return None
        if len(dossier_code) > 64:
            raise InvalidInput(
                "the dossier code is too long", [FieldProblem("dossier_code", "at most 64 characters")]
            )
        return receipts.dossier_hash(self.secret_key, dossier_code)

    async def submit(self, req: SubmissionRequest) -> SubmissionOutcome:
        req = _checked_request(req)
        form = await self.resolve(req.token)
        _check_form_serves(req, form)
        device_id = None
        if req.channel == "kiosk":
            if not req.device_token:
                raise AuthenticationFailed("kiosk submissions need a registered device (X-Kiosk-Device)")
            device_id = await self._device(req.device_token, form)
        _check_answers(req, form)
        dossier_hash = self._dossier_hash(req, form)
        duration = _duration_seconds(req)
        encoded_answers = answers_json(req.answers)
        body_hash = req.body_hash or request_body_hash(req, encoded_answers)
        values: dict[str, Any] = {
            "client_id": req.client_id,
            "wave": form.wave_id,
            "service_point": form.service_point_id,
            "agency": form.agency_id,
            "questionnaire_version": form.version_number,
            "channel": req.channel,
            "language": req.language,
            "started_at": req.started_at,
            "submitted_at": req.submitted_at,
            "received_at": datetime.now(UTC),
            "duration_seconds": duration,
            "answers": encoded_answers,
            "body_hash": body_hash,
            "dossier_hash": dossier_hash,
            "device": str(device_id) if device_id is not None else None,
            "interviewer": req.interviewer_id,
            "complete": req.complete,
            "codes": form.layout.encode(req.answers),
            "officer": None,  # only one-stop systems name the officer (survey_engine.integrations)
        }
        received_at: datetime = values["received_at"]
        # Decided here, outside the write transaction; written with the row, so stored exactly with it.
        events = [
            outbox_row(kind, form.agency_id, data, received_at)
            for kind, data in submission_events(
                form.questionnaire,
                req.answers,
                {
                    "submission": req.client_id,
                    "wave": form.wave,
                    "service_point": form.service_point,
                    "questionnaire": form.version_label,
                    "channel": req.channel,
                    "complete": req.complete,
                    "received_at": received_at.isoformat(),
                },
            )
        ]
        pending = _Pending(
            client_id=req.client_id,
            body_hash=body_hash,
            wave_id=form.wave_id,
            service_point_id=form.service_point_id,
            token=req.token,
            dossier_hash=dossier_hash,
            device_id=device_id,
            # What the client cannot invent: the point its token resolved to, or its registered device.
            rate_key=_rate_key(req, device_id, form.service_point_id),
            row=insert_row(values),
            future=asyncio.get_running_loop().create_future(),
            events=events,
        )
        return await self.committer.submit(pending)


def _checked_request(req: SubmissionRequest) -> SubmissionRequest:
    """The request with its id in canonical spelling; InvalidInput listing every envelope problem."""
    problems: list[FieldProblem] = []
    client_id = canonical_client_id(req.client_id)
    if client_id is None:
        problems.append(FieldProblem("id", "must be a UUID", "invalid"))
    elif client_id != req.client_id:
        # One spelling per id before anything uses it (idempotency lookup, stored row, answer).
        req = replace(req, client_id=client_id)
    if req.dossier_code and req.interviewer_id is None:
        # An unsigned code from an anonymous client would let anyone use up a citizen's dossier or
        # answer for a sampled one: only a signed receipt or a signed-in staff member links a dossier.
        problems.append(
            FieldProblem(
                "dossier_code",
                "only staff may enter a dossier code; respondents send their signed receipt code",
                "not_allowed",
            )
        )
    if req.channel not in CHANNELS:
        problems.append(FieldProblem("channel", f"must be one of {', '.join(CHANNELS)}"))
    if req.language not in LANGUAGES:
        problems.append(FieldProblem("language", "must be vi or en"))
    if problems:
        raise InvalidInput("the submission is not valid", problems)
    return req


def _check_form_serves(req: SubmissionRequest, form: ResolvedForm) -> None:
    """The wave collects on this channel, with the questionnaire version the client's form was made for."""
    if req.channel not in form.channels:
        raise InvalidInput(
            "this survey does not collect answers on that channel",
            [FieldProblem("channel", f"this wave collects on {', '.join(sorted(form.channels))}")],
        )
    if req.questionnaire_version and req.questionnaire_version != form.version_label:
        raise Conflict(
            f"the form was made for questionnaire {req.questionnaire_version} but the survey now uses "
            f"{form.version_label}; reload the form",
            "stale",
        )


def _check_answers(req: SubmissionRequest, form: ResolvedForm) -> None:
    errors = validate_answers(form.questionnaire, req.answers)
    if not req.complete:
        # A break-off is validated like any answer set, except that it may stop before required items.
        errors = [e for e in errors if e.code != "required"]
        if not req.answers:
            raise InvalidInput("an empty break-off is not stored", [FieldProblem("answers", "no answers")])
    if errors:
        raise InvalidInput(
            "some answers are not valid",
            [FieldProblem(e.item, e.message.get(req.language), e.code) for e in errors],
        )


def _duration_seconds(req: SubmissionRequest) -> int | None:
    if not (req.started_at and req.submitted_at):
        return None
    seconds = (req.submitted_at - req.started_at).total_seconds()
    if seconds < 0:
        raise InvalidInput(
            "submitted_at is before started_at", [FieldProblem("submitted_at", "before started_at")]
        )
    return int(min(seconds, 2**31 - 1))


def _rate_key(req: SubmissionRequest, device_id: int | None, service_point_id: int) -> str:
    """What the rate limit counts a row against: never something the client can invent."""
    if device_id is not None:
        return device_key(device_id)
    if req.channel == "paper" and req.interviewer_id is not None:  # a signed-in keyer (set by server code)
        return staff_key(req.interviewer_id)
    return point_key(service_point_id)
