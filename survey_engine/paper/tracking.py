"""Dispatch and return tracking of printed copies, with their AAPOR dispositions (mail surveys of named
persons, AAPOR *Standard Definitions* 2023, table 3).

==============  ===============================================  ========================================
copy status     meaning                                          AAPOR disposition (category)
==============  ===============================================  ========================================
printed         printed, not handed to the post office yet       3.11 not mailed [U]
sent            its batch was handed to the post office          3.19 nothing ever returned [U]
returned        came back filled in (set when it is keyed)       1.1 complete, once entered [I]
undeliverable   the post office returned it undelivered          3.30 returned undeliverable [U]
refused         refused by the addressee, or sent back blank     2.11 refusal / 2.112 blank returned [R]
==============  ===============================================  ========================================

For a copy printed for a sampled unit, ``refused`` makes the unit a refusal in fieldwork progress
(:func:`survey_engine.fieldwork.sample_units.sampled_units`) unless it has a response; a returned copy
counts as complete through its response (the unit's dossier hash), as every channel does. Undeliverable and
unreturned copies leave the unit of unknown eligibility, which AAPOR's RR3/RR4 estimate with e.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from survey_engine import audit
from survey_engine.actors import Actor
from survey_engine.errors import Conflict, FieldProblem, Forbidden, InvalidInput, NotFound
from survey_engine.fieldwork.frames import wave_row
from survey_engine.paper.serials import normalise_serial
from survey_engine.tables import PaperBatch, PaperCopy
from survey_engine.transactions import write_transaction

RETURN_STATUSES = ("returned", "undeliverable", "refused")
STATUSES = ("printed", "sent", *RETURN_STATUSES)
AAPOR = {
    "printed": "3.11",
    "sent": "3.19",
    "returned": "1.1",
    "undeliverable": "3.30",
    "refused": "2.11",
}
TRACKERS = ("admin", "statistician")


@dataclass(frozen=True)
class PaperCounts:
    """Copies by postal status and by entry state."""

    printed: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    entered: int = 0
    keyed_once: int = 0
    to_reconcile: int = 0

    @property
    def return_rate(self) -> float | None:
        """Returned copies (filled in) over copies sent (everything but ``printed``)."""
        sent = self.printed - self.statuses.get("printed", 0)
        return self.statuses.get("returned", 0) / sent if sent else None


@dataclass(frozen=True)
class BatchCounts(PaperCounts):
    batch: str = ""
    source: str = ""
    created_at: datetime | None = None
    dispatched_at: datetime | None = None


@dataclass(frozen=True)
class AgencyCounts(PaperCounts):
    agency: str = ""


@dataclass(frozen=True)
class PaperProgress:
    wave: str
    overall: PaperCounts
    batches: list[BatchCounts]
    agencies: list[AgencyCounts]
    dispositions: dict[str, str]


def _counts(rows: list[dict[str, Any]]) -> dict[str, Any]:
    statuses = Counter(r["status"] for r in rows)
    entries = Counter(r["entry"] for r in rows)
    return {
        "printed": len(rows),
        "statuses": {s: statuses.get(s, 0) for s in STATUSES},
        "entered": entries.get("done", 0),
        "keyed_once": entries.get("keyed", 0),
        "to_reconcile": entries.get("reconcile", 0) + entries.get("ready", 0),
    }


class Tracking:
    """Batches handed to the post office, returns recorded, progress per batch and agency."""

    clock: Any

    async def dispatch(self, actor: Actor, wave_code: str, batch: str) -> int:
        """Record that ``batch`` went to the post office: its printed copies become ``sent``."""
        if actor.role not in TRACKERS:
            raise Forbidden("only administrators and statisticians record dispatches")
        wave = await wave_row(wave_code, actor)
        row = (
            await PaperBatch.select(PaperBatch.id, PaperBatch.dispatched_at)
            .where((PaperBatch.wave == wave.id) & (PaperBatch.code == batch))
            .first()
        )
        if row is None:
            raise NotFound(f"wave {wave_code} has no batch {batch}")
        if row["dispatched_at"] is not None:
            raise Conflict(f"batch {batch} was dispatched already")
        now = self.clock()
        async with write_transaction(PaperBatch._meta.db):
            await PaperBatch.update({PaperBatch.dispatched_at: now}).where(PaperBatch.id == row["id"])
            sent = (
                await PaperCopy.update({PaperCopy.status: "sent", PaperCopy.status_at: now})
                .where((PaperCopy.batch == row["id"]) & (PaperCopy.status == "printed"))
                .returning(PaperCopy.id)
            )
        await audit.record(actor, "paper_dispatch", "wave", wave_code, {"batch": batch, "copies": len(sent)})
        return len(sent)

    async def record_returns(self, actor: Actor, wave_code: str, serials: list[str], status: str) -> int:
        """Set the postal status of the copies with these serials (all or none; every bad serial listed)."""
        if actor.role not in TRACKERS:
            raise Forbidden("only administrators and statisticians record returns")
        if status not in RETURN_STATUSES:
            raise InvalidInput(
                "unknown status", [FieldProblem("status", f"one of {', '.join(RETURN_STATUSES)}")]
            )
        wave = await wave_row(wave_code, actor)
        problems: list[FieldProblem] = []
        wanted: dict[str, str] = {}
        for text in serials:
            serial = normalise_serial(text)
            if serial is None:
                problems.append(
                    FieldProblem("serial", f"{text}: not a valid serial", "invalid", "paper_serial")
                )
            else:
                wanted[serial] = text
        rows = (
            await PaperCopy.select(PaperCopy.id, PaperCopy.serial, PaperCopy.wave, PaperCopy.entry).where(
                PaperCopy.serial.is_in(list(wanted))
            )
            if wanted
            else []
        )
        found = {r["serial"]: r for r in rows}
        for serial, text in wanted.items():
            r = found.get(serial)
            if r is None:
                problems.append(
                    FieldProblem("serial", f"{text}: no copy has this serial", "unknown", "paper_unknown")
                )
            elif r["wave"] != wave.id:
                problems.append(
                    FieldProblem("serial", f"{text}: belongs to another wave", "invalid", "paper_other_wave")
                )
            elif status != "returned" and r["entry"] != "none":
                problems.append(
                    FieldProblem("serial", f"{text}: already keyed, so it came back filled in", "conflict")
                )
        if problems or not wanted:
            raise InvalidInput(
                "no status was recorded", problems or [FieldProblem("serial", "no serials given", "required")]
            )
        now = self.clock()
        async with write_transaction(PaperCopy._meta.db):
            await PaperCopy.update({PaperCopy.status: status, PaperCopy.status_at: now}).where(
                PaperCopy.id.is_in([r["id"] for r in rows])
            )
        await audit.record(actor, "paper_returns", "wave", wave_code, {"status": status, "copies": len(rows)})
        return len(rows)

    async def paper_progress(self, actor: Actor, wave_code: str) -> PaperProgress:
        """Copies per batch and per agency by postal status and entry state (agency users: their own)."""
        wave = await wave_row(wave_code, actor)
        query = PaperCopy.select(
            PaperCopy.status,
            PaperCopy.entry,
            PaperCopy.batch.code.as_alias("batch"),
            PaperCopy.agency.code.as_alias("agency"),
        ).where(PaperCopy.wave == wave.id)
        if actor.agency_scoped:
            query = query.where(PaperCopy.agency == actor.agency_id)
        rows = await query
        batches = await PaperBatch.select().where(PaperBatch.wave == wave.id).order_by(PaperBatch.id)
        per_batch: dict[str, list[dict[str, Any]]] = {}
        per_agency: dict[str, list[dict[str, Any]]] = {}
        for r in rows:
            per_batch.setdefault(r["batch"], []).append(r)
            per_agency.setdefault(r["agency"], []).append(r)
        return PaperProgress(
            wave=wave_code,
            overall=PaperCounts(**_counts(rows)),
            batches=[
                BatchCounts(
                    **_counts(per_batch[b["code"]]),
                    batch=b["code"],
                    source=b["source"],
                    created_at=b["created_at"],
                    dispatched_at=b["dispatched_at"],
                )
                for b in batches
                if b["code"] in per_batch
            ],
            agencies=[AgencyCounts(**_counts(per_agency[a]), agency=a) for a in sorted(per_agency)],
            dispositions=dict(AAPOR),
        )
