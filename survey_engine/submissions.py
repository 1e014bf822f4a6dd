"""Durable, idempotent storage of responses, with group commit.

A response is acknowledged only after the transaction holding it has committed. To go fast without
weakening durability, concurrent submissions are batched: a single committer task takes everything
queued while the previous commit was running and writes it in one transaction (group commit), so one
fsync serves many responses. Validation, hashing and JSON encoding happen before queueing: no CPU
work inside a write transaction.

Inside the transaction every row is checked against the stored state in a few set-based queries
(idempotency key, wave still open, token still current, dossier not answered yet), so a decision made
from the short-lived form cache can never let a stale request through.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from survey_engine import receipts
from survey_engine.errors import AuthenticationFailed, Conflict, DomainError, FieldProblem, InvalidInput, NotFound
from survey_engine.forms import form_for_token
from survey_engine.questionnaire import Questionnaire, load_definition, validate_answers
from survey_engine.security import hash_token
from survey_engine.tables import KioskDevice, ServicePoint, Submission, Wave
from survey_engine.transactions import is_unique_violation, write_transaction

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
    loaded_at: float


@dataclass
class _Pending:
    client_id: str
    body_hash: str
    wave_id: int
    service_point_id: int
    token: str
    dossier_hash: str | None
    device_id: int | None
    values: dict[str, Any]
    future: asyncio.Future[SubmissionOutcome] = field(repr=False)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def request_body_hash(req: SubmissionRequest) -> str:
    """Identity of a request body: a re-send with the same id must carry exactly this."""
    canonical = json.dumps(
        {
            "token": req.token,
            "answers": req.answers,
            "channel": req.channel,
            "language": req.language,
            "started_at": _iso(req.started_at),
            "submitted_at": _iso(req.submitted_at),
            "dossier_code": req.dossier_code,
            "receipt": req.receipt,
            "questionnaire_version": req.questionnaire_version,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class GroupCommitter:
    """One task per event loop that writes queued submissions in shared transactions."""

    def __init__(self, max_batch: int = MAX_BATCH) -> None:
        self.max_batch = max_batch
        self._queue: asyncio.Queue[_Pending] | None = None
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.batches = 0
        self.rows = 0

    def _ensure_running(self) -> asyncio.Queue[_Pending]:
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done() or self._loop is not loop:
            self._loop = loop
            self._queue = asyncio.Queue()
            self._task = loop.create_task(self._run(self._queue), name="sipas-group-commit")
        assert self._queue is not None
        return self._queue

    async def submit(self, pending: _Pending) -> SubmissionOutcome:
        self._ensure_running().put_nowait(pending)
        return await pending.future

    async def close(self) -> None:
        if self._task is not None and self._loop is asyncio.get_running_loop():
            assert self._queue is not None
            while not self._queue.empty():  # let queued work finish: callers are waiting for it
                await asyncio.sleep(0.005)
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        self._task = None

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

    async def _write(self, batch: list[_Pending]) -> list[SubmissionOutcome | DomainError]:
        ids = list({p.client_id for p in batch})
        wave_ids = list({p.wave_id for p in batch})
        point_ids = list({p.service_point_id for p in batch})
        dossiers = list({p.dossier_hash for p in batch if p.dossier_hash})
        results: list[SubmissionOutcome | DomainError] = []
        accepted: list[_Pending] = []
        async with write_transaction(Submission._meta.db):
            stored = {
                r["client_id"]: r["body_hash"]
                for r in await Submission.select(Submission.client_id, Submission.body_hash).where(
                    Submission.client_id.is_in(ids)
                )
            }
            open_waves = {
                r["id"]
                for r in await Wave.select(Wave.id).where(Wave.id.is_in(wave_ids) & (Wave.status == "open"))
            }
            tokens = {
                r["id"]: r["public_token"]
                for r in await ServicePoint.select(ServicePoint.id, ServicePoint.public_token).where(
                    ServicePoint.id.is_in(point_ids) & (ServicePoint.active == True)  # noqa: E712
                )
            }
            answered: set[tuple[int, str]] = set()
            if dossiers:
                answered = {
                    (r["wave"], r["dossier_hash"])
                    for r in await Submission.select(Submission.wave, Submission.dossier_hash).where(
                        Submission.dossier_hash.is_in(dossiers)
                    )
                }
            for p in batch:
                if p.client_id in stored:
                    if stored[p.client_id] == p.body_hash:
                        results.append(SubmissionOutcome(p.client_id, created=False))
                    else:
                        results.append(
                            Conflict(f"submission {p.client_id} was already stored with another body", "idempotency")
                        )
                elif tokens.get(p.service_point_id) != p.token:
                    results.append(NotFound("this code does not belong to any service point; it may have been replaced"))
                elif p.wave_id not in open_waves:
                    results.append(Conflict("the survey at this service point is closed", "closed"))
                elif p.dossier_hash and (p.wave_id, p.dossier_hash) in answered:
                    results.append(Conflict("this dossier has already been answered", "already_answered"))
                else:
                    stored[p.client_id] = p.body_hash
                    if p.dossier_hash:
                        answered.add((p.wave_id, p.dossier_hash))
                    accepted.append(p)
                    results.append(SubmissionOutcome(p.client_id, created=True))
            for start in range(0, len(accepted), 200):
                await Submission.insert(*[Submission(**p.values) for p in accepted[start : start + 200]])
            devices = list({p.device_id for p in accepted if p.device_id is not None})
            if devices:
                await KioskDevice.update({KioskDevice.last_seen_at: datetime.now(UTC)}).where(
                    KioskDevice.id.is_in(devices)
                )
        self.rows += len(accepted)
        return results


class SubmissionService:
    """Validates a response against its wave's questionnaire version and stores it exactly once."""

    def __init__(self, secret_key: str, cache_seconds: float = 2.0, clock: Callable[[], float] = time.monotonic):
        self.secret_key = secret_key
        self.cache_seconds = cache_seconds
        self.clock = clock
        self.committer = GroupCommitter()
        self._forms: dict[str, ResolvedForm] = {}
        self._devices: dict[str, tuple[float, int, int]] = {}  # token hash → (loaded, device id, point id)

    async def resolve(self, token: str) -> ResolvedForm:
        cached = self._forms.get(token)
        now = self.clock()
        if cached is not None and now - cached.loaded_at < self.cache_seconds:
            return cached
        form = await form_for_token(token)
        definition = form["definition"]
        resolved = ResolvedForm(
            token=token,
            service_point_id=int(form["service_point_id"]),  # type: ignore[call-overload]
            service_point=str(form["service_point"]),
            agency_id=int(form["agency_id"]),  # type: ignore[call-overload]
            wave_id=int(form["wave_id"]),  # type: ignore[call-overload]
            channels=frozenset(form["channels"]),  # type: ignore[arg-type]
            version_label=str(form["version"]),
            version_number=int(form["version_number"]),  # type: ignore[call-overload]
            questionnaire=load_definition(json.dumps(definition, ensure_ascii=False)),
            loaded_at=now,
        )
        if len(self._forms) > 10_000:
            self._forms.clear()
        self._forms[token] = resolved
        return resolved

    def forget(self, token: str | None = None) -> None:
        """Drop cached forms (all, or one token's) after a staff change."""
        if token is None:
            self._forms.clear()
            self._devices.clear()
        else:
            self._forms.pop(token, None)

    async def _device(self, device_token: str, form: ResolvedForm) -> int:
        key = hash_token(device_token)
        now = self.clock()
        cached = self._devices.get(key)
        if cached is None or now - cached[0] >= self.cache_seconds:
            row = await KioskDevice.select(KioskDevice.id, KioskDevice.service_point, KioskDevice.revoked_at).where(
                KioskDevice.token_hash == key
            ).first()
            if row is None or row["revoked_at"] is not None:
                self._devices.pop(key, None)
                raise AuthenticationFailed("this kiosk device is not registered or has been revoked")
            cached = (now, int(row["id"]), int(row["service_point"]))
            self._devices[key] = cached
        if cached[2] != form.service_point_id:
            raise AuthenticationFailed("this kiosk device is registered for another service point")
        return cached[1]

    async def submit(self, req: SubmissionRequest) -> SubmissionOutcome:
        problems: list[FieldProblem] = []
        try:
            uuid.UUID(req.client_id)
        except ValueError:
            problems.append(FieldProblem("id", "must be a UUID", "invalid"))
        if req.channel not in CHANNELS:
            problems.append(FieldProblem("channel", f"must be one of {', '.join(CHANNELS)}"))
        if req.language not in LANGUAGES:
            problems.append(FieldProblem("language", "must be vi or en"))
        if problems:
            raise InvalidInput("the submission is not valid", problems)
        form = await self.resolve(req.token)
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
        device_id = None
        if req.channel == "kiosk":
            if not req.device_token:
                raise AuthenticationFailed("kiosk submissions need a registered device (X-Kiosk-Device)")
            device_id = await self._device(req.device_token, form)
        errors = validate_answers(form.questionnaire, req.answers)
        if errors:
            raise InvalidInput(
                "some answers are not valid",
                [FieldProblem(e.item, e.message.get(req.language), e.code) for e in errors],
            )
        dossier_hash = None
        dossier_code = req.dossier_code
        if req.receipt:
            try:
                receipt = receipts.verify_receipt(self.secret_key, req.receipt)
            except receipts.InvalidReceipt as exc:
                raise InvalidInput("the receipt code is not valid", [FieldProblem("receipt", str(exc))]) from exc
            if receipt.service_point != form.service_point:
                raise InvalidInput(
                    "the receipt code belongs to another service point",
                    [FieldProblem("receipt", "issued for another service point")],
                )
            dossier_code = receipt.dossier_code
        if dossier_code:
            if len(dossier_code) > 64:
                raise InvalidInput("the dossier code is too long", [FieldProblem("dossier_code", "at most 64 characters")])
            dossier_hash = receipts.dossier_hash(self.secret_key, dossier_code)
        duration = None
        if req.started_at and req.submitted_at:
            seconds = (req.submitted_at - req.started_at).total_seconds()
            if seconds < 0:
                raise InvalidInput("submitted_at is before started_at", [FieldProblem("submitted_at", "before started_at")])
            duration = int(min(seconds, 2**31 - 1))
        body_hash = req.body_hash or request_body_hash(req)
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
            "answers": json.dumps(req.answers, ensure_ascii=False, separators=(",", ":")),
            "body_hash": body_hash,
            "dossier_hash": dossier_hash,
            "device": str(device_id) if device_id is not None else None,
            "interviewer": req.interviewer_id,
        }
        pending = _Pending(
            client_id=req.client_id,
            body_hash=body_hash,
            wave_id=form.wave_id,
            service_point_id=form.service_point_id,
            token=req.token,
            dossier_hash=dossier_hash,
            device_id=device_id,
            values=values,
            future=asyncio.get_running_loop().create_future(),
        )
        return await self.committer.submit(pending)
