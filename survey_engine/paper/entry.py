"""Data entry of returned paper copies: single or double keying, reconciliation, keyer error rates.

A clerk (role ``data_entry``, or an administrator or statistician) picks the wave, keys or scans the copy's
serial and keys its answers on one screen laid out as the paper (:mod:`survey_engine.paper.layout`). The
keys are validated exactly as any submission (the answers they stand for go through
``validate_answers``) before anything is stored.

Single entry (the default): the first valid keying becomes the response at once.
Double entry (wave setting ``paper_double_entry: true``): the copy needs two keyings by two different
people. Identical keys become one response; any difference sends the copy to reconciliation, where an
administrator or statistician sees both values (and the scan, if one was uploaded) and decides. Nothing
becomes a response before that.

The response is an ordinary submission (``channel: paper``) stored through
:class:`survey_engine.collection.submissions.SubmissionService`: same validation, same idempotency (its id
is derived from the serial, so a retry can never store it twice), same point and wave checks, and for a
copy printed for a sampled unit the unit's dossier hash, which links it to the unit in the response rates
and the weights.

Copy entry states: ``none`` → ``keyed`` (double entry: one keying) → ``reconcile`` (they differ) →
``ready`` (final keys decided, submission being stored) → ``done``. A failed store (the wave was closed
meanwhile) leaves ``ready``; the next attempt on the copy stores it.

Scope: when the wave says ``paper_entry_by_agency: true``, a ``data_entry`` account keys only copies of its
own agency (accounts without one key none of that wave's copies), as agency users see only their own.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from survey_engine import audit
from survey_engine.actors import Actor
from survey_engine.collection.submissions import SubmissionRequest, SubmissionService
from survey_engine.errors import Conflict, FieldProblem, Forbidden, InvalidInput, NotFound
from survey_engine.fieldwork.frames import wave_row
from survey_engine.paper.copies import wave_questionnaire
from survey_engine.paper.layout import PaperLayout, answers_from_keys, normalise_keys, paper_layout
from survey_engine.paper.serials import display_serial, normalise_serial
from survey_engine.questionnaire import Questionnaire, validate_answers
from survey_engine.tables import PaperCopy, PaperKeying, PaperScan
from survey_engine.transactions import is_unique_violation, write_transaction

KEYERS = ("data_entry", "admin", "statistician")
SUPERVISORS = ("admin", "statistician")
MAX_SCAN_BYTES = 5 * 1024 * 1024
SCAN_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
# Submission ids of paper copies: uuid5 of the serial in this namespace (stable, so retries are idempotent).
PAPER_NAMESPACE = uuid.UUID("6f1d8a52-3c1e-4e55-9a63-0b1f0d6a7e21")


def submission_id(serial: str) -> str:
    return str(uuid.uuid5(PAPER_NAMESPACE, f"paper:{serial}"))


@dataclass(frozen=True)
class EntryCopy:
    """A copy opened for keying or reconciliation, with what its screen shows."""

    serial: str  # as printed
    wave: str
    agency: str
    agency_name_vi: str
    service_point_name_vi: str
    entry: str
    keyings: int
    double_entry: bool
    has_scan: bool
    layout: PaperLayout


@dataclass(frozen=True)
class KeyOutcome:
    """What a keying did: ``stored`` (the response exists), ``first`` (waits for its second keying) or
    ``reconcile`` (the two keyings differ)."""

    serial: str
    result: str
    submission: str | None = None


@dataclass(frozen=True)
class Difference:
    item: str
    number: str
    text: str
    first: str
    second: str
    first_label: str
    second_label: str


@dataclass(frozen=True)
class Reconciliation:
    copy: EntryCopy
    first_keyer: str
    second_keyer: str
    agreed: dict[str, str]
    differences: list[Difference]


@dataclass(frozen=True)
class KeyerRate:
    keyer: str
    copies: int
    fields: int
    errors: int
    rate: float | None


@dataclass(frozen=True)
class WaitingCopy:
    serial: str
    agency: str
    keyed_at: datetime | None


def _problems_of(q: Questionnaire, keys: dict[str, str]) -> tuple[dict[str, object], list[FieldProblem]]:
    answers, bad = answers_from_keys(q, keys)
    problems = [FieldProblem(p.item, p.message_vi, "invalid", "paper_key", {"en": p.message_en}) for p in bad]
    seen = {p.item for p in bad}
    for error in validate_answers(q, answers):
        if error.item not in seen:
            problems.append(
                FieldProblem(
                    error.item,
                    error.message.get("vi"),
                    error.code,
                    "paper_answer",
                    {"en": error.message.get("en")},
                )
            )
    return answers, problems


def _label(layout: PaperLayout, item: str, key: str) -> str:
    if not key:
        return "(trống)"
    for q in layout.questions():
        if q.code == item:
            if q.kind == "multi":
                names = {c.key: c.label for c in q.choices}
                return "; ".join(f"{k} {names.get(k, '?')}" for k in key.split())
            for c in q.choices:
                if c.key == key:
                    return f"{key} {c.label}"
    return key


class PaperEntryService:
    """Keying, reconciliation, scans and keyer error rates; see the module."""

    def __init__(self, submissions: SubmissionService, clock: Any = None) -> None:
        self.submissions = submissions
        self.clock = clock or (lambda: datetime.now(UTC))

    # -- opening a copy -------------------------------------------------------------------------------

    async def _copy(self, actor: Actor, wave_code: str, serial_text: str) -> dict[str, Any]:
        """The copy row for keying by ``actor`` in ``wave_code``; the refusals every entry path shares."""
        serial = normalise_serial(serial_text)
        if serial is None:
            raise InvalidInput(
                "this is not a copy serial",
                [
                    FieldProblem(
                        "serial",
                        "11 digits with a valid check digit: check the digits keyed",
                        "invalid",
                        "paper_serial",
                    )
                ],
            )
        wave = await wave_row(wave_code, actor)
        row = (
            await PaperCopy.select(
                *PaperCopy.all_columns(),
                PaperCopy.wave.code.as_alias("wave_code"),
                PaperCopy.agency.code.as_alias("agency_code"),
                PaperCopy.agency.name_vi.as_alias("agency_name_vi"),
                PaperCopy.service_point.name_vi.as_alias("point_name_vi"),
                PaperCopy.service_point.public_token.as_alias("token"),
            )
            .where(PaperCopy.serial == serial)
            .output(load_json=True)
            .first()
        )
        if row is None:
            raise InvalidInput(
                "no copy has this serial",
                [FieldProblem("serial", "no printed copy has this serial", "unknown", "paper_unknown")],
            )
        if row["wave"] != wave.id:
            raise InvalidInput(
                f"this copy belongs to wave {row['wave_code']}, not {wave_code}",
                [
                    FieldProblem(
                        "serial",
                        f"the copy belongs to wave {row['wave_code']}",
                        "invalid",
                        "paper_other_wave",
                        {"wave": str(row["wave_code"])},
                    )
                ],
            )
        settings = wave.settings or {}
        if (
            actor.role == "data_entry"
            and settings.get("paper_entry_by_agency")
            and row["agency"] != actor.agency_id
        ):
            raise NotFound("no copy with this serial that you may key")
        row["double"] = bool(settings.get("paper_double_entry"))
        return row

    async def _entry_copy(self, row: dict[str, Any]) -> EntryCopy:
        keyings = await PaperKeying.count().where(PaperKeying.copy == row["id"])
        return EntryCopy(
            serial=display_serial(row["serial"]),
            wave=row["wave_code"],
            agency=row["agency_code"],
            agency_name_vi=row["agency_name_vi"],
            service_point_name_vi=row["point_name_vi"],
            entry=row["entry"],
            keyings=int(keyings),
            double_entry=row["double"],
            has_scan=await PaperScan.exists().where(PaperScan.copy == row["id"]),
            layout=paper_layout(await wave_questionnaire(row["wave"])),
        )

    async def open_for_keying(self, actor: Actor, wave_code: str, serial_text: str) -> EntryCopy:
        """The copy's keying screen; refuses a copy the actor keyed already or one past keying."""
        if actor.role not in KEYERS:
            raise Forbidden("only data entry staff key paper copies")
        row = await self._copy(actor, wave_code, serial_text)
        await self._check_keyable(actor, row)
        return await self._entry_copy(row)

    async def _check_keyable(self, actor: Actor, row: dict[str, Any]) -> None:
        serial = display_serial(row["serial"])
        if row["entry"] in ("done", "ready"):
            raise Conflict(f"copy {serial} is already entered", "paper_entered")
        if row["entry"] == "reconcile":
            raise Conflict(f"copy {serial} waits for reconciliation by a supervisor", "paper_reconcile")
        if row["status"] in ("undeliverable", "refused"):
            raise Conflict(f"copy {serial} is recorded as {row['status']}", "paper_status")
        if await PaperKeying.exists().where(
            (PaperKeying.copy == row["id"]) & (PaperKeying.keyer == actor.user_id)
        ):
            raise Conflict(
                f"you have already keyed copy {serial}; the second keying must be done by someone else",
                "paper_keyed_twice",
            )

    # -- keying ---------------------------------------------------------------------------------------

    async def key(
        self,
        actor: Actor,
        wave_code: str,
        serial_text: str,
        raw_keys: dict[str, str],
        scan: tuple[bytes, str] | None = None,
    ) -> KeyOutcome:
        """Store one keying (validated first: a bad keying stores nothing) and decide what it leads to."""
        if actor.role not in KEYERS:
            raise Forbidden("only data entry staff key paper copies")
        row = await self._copy(actor, wave_code, serial_text)
        await self._check_keyable(actor, row)
        questionnaire = await wave_questionnaire(row["wave"])
        keys = normalise_keys(questionnaire, raw_keys)
        _, problems = _problems_of(questionnaire, keys)
        if problems:
            raise InvalidInput("some answers are not valid; nothing was stored", problems)
        image = _checked_scan(scan) if scan is not None else None
        now = self.clock()
        async with write_transaction(PaperKeying._meta.db):
            # Take the copy's row lock first (PostgreSQL; SQLite serialises writers anyway), so that two
            # clerks saving the second keying at the same moment decide one after the other.
            await PaperCopy.update({PaperCopy.entry: PaperCopy.entry}).where(PaperCopy.id == row["id"])
            previous = (
                await PaperKeying.select(PaperKeying.keys, PaperKeying.keyer)
                .where(PaperKeying.copy == row["id"])
                .output(load_json=True)
            )
            if any(p["keyer"] == actor.user_id for p in previous) or len(previous) >= (
                2 if row["double"] else 1
            ):
                raise Conflict(f"copy {display_serial(row['serial'])} was keyed meanwhile; open it again")
            try:
                await PaperKeying.insert(
                    PaperKeying(copy=row["id"], keyer=actor.user_id, keys=keys, keyed_at=now)
                )
            except Exception as exc:
                if is_unique_violation(exc):
                    raise Conflict("you have already keyed this copy", "paper_keyed_twice") from exc
                raise
            if image is not None:
                await PaperScan.insert(
                    PaperScan(
                        copy=row["id"],
                        content_type=image[1],
                        data=base64.b64encode(image[0]).decode("ascii"),
                        uploaded_by=actor.user_id,
                        uploaded_at=now,
                    )
                )
            if not row["double"] or (previous and previous[0]["keys"] == keys):
                entry, final = "ready", keys
            elif previous:
                entry, final = "reconcile", None
            else:
                entry, final = "keyed", None
            await PaperCopy.update(
                {PaperCopy.entry: entry, PaperCopy.final_keys: final, **_returned(row, now)}
            ).where(PaperCopy.id == row["id"])
        await audit.record(actor, "paper_key", "paper_copy", row["serial"], {"result": entry})
        if entry == "ready":
            client_id = await self._store_response(actor, row, keys)
            return KeyOutcome(display_serial(row["serial"]), "stored", client_id)
        return KeyOutcome(display_serial(row["serial"]), "first" if entry == "keyed" else "reconcile")

    async def _store_response(self, actor: Actor, row: dict[str, Any], keys: dict[str, str]) -> str:
        """Store the copy's response from its final keys (idempotent) and mark it done."""
        questionnaire = await wave_questionnaire(row["wave"])
        answers, problems = _problems_of(questionnaire, keys)
        if problems:  # pragma: no cover - final keys were validated when decided
            raise InvalidInput("some answers are not valid", problems)
        client_id = submission_id(row["serial"])
        form = await self.submissions.resolve(row["token"])
        if form.wave_id != row["wave"]:
            raise Conflict("the wave of this copy is not open for responses", "closed")
        await self.submissions.submit(
            SubmissionRequest(
                client_id=client_id,
                token=row["token"],
                answers=answers,
                channel="paper",
                language="vi",
                interviewer_id=actor.user_id,
                linked_dossier_hash=row["dossier_hash"],
            )
        )
        await PaperCopy.update({PaperCopy.entry: "done", PaperCopy.submission_client_id: client_id}).where(
            PaperCopy.id == row["id"]
        )
        return client_id

    # -- reconciliation -------------------------------------------------------------------------------

    async def waiting(self, actor: Actor, wave_code: str) -> list[WaitingCopy]:
        """Copies of the wave whose two keyings differ (or whose decided response is not stored yet)."""
        if actor.role not in SUPERVISORS:
            raise Forbidden("only supervisors reconcile")
        wave = await wave_row(wave_code, actor)
        rows = (
            await PaperCopy.select(
                PaperCopy.serial, PaperCopy.agency.code.as_alias("agency"), PaperCopy.status_at
            )
            .where((PaperCopy.wave == wave.id) & PaperCopy.entry.is_in(["reconcile", "ready"]))
            .order_by(PaperCopy.id)
        )
        return [WaitingCopy(display_serial(r["serial"]), r["agency"], r["status_at"]) for r in rows]

    async def reconciliation(self, actor: Actor, wave_code: str, serial_text: str) -> Reconciliation:
        if actor.role not in SUPERVISORS:
            raise Forbidden("only supervisors reconcile")
        row = await self._copy(actor, wave_code, serial_text)
        if row["entry"] != "reconcile":
            raise Conflict(
                f"copy {display_serial(row['serial'])} has nothing to reconcile", "paper_reconcile"
            )
        copy = await self._entry_copy(row)
        keyings = (
            await PaperKeying.select(PaperKeying.keys, PaperKeying.keyer.email.as_alias("email"))
            .where(PaperKeying.copy == row["id"])
            .order_by(PaperKeying.id)
            .output(load_json=True)
        )
        first, second = keyings[0]["keys"], keyings[1]["keys"]
        differences = []
        agreed = {}
        for q in copy.layout.questions():
            a, b = first.get(q.code, ""), second.get(q.code, "")
            if a == b:
                if a:
                    agreed[q.code] = a
                continue
            differences.append(
                Difference(
                    q.code,
                    q.number,
                    q.text,
                    a,
                    b,
                    _label(copy.layout, q.code, a),
                    _label(copy.layout, q.code, b),
                )
            )
        return Reconciliation(copy, keyings[0]["email"], keyings[1]["email"], agreed, differences)

    async def decide(
        self, actor: Actor, wave_code: str, serial_text: str, chosen: dict[str, str]
    ) -> KeyOutcome:
        """Store the supervisor's values for the differing items (with the agreed ones) as the response."""
        rec = await self.reconciliation(actor, wave_code, serial_text)
        row = await self._copy(actor, wave_code, serial_text)
        questionnaire = await wave_questionnaire(row["wave"])
        merged = dict(rec.agreed)
        for d in rec.differences:
            merged[d.item] = chosen.get(d.item, "")
        keys = normalise_keys(questionnaire, merged)
        _, problems = _problems_of(questionnaire, keys)
        if problems:
            raise InvalidInput("some decided answers are not valid; nothing was stored", problems)
        async with write_transaction(PaperCopy._meta.db):
            updated = (
                await PaperCopy.update(
                    {
                        PaperCopy.entry: "ready",
                        PaperCopy.final_keys: keys,
                        PaperCopy.decided_by: actor.user_id,
                    }
                )
                .where((PaperCopy.id == row["id"]) & (PaperCopy.entry == "reconcile"))
                .returning(PaperCopy.id)
            )
            if not updated:
                raise Conflict("this copy was reconciled meanwhile", "paper_reconcile")
        await audit.record(
            actor, "paper_reconcile", "paper_copy", row["serial"], {"items": len(rec.differences)}
        )
        client_id = await self._store_response(actor, row, keys)
        return KeyOutcome(display_serial(row["serial"]), "stored", client_id)

    async def finish(self, actor: Actor, wave_code: str, serial_text: str) -> KeyOutcome:
        """Store the response of a copy left ``ready`` by a failed store (the wave is open again)."""
        if actor.role not in SUPERVISORS:
            raise Forbidden("only supervisors finish copies")
        row = await self._copy(actor, wave_code, serial_text)
        if row["entry"] != "ready" or row["final_keys"] is None:
            raise Conflict(
                f"copy {display_serial(row['serial'])} is not waiting to be stored", "paper_entered"
            )
        client_id = await self._store_response(actor, row, dict(row["final_keys"]))
        return KeyOutcome(display_serial(row["serial"]), "stored", client_id)

    async def scan(self, actor: Actor, wave_code: str, serial_text: str) -> tuple[bytes, str]:
        """The latest uploaded scan of a copy (supervisors only: it may show handwriting)."""
        if actor.role not in SUPERVISORS:
            raise Forbidden("only supervisors see scans")
        row = await self._copy(actor, wave_code, serial_text)
        scan = (
            await PaperScan.select(PaperScan.data, PaperScan.content_type)
            .where(PaperScan.copy == row["id"])
            .order_by(PaperScan.id, ascending=False)
            .first()
        )
        if scan is None:
            raise NotFound("no scan of this copy")
        return base64.b64decode(scan["data"]), str(scan["content_type"])

    # -- keyer error rates ----------------------------------------------------------------------------

    async def keyer_rates(self, actor: Actor, wave_code: str) -> list[KeyerRate]:
        """Per keyer, over the wave's double-entered copies with a final response: fields keyed and fields
        that differ from the final values (an item keyed by either side counts as a field)."""
        if actor.role not in SUPERVISORS:
            raise Forbidden("only supervisors see keying error rates")
        wave = await wave_row(wave_code, actor)
        copies = {
            r["id"]: r["final_keys"]
            for r in await PaperCopy.select(PaperCopy.id, PaperCopy.final_keys)
            .where((PaperCopy.wave == wave.id) & PaperCopy.final_keys.is_not_null())
            .output(load_json=True)
        }
        if not copies:
            return []
        rows = (
            await PaperKeying.select(
                PaperKeying.copy, PaperKeying.keys, PaperKeying.keyer.email.as_alias("email")
            )
            .where(PaperKeying.copy.is_in(list(copies)))
            .output(load_json=True)
        )
        per_copy: dict[int, int] = {}
        for r in rows:
            per_copy[r["copy"]] = per_copy.get(r["copy"], 0) + 1
        totals: dict[str, list[int]] = {}
        for r in rows:
            if per_copy[r["copy"]] < 2:
                continue  # single entry: nothing independent to compare with
            final = copies[r["copy"]] or {}
            items = set(final) | set(r["keys"])
            errors = sum(1 for i in items if r["keys"].get(i, "") != final.get(i, ""))
            t = totals.setdefault(r["email"], [0, 0, 0])
            t[0] += 1
            t[1] += len(items)
            t[2] += errors
        return [
            KeyerRate(email, c, f, e, (e / f) if f else None) for email, (c, f, e) in sorted(totals.items())
        ]


def _returned(row: dict[str, Any], now: datetime) -> dict[Any, Any]:
    """A copy that is being keyed has come back: its postal disposition becomes ``returned``."""
    if row["status"] in ("printed", "sent"):
        return {PaperCopy.status: "returned", PaperCopy.status_at: now}
    return {}


def _checked_scan(scan: tuple[bytes, str]) -> tuple[bytes, str]:
    """The scan and its detected type; InvalidInput when too large or not a PNG or JPEG image (the type is
    read from the bytes, never from the file name or the browser's claim)."""
    data, _claimed = scan
    if len(data) > MAX_SCAN_BYTES:
        raise InvalidInput(
            "the scan is too large", [FieldProblem("scan", "at most 5 MB", "too_large", "paper_scan_size")]
        )
    for magic, kind in SCAN_TYPES.items():
        if data.startswith(magic):
            return data, kind
    raise InvalidInput(
        "the scan is not a PNG or JPEG image",
        [FieldProblem("scan", "PNG or JPEG only", "invalid", "paper_scan_type")],
    )
