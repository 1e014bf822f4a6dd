"""Phone interviews: contacts to call, call attempts with AAPOR disposition codes, purging phone numbers.

Phone numbers are personal data kept only so that someone can place the call. They are returned only to
the interviewer a contact is assigned to (and only while its wave is open), never in listings, summaries,
audit details or error messages, and :meth:`PhoneService.purge_phones` sets them to NULL when the wave
closes. Dossier codes are never stored: only their keyed hash (``receipts.dossier_hash``).

AAPOR dispositions are in :mod:`survey_engine.fieldwork.dispositions`, the contacts CSV in
:mod:`survey_engine.fieldwork.contacts_csv`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from piccolo.query.functions.aggregate import Count

from survey_engine import audit, tenancy
from survey_engine.actors import Actor
from survey_engine.collection.receipts import dossier_hash
from survey_engine.errors import Conflict, FieldProblem, Forbidden, InvalidInput, NotFound, Page
from survey_engine.fieldwork.contacts_csv import (
    ContactRow,
    contact_problem,
    invalid_contacts,
    parse_contacts_csv,
    problem_order,
)
from survey_engine.fieldwork.dispositions import CALLBACK, COMPLETE, DISPOSITIONS, FINAL_STATUSES, STATUSES
from survey_engine.tables import (
    Agency,
    CallAttempt,
    Contact,
    ServicePoint,
    StaffUser,
    Wave,
    WaveAgency,
    WaveServicePoint,
)
from survey_engine.transactions import is_unique_violation, write_transaction

INSERT_BATCH = 500  # rows per INSERT: stays under SQLite's limit on bound parameters

CONTACT_COLUMNS = (
    Contact.id,
    Contact.wave.code.as_alias("wave"),
    Contact.wave.status.as_alias("wave_status"),
    Contact.code,
    Contact.agency.code.as_alias("agency"),
    Contact.service_point.code.as_alias("service_point"),
    Contact.assigned_to.email.as_alias("assigned_to"),
    Contact.status,
    Contact.attempts,
    Contact.callback_at,
    Contact.updated_at,
)


async def _existing_codes(table: type[Agency] | type[ServicePoint], codes: set[str]) -> set[str]:
    if not codes:  # IN () is not valid SQL, and PostgreSQL rejects a NUL placeholder
        return set()
    rows = await table.select(table.code).where(table.code.is_in(sorted(codes)))
    return {r["code"] for r in rows}


def _now() -> datetime:
    return datetime.now(UTC)


def _empty_counts() -> dict[str, int]:
    return dict.fromkeys(STATUSES, 0)


@dataclass(frozen=True)
class ContactImport:
    """What an import of a contacts file stored."""

    wave: str
    imported: int
    assigned: int


@dataclass(frozen=True)
class Assignment:
    """Contacts assigned to an interviewer (``interviewer`` None: taken back)."""

    wave: str
    assigned: int
    interviewer: str | None


@dataclass(frozen=True)
class ContactRecord:
    """A contact as listed: no phone number, no dossier hash."""

    id: int
    wave: str
    wave_status: str
    code: str
    agency: str
    service_point: str | None
    assigned_to: str | None
    status: str
    attempts: int
    callback_at: datetime | None
    updated_at: datetime


@dataclass(frozen=True)
class CallRecord:
    """One call attempt of a contact's history."""

    at: datetime
    disposition: str
    outcome: str
    callback_at: datetime | None
    note: str
    interviewer: str


@dataclass(frozen=True)
class ContactDetail(ContactRecord):
    """A contact with its calls; ``phone`` only for its interviewer while the wave is open."""

    phone: str | None
    history: list[CallRecord]


@dataclass(frozen=True)
class CompletedContact:
    """A contact completed by a stored phone submission."""

    contact: str
    status: str
    submission: str


@dataclass(frozen=True)
class PhonePurge:
    wave: str
    purged: int


@dataclass(frozen=True)
class AgencyStatusCounts:
    agency: str
    total: int
    by_status: dict[str, int]


@dataclass(frozen=True)
class PhoneSummary:
    """Contacts per status, overall and per agency."""

    wave: str
    total: int
    by_status: dict[str, int]
    agencies: list[AgencyStatusCounts]


def _contact_fields(row: dict[str, Any]) -> dict[str, Any]:
    """The columns of a :class:`ContactRecord` from a row of ``CONTACT_COLUMNS``."""
    return {name: row[name] for name in ContactRecord.__dataclass_fields__}


def _contact_record(row: dict[str, Any]) -> ContactRecord:
    return ContactRecord(**_contact_fields(row))


async def _wave_province(code: str) -> int | None:
    row = await Wave.select(Wave.province).where(Wave.code == code).first()
    return None if row is None else row["province"]


class PhoneService:
    """Contacts, assignments, call attempts and purges. ``clock`` is injected so tests can fix "now"."""

    def __init__(self, clock: Callable[[], datetime] = _now) -> None:
        self.clock = clock

    # -- waves --------------------------------------------------------------------------------------

    async def _wave(self, code: str, actor: Actor | None = None) -> dict[str, Any]:
        row = (
            await Wave.select(Wave.id, Wave.code, Wave.status, Wave.province).where(Wave.code == code).first()
        )
        if row is not None and actor is not None and not tenancy.sees(actor, row["province"]):
            row = None  # another province's wave: as if absent
        if row is not None and actor is not None and actor.agency_scoped:
            shared = await WaveAgency.exists().where(
                (WaveAgency.wave == row["id"]) & (WaveAgency.agency == actor.agency_id)
            )
            row = row if shared else None
        if row is None:
            raise NotFound(f"no wave with code {code}")
        return row

    @staticmethod
    def _open_for_changes(wave: dict[str, Any]) -> None:
        if wave["status"] == "closed":
            raise Conflict(f"wave {wave['code']} is closed: its contacts can no longer change")

    async def _interviewers(self, emails: Sequence[str], province_id: object = None) -> dict[str, int]:
        """Active interviewer accounts by e-mail; with ``province_id``, those of that province (a wave's
        contacts go to its own province's interviewers)."""
        if not emails:
            return {}
        condition = (
            StaffUser.email.is_in(list(emails))
            & (StaffUser.role == "interviewer")
            & (StaffUser.active == True)  # noqa: E712 - Piccolo builds SQL from ==
        )
        if province_id is not None:
            condition &= StaffUser.province == province_id
        rows = await StaffUser.select(StaffUser.id, StaffUser.email).where(condition)
        return {r["email"]: r["id"] for r in rows}

    # -- import and assignment ----------------------------------------------------------------------

    async def import_contacts(
        self, actor: Actor, wave_code: str, data: bytes, secret_key: str
    ) -> ContactImport:
        """Store every row of a contacts CSV, or none: all problems are reported at once (422)."""
        wave = await self._wave(wave_code, actor)
        self._open_for_changes(wave)
        rows, problems = parse_contacts_csv(data)
        if rows:  # check the well-formed rows too, so that one answer lists every problem
            problems += await self._check_against_database(wave, rows)
            problems.sort(key=problem_order)
        if problems:
            raise invalid_contacts("the contacts file is not valid; nothing was imported", problems)
        agencies, points, interviewers = await self._lookups(wave, rows)
        now = self.clock()
        # Hash before the write transaction: no CPU work while holding the write lock.
        contacts = [
            Contact(
                wave=wave["id"],
                code=row.code,
                agency=agencies[row.agency],
                service_point=points[row.service_point][0] if row.service_point else None,
                phone=row.phone,
                dossier_hash=dossier_hash(secret_key, row.dossier_code) if row.dossier_code else None,
                assigned_to=interviewers[row.assigned_to] if row.assigned_to else None,
                status="pending",
                attempts=0,
                created_at=now,
                updated_at=now,
            )
            for row in rows
        ]
        try:
            async with write_transaction(Contact._meta.db):
                for start in range(0, len(contacts), INSERT_BATCH):
                    await Contact.insert(*contacts[start : start + INSERT_BATCH])
        except Exception as exc:
            if is_unique_violation(exc):  # another import into the same wave won the race
                raise Conflict("some contact codes were imported meanwhile; nothing was imported") from exc
            raise
        assigned = sum(1 for row in rows if row.assigned_to)
        await audit.record(actor, "import", "contacts", wave_code, {"rows": len(rows), "assigned": assigned})
        return ContactImport(wave=wave_code, imported=len(rows), assigned=assigned)

    async def _lookups(
        self, wave: dict[str, Any], rows: list[ContactRow]
    ) -> tuple[dict[str, int], dict[str, tuple[int, int]], dict[str, int]]:
        """Agencies of the wave (code → id), its service points (code → (id, agency id)), interviewers."""
        agency_rows = await WaveAgency.select(
            WaveAgency.agency.id.as_alias("id"), WaveAgency.agency.code.as_alias("code")
        ).where(WaveAgency.wave == wave["id"])
        point_rows = await WaveServicePoint.select(
            WaveServicePoint.service_point.id.as_alias("id"),
            WaveServicePoint.service_point.code.as_alias("code"),
            WaveServicePoint.service_point.agency.as_alias("agency"),
        ).where(WaveServicePoint.wave == wave["id"])
        emails = sorted({row.assigned_to for row in rows if row.assigned_to})
        return (
            {r["code"]: r["id"] for r in agency_rows},
            {r["code"]: (r["id"], r["agency"]) for r in point_rows},
            await self._interviewers(emails, wave["province"]),
        )

    async def _check_against_database(
        self, wave: dict[str, Any], rows: list[ContactRow]
    ) -> list[FieldProblem]:
        agencies, points, interviewers = await self._lookups(wave, rows)
        existing: set[str] = set()
        codes = [row.code for row in rows]
        for start in range(0, len(codes), INSERT_BATCH):
            found = await Contact.select(Contact.code).where(
                (Contact.wave == wave["id"]) & Contact.code.is_in(codes[start : start + INSERT_BATCH])
            )
            existing.update(r["code"] for r in found)
        # Only to tell "does not exist" from "not in this wave" in the messages.
        known_agencies = await _existing_codes(Agency, {row.agency for row in rows} - set(agencies))
        known_points = await _existing_codes(
            ServicePoint, {r.service_point for r in rows if r.service_point} - set(points)
        )
        problems: list[FieldProblem] = []
        for row in rows:
            line = f"line {row.line}: "
            if row.code in existing:
                problems.append(
                    contact_problem(
                        row.index,
                        "code",
                        f"{line}wave {wave['code']} already has contact {row.code}",
                        "duplicate",
                    )
                )
            if row.agency not in agencies:
                reason = "is not in this wave" if row.agency in known_agencies else "does not exist"
                problems.append(
                    contact_problem(row.index, "agency", f"{line}agency {row.agency} {reason}", "unknown")
                )
            if row.service_point:
                point = points.get(row.service_point)
                if point is None:
                    reason = "is not in this wave" if row.service_point in known_points else "does not exist"
                    problems.append(
                        contact_problem(
                            row.index,
                            "service_point",
                            f"{line}service point {row.service_point} {reason}",
                            "unknown",
                        )
                    )
                elif row.agency in agencies and point[1] != agencies[row.agency]:
                    problems.append(
                        contact_problem(
                            row.index,
                            "service_point",
                            f"{line}service point {row.service_point} is not of agency {row.agency}",
                        )
                    )
            if row.assigned_to and row.assigned_to not in interviewers:
                problems.append(
                    contact_problem(
                        row.index,
                        "assigned_to",
                        f"{line}{row.assigned_to} is not an active interviewer account",
                        "unknown",
                    )
                )
        return problems

    async def assign(
        self, actor: Actor, wave_code: str, codes: Sequence[str], interviewer: str | None
    ) -> Assignment:
        """Assign contacts to an interviewer (``None`` takes them back); unknown codes change nothing."""
        wave = await self._wave(wave_code, actor)
        self._open_for_changes(wave)
        problems: list[FieldProblem] = []
        interviewer_id: int | None = None
        if interviewer is not None:
            email = interviewer.strip().lower()
            interviewer_id = (await self._interviewers([email], wave["province"])).get(email)
            if interviewer_id is None:
                problems.append(
                    FieldProblem("interviewer", f"{email} is not an active interviewer account", "unknown")
                )
        wanted = list(dict.fromkeys(codes))
        found: dict[str, int] = {}
        for start in range(0, len(wanted), INSERT_BATCH):
            rows = await Contact.select(Contact.id, Contact.code).where(
                (Contact.wave == wave["id"]) & Contact.code.is_in(wanted[start : start + INSERT_BATCH])
            )
            found.update({r["code"]: r["id"] for r in rows})
        for index, code in enumerate(codes):
            if code not in found:
                problems.append(
                    FieldProblem(f"contacts[{index}]", f"wave {wave_code} has no contact {code}", "unknown")
                )
        if problems:
            raise invalid_contacts("the assignment is not valid; nothing was changed", problems)
        ids = sorted(found.values())
        async with write_transaction(Contact._meta.db):
            for start in range(0, len(ids), INSERT_BATCH):
                await Contact.update(
                    {Contact.assigned_to: interviewer_id, Contact.updated_at: self.clock()}
                ).where(Contact.id.is_in(ids[start : start + INSERT_BATCH]))
        await audit.record(
            actor, "assign", "contacts", wave_code, {"contacts": len(ids), "interviewer": interviewer}
        )
        return Assignment(wave=wave_code, assigned=len(ids), interviewer=interviewer)

    # -- interviewer view ---------------------------------------------------------------------------

    @staticmethod
    def _reject_agency_users(actor: Actor) -> None:
        # Call lists hold personal data of every agency's users; they are not an agency's to see.
        if actor.role not in ("admin", "statistician", "interviewer", "ministry"):
            raise Forbidden(f"the {actor.role} role may not see phone contacts")

    async def list_contacts(
        self,
        actor: Actor,
        limit: int,
        offset: int,
        wave: str | None = None,
        status: str | None = None,
        agency: str | None = None,
    ) -> Page:
        """Contacts without phone numbers. An interviewer sees those assigned to them in open waves."""
        self._reject_agency_users(actor)
        condition: Any = Contact.id > 0
        if actor.role == "interviewer":
            condition = (Contact.assigned_to == actor.user_id) & (Contact.wave.status == "open")
        if wave:
            condition &= Contact.wave.code == wave
        if status:
            condition &= Contact.status == status
        if agency:
            condition &= Contact.agency.code == agency
        own_province = tenancy.condition(actor, Contact.wave._.province)
        if own_province is not None:
            condition &= own_province
        rows = (
            await Contact.select(*CONTACT_COLUMNS)
            .where(condition)
            .order_by(Contact.id)
            .limit(limit)
            .offset(offset)
        )
        total = await Contact.count().where(condition)
        return Page(items=rows, total=total, limit=limit, offset=offset)

    async def _visible_contact(self, actor: Actor, wave_code: str, code: str) -> dict[str, Any]:
        """The contact if the actor may see it: the assigned interviewer, or an admin/statistician.
        Anyone else gets NotFound, as if it did not exist."""
        self._reject_agency_users(actor)
        row = (
            await Contact.select(*CONTACT_COLUMNS, Contact.assigned_to.as_alias("assigned_id"))
            .where((Contact.wave.code == wave_code) & (Contact.code == code))
            .first()
        )
        if row is not None and not tenancy.sees(actor, await _wave_province(wave_code)):
            row = None
        if row is None or (actor.role == "interviewer" and row["assigned_id"] != actor.user_id):
            raise NotFound(f"no contact {code} in wave {wave_code}")
        return row

    async def get_contact(self, actor: Actor, wave_code: str, code: str) -> ContactDetail:
        """One contact with its call history; ``phone`` only for its interviewer while the wave is open."""
        row = await self._visible_contact(actor, wave_code, code)
        phone: str | None = None
        if actor.role == "interviewer" and row["wave_status"] == "open":
            found = await Contact.select(Contact.phone).where(Contact.id == row["id"]).first()
            phone = found["phone"] if found else None
        attempts = (
            await CallAttempt.select(
                CallAttempt.at,
                CallAttempt.disposition,
                CallAttempt.outcome,
                CallAttempt.callback_at,
                CallAttempt.note,
                CallAttempt.interviewer.email.as_alias("interviewer"),
            )
            .where(CallAttempt.contact == row["id"])
            .order_by(CallAttempt.id)
        )
        return ContactDetail(
            **_contact_fields(row),
            phone=phone,
            history=[CallRecord(**attempt) for attempt in attempts],
        )

    # -- call attempts ------------------------------------------------------------------------------

    async def record_attempt(
        self,
        actor: Actor,
        wave_code: str,
        code: str,
        disposition: str,
        callback_at: datetime | None = None,
        note: str = "",
    ) -> ContactRecord:
        """Record one call by the assigned interviewer; the contact's status becomes the call's outcome."""
        if actor.role != "interviewer":
            raise Forbidden("only the assigned interviewer records calls")
        row = await self._visible_contact(actor, wave_code, code)
        kind = DISPOSITIONS.get(disposition)
        problems: list[FieldProblem] = []
        if kind is None:
            problems.append(
                FieldProblem("disposition", f"not an AAPOR code known here: {', '.join(DISPOSITIONS)}")
            )
        elif disposition == COMPLETE:
            # A complete without a stored questionnaire would inflate response rates.
            problems.append(
                FieldProblem(
                    "disposition", "a complete is recorded by submitting the questionnaire", "use_submission"
                )
            )
        elif kind.outcome == "callback":
            if callback_at is None:
                problems.append(FieldProblem("callback_at", "required for a callback (2.211)", "required"))
            elif callback_at.tzinfo is None:
                problems.append(FieldProblem("callback_at", "give a UTC offset, e.g. +07:00"))
            elif callback_at <= self.clock():
                problems.append(FieldProblem("callback_at", "must be in the future"))
        elif callback_at is not None:
            problems.append(FieldProblem("callback_at", f"only for a callback ({CALLBACK})", "not_allowed"))
        if problems:
            raise InvalidInput("the call attempt is not valid", problems)
        assert kind is not None  # noqa: S101 - invariant, not input
        if row["wave_status"] != "open":
            raise Conflict(
                f"wave {wave_code} is {row['wave_status']}: calls are recorded only while it is open"
            )
        if row["status"] in FINAL_STATUSES:
            raise Conflict(f"contact {code} is {row['status']}: no further calls")
        await self._store_attempt(row["id"], actor.user_id, disposition, kind.outcome, callback_at, note)
        return _contact_record(await self._visible_contact(actor, wave_code, code))

    async def _store_attempt(
        self,
        contact_id: int,
        interviewer_id: int,
        disposition: str,
        outcome: str,
        callback_at: datetime | None,
        note: str,
        submission_client_id: str | None = None,
    ) -> None:
        now = self.clock()
        changes: dict[Any, Any] = {
            Contact.status: outcome,
            Contact.attempts: Contact.attempts + 1,
            Contact.callback_at: callback_at.astimezone(UTC) if callback_at else None,
            Contact.updated_at: now,
        }
        if submission_client_id is not None:
            changes[Contact.submission_client_id] = submission_client_id
        # Nested inside the caller's transaction when there is one (Piccolo's allow_nested default).
        async with write_transaction(Contact._meta.db):
            await CallAttempt.insert(
                CallAttempt(
                    contact=contact_id,
                    interviewer=interviewer_id,
                    at=now,
                    disposition=disposition,
                    outcome=outcome,
                    callback_at=changes[Contact.callback_at],
                    note=note,
                )
            )
            await Contact.update(changes).where(Contact.id == contact_id)

    async def mark_complete(
        self, contact_id: int, submission_client_id: str, interviewer_id: int
    ) -> CompletedContact:
        """Link a stored phone submission to its contact: status complete, one more attempt coded 1.1.

        Idempotent for the same submission (a retried submission must not count a second call).
        Raises NotFound when the contact is not assigned to this interviewer, Conflict when its wave is
        not open or it is already complete with another submission or ineligible.
        """
        row = (
            await Contact.select(
                Contact.id,
                Contact.code,
                Contact.status,
                Contact.assigned_to,
                Contact.submission_client_id,
                Contact.wave.status.as_alias("wave_status"),
            )
            .where(Contact.id == contact_id)
            .first()
        )
        if row is None or row["assigned_to"] != interviewer_id:
            raise NotFound("no such contact for this interviewer")
        if row["status"] == "complete":
            if row["submission_client_id"] == submission_client_id:
                return CompletedContact(row["code"], "complete", submission_client_id)
            raise Conflict(f"contact {row['code']} is already complete with another submission")
        if row["wave_status"] != "open":
            raise Conflict(f"the wave of contact {row['code']} is not open")
        if row["status"] in FINAL_STATUSES:
            raise Conflict(f"contact {row['code']} is {row['status']}")
        await self._store_attempt(
            contact_id, interviewer_id, COMPLETE, "complete", None, "", submission_client_id
        )
        return CompletedContact(row["code"], "complete", submission_client_id)

    # -- purge and summary --------------------------------------------------------------------------

    async def purge_phones(self, wave_id: int) -> int:
        """Set every phone number of the wave to NULL; returns how many were still stored.
        Call when the wave closes: numbers were kept only to place the calls."""
        async with write_transaction(Contact._meta.db):
            condition = (Contact.wave == wave_id) & Contact.phone.is_not_null()
            count = await Contact.count().where(condition)
            if count:
                await Contact.update({Contact.phone: None, Contact.updated_at: self.clock()}).where(condition)
        return int(count)

    async def purge_wave(self, actor: Actor, wave_code: str) -> PhonePurge:
        wave = await self._wave(wave_code, actor)
        purged = await self.purge_phones(wave["id"])
        await audit.record(actor, "purge_phones", "contacts", wave_code, {"purged": purged})
        return PhonePurge(wave=wave_code, purged=purged)

    async def summary(self, actor: Actor, wave_code: str) -> PhoneSummary:
        """Contacts per status, overall and per agency (an agency user: its own agency only)."""
        wave = await self._wave(wave_code, actor)
        condition: Any = Contact.wave == wave["id"]
        if actor.agency_scoped:
            condition &= Contact.agency == actor.agency_id
        rows = (
            await Contact.select(Contact.agency.code.as_alias("agency"), Contact.status, Count(alias="n"))
            .where(condition)
            .group_by(Contact.agency.code, Contact.status)
        )
        overall = _empty_counts()
        per_agency: dict[str, dict[str, int]] = {}
        for row in rows:
            status = row["status"] if row["status"] in overall else "other"
            overall[status] += int(row["n"])
            per_agency.setdefault(row["agency"], _empty_counts())[status] += int(row["n"])
        return PhoneSummary(
            wave=wave_code,
            total=sum(overall.values()),
            by_status=overall,
            agencies=[
                AgencyStatusCounts(agency=code, total=sum(counts.values()), by_status=counts)
                for code, counts in sorted(per_agency.items())
            ],
        )
