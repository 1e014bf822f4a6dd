"""Survey waves: a questionnaire version, a period, channels, agencies and service points, and a status.

Status moves draft → open → closed and never back: answers are accepted only while a wave is open,
and a closed wave's data are what the estimates and scorecards describe.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, cast

from piccolo.columns import Column
from piccolo.query.functions.aggregate import Count

from survey_engine import audit, tenancy
from survey_engine.actors import Actor
from survey_engine.errors import Conflict, FieldProblem, InvalidInput, NotFound, Page
from survey_engine.tables import (
    Agency,
    QuestionnaireVersion,
    ServicePoint,
    Submission,
    Wave,
    WaveAgency,
    WaveServicePoint,
)
from survey_engine.transactions import is_unique_violation, write_transaction
from survey_engine.webhooks.wave_events import enqueue_wave_closed

CHANNELS = ("online", "kiosk", "phone", "paper")
STATUSES = ("draft", "open", "closed")
NEXT_STATUS = {"draft": ("open",), "open": ("closed",), "closed": ()}
WAVE_COLUMNS = (
    Wave.id,
    Wave.code,
    Wave.name_vi,
    Wave.name_en,
    Wave.questionnaire_version._.questionnaire.code.as_alias("questionnaire"),
    Wave.questionnaire_version.version.as_alias("questionnaire_version"),
    Wave.period_start,
    Wave.period_end,
    Wave.channels,
    Wave.status,
    Wave.unit_version,
    Wave.settings,
    Wave.province,
    Wave.province.code.as_alias("province_code"),
)


KIOSK_IDLE_POLICIES = ("discard", "keep")
RESERVED_SETTINGS = ("sampling_plan",)  # written by the fieldwork plan, never directly


def _as_dict(value: object) -> dict[str, object]:
    if isinstance(value, str):
        value = json.loads(value)
    return value if isinstance(value, dict) else {}


def _settings_problems(settings: dict[str, object]) -> list[FieldProblem]:
    """Settings the platform itself reads must have the shape it expects (pages render them)."""
    problems = []
    for key in RESERVED_SETTINGS:
        if key in settings:
            problems.append(
                FieldProblem("settings", f"{key} is set by saving a fieldwork plan, not directly")
            )
    idle = settings.get("kiosk_idle")
    if idle is not None and idle not in KIOSK_IDLE_POLICIES:
        problems.append(
            FieldProblem("settings", f"kiosk_idle must be one of {', '.join(KIOSK_IDLE_POLICIES)}")
        )
    for key in ("paper_double_entry", "paper_entry_by_agency"):  # read by survey_engine/paper/entry.py
        if key in settings and not isinstance(settings[key], bool):
            problems.append(FieldProblem("settings", f"{key} must be true or false"))
    return problems


async def _agency_ids(codes: list[str], province_id: int | None, problems: list[FieldProblem]) -> list[int]:
    """The ids of the agencies with these codes; a problem for the unknown ones and for those of another
    province than the wave's (a wave's agencies are all of its province)."""
    # no query for an empty list (Piccolo refuses is_in([]); PostgreSQL refuses a NUL placeholder)
    rows = (
        await Agency.select(Agency.id, Agency.code, Agency.province).where(Agency.code.is_in(codes))
        if codes
        else []
    )
    found = {r["code"]: r["id"] for r in rows}
    missing = [c for c in codes if c not in found]
    if missing:
        problems.append(FieldProblem("agencies", f"unknown agency codes: {', '.join(missing[:10])}"))
    elsewhere = sorted(r["code"] for r in rows if r["province"] != province_id)
    if elsewhere:
        problems.append(FieldProblem("agencies", f"not of the wave's province: {', '.join(elsewhere[:10])}"))
    return sorted(set(found.values()))


async def _point_ids(
    codes: list[str], agency_ids: list[int] | None, province_id: int | None, problems: list[FieldProblem]
) -> list[int]:
    """The ids of the service points with these codes; problems for the unknown ones, for those of another
    province and, when the request also sets the agencies (``agency_ids``), for those of other agencies."""
    rows = (
        await ServicePoint.select(
            ServicePoint.id,
            ServicePoint.code,
            ServicePoint.agency,
            ServicePoint.agency.province.as_alias("province"),
        ).where(ServicePoint.code.is_in(codes))
        if codes
        else []
    )
    elsewhere = sorted(str(r["code"]) for r in rows if r["province"] != province_id)
    if elsewhere:
        problems.append(
            FieldProblem("service_points", f"not of the wave's province: {', '.join(elsewhere[:10])}")
        )
    found = {r["code"]: r for r in rows}
    missing = [c for c in codes if c not in found]
    if missing:
        problems.append(
            FieldProblem("service_points", f"unknown service point codes: {', '.join(missing[:10])}")
        )
    if agency_ids is not None:
        outside = [c for c, r in found.items() if r["agency"] not in agency_ids]
        if outside:
            problems.append(
                FieldProblem("service_points", f"not of the wave's agencies: {', '.join(outside[:10])}")
            )
    return sorted({r["id"] for r in found.values()})


@dataclass(frozen=True)
class SubmissionCount:
    """Stored submissions of one agency through one channel, complete ones or kept break-offs."""

    agency: str
    channel: str
    complete: bool
    n: int


@dataclass(frozen=True)
class WaveRecord:
    """A wave as the services hand it out: its questionnaire by code and version number, and the codes of
    its agencies and service points (an agency user sees only its own)."""

    code: str
    name_vi: str
    name_en: str
    questionnaire: str
    questionnaire_version: int
    period_start: date
    period_end: date
    channels: list[str]
    status: str
    unit_version: str
    settings: dict[str, Any]
    agencies: list[str]
    service_points: list[str]
    province: str | None = None


class WaveService:
    async def _visible_ids(self, actor: Actor) -> list[int] | None:
        if not actor.agency_scoped:
            return None
        rows = await WaveAgency.select(WaveAgency.wave).where(WaveAgency.agency == actor.agency_id)
        return [row["wave"] for row in rows]

    async def _row(self, actor: Actor, code: str) -> dict[str, Any]:
        row = await Wave.select(*WAVE_COLUMNS).where(Wave.code == code).output(load_json=True).first()
        visible = await self._visible_ids(actor)
        if row is None or (visible is not None and row["id"] not in visible):
            raise NotFound(f"no wave with code {code}")
        if not tenancy.sees(actor, row["province"]):
            raise NotFound(f"no wave with code {code}")
        return row

    async def list(
        self, actor: Actor, limit: int, offset: int, status: str | None = None, province: str | None = None
    ) -> Page:
        query = tenancy.in_scope(
            Wave.select(*WAVE_COLUMNS).order_by(Wave.id, ascending=False), actor, Wave.province
        )
        count = tenancy.in_scope(Wave.count(), actor, Wave.province)
        if province:  # a national account's filter; a province account's own scope already applies
            query = query.where(Wave.province.code == province)
            count = count.where(Wave.province.code == province)
        visible = await self._visible_ids(actor)
        if visible is not None:
            query = query.where(Wave.id.is_in(visible or [-1]))
            count = count.where(Wave.id.is_in(visible or [-1]))
        if status:
            query = query.where(Wave.status == status)
            count = count.where(Wave.status == status)
        rows = await query.limit(limit).offset(offset).output(load_json=True)
        items = [await self._with_members(actor, row) for row in rows]
        return Page(items=items, total=await count, limit=limit, offset=offset)

    async def submission_counts(self, actor: Actor, code: str) -> Sequence[SubmissionCount]:
        """Stored submissions of the wave per agency, channel and completeness (an agency user: its own)."""
        where = [Submission.wave.code == code]
        if actor.agency_scoped:
            where.append(Submission.agency == actor.agency_id)
        own_province = tenancy.condition(actor, Submission.wave._.province)
        if own_province is not None:
            where.append(own_province)
        rows = (
            await Submission.select(
                Submission.agency.code.as_alias("agency"),
                Submission.channel,
                Submission.complete,
                Count(Submission._meta.primary_key, alias="n"),
            )
            .where(*where)
            .group_by(Submission.agency.code, Submission.channel, Submission.complete)
        )
        return [
            SubmissionCount(str(r["agency"]), str(r["channel"]), bool(r["complete"]), int(r["n"]))
            for r in rows
        ]

    async def get(self, actor: Actor, code: str) -> WaveRecord:
        row = await self._with_members(actor, await self._row(actor, code))
        return WaveRecord(
            code=str(row["code"]),
            name_vi=str(row["name_vi"]),
            name_en=str(row["name_en"]),
            questionnaire=str(row["questionnaire"]),
            questionnaire_version=int(row["questionnaire_version"]),
            period_start=row["period_start"],
            period_end=row["period_end"],
            channels=list(row["channels"] or []),
            status=str(row["status"]),
            unit_version=str(row["unit_version"]),
            settings=_as_dict(row["settings"]),
            agencies=row["agencies"],
            service_points=row["service_points"],
            province=row["province"],
        )

    async def _with_members(self, actor: Actor, row: dict[str, Any]) -> dict[str, Any]:
        agencies = WaveAgency.select(WaveAgency.agency.code.as_alias("code")).where(
            WaveAgency.wave == row["id"]
        )
        points = WaveServicePoint.select(WaveServicePoint.service_point.code.as_alias("code")).where(
            WaveServicePoint.wave == row["id"]
        )
        if actor.agency_scoped:  # an agency user sees only its own part of a shared wave
            agencies = agencies.where(WaveAgency.agency == actor.agency_id)
            points = points.where(WaveServicePoint.service_point.agency == actor.agency_id)
        result = {key: value for key, value in row.items() if key not in ("id", "province")}
        result["province"] = result.pop("province_code")
        result["agencies"] = sorted(r["code"] for r in await agencies)
        result["service_points"] = sorted(r["code"] for r in await points)
        return result

    # Sequence, not list, in signatures: inside this class ``list`` names the method WaveService.list.
    async def _resolve(
        self, values: dict[str, object], province_id: int | None
    ) -> tuple[dict[Column, object], Sequence[int], Sequence[int]]:
        problems: list[FieldProblem] = []
        columns: dict[Column, object] = {}
        if "questionnaire" in values or "questionnaire_version" in values:
            code, number = values.get("questionnaire"), values.get("questionnaire_version")
            row = (
                await QuestionnaireVersion.select(QuestionnaireVersion.id)
                .where(
                    (QuestionnaireVersion.questionnaire.code == code)
                    & (QuestionnaireVersion.version == number)
                )
                .first()
            )
            if row is None:
                problems.append(
                    FieldProblem(
                        "questionnaire_version", f"questionnaire {code} has no published version {number}"
                    )
                )
            else:
                columns[Wave.questionnaire_version] = row["id"]
        if isinstance(values.get("settings"), dict):
            problems += _settings_problems(values["settings"])  # type: ignore[arg-type]
        if "channels" in values:
            channels = list(values["channels"])  # type: ignore[call-overload]
            bad = [c for c in channels if c not in CHANNELS]
            if bad or not channels or len(set(channels)) != len(channels):
                problems.append(FieldProblem("channels", f"a non-empty set of {', '.join(CHANNELS)}"))
            columns[Wave.channels] = channels
        start, end = values.get("period_start"), values.get("period_end")
        if isinstance(start, date) and isinstance(end, date) and end < start:
            problems.append(FieldProblem("period_end", "is before period_start"))
        agency_ids: list[int] = []
        point_ids: list[int] = []
        if "agencies" in values:
            agency_ids = await _agency_ids(
                list(values["agencies"]),  # type: ignore[call-overload]
                province_id,
                problems,
            )
        if "service_points" in values:
            point_ids = await _point_ids(
                list(values["service_points"]),  # type: ignore[call-overload]
                agency_ids if "agencies" in values else None,
                province_id,
                problems,
            )
        if problems:
            raise InvalidInput("the wave is not valid", problems)
        for name in ("name_vi", "name_en", "period_start", "period_end", "unit_version", "settings"):
            if name in values:
                columns[getattr(Wave, name)] = values[name]
        return columns, agency_ids, point_ids

    async def create(self, actor: Actor, values: dict[str, object]) -> WaveRecord:
        province_id = await tenancy.province_for_new(actor, values.pop("province", None))
        columns, agency_ids, point_ids = await self._resolve(values, province_id)
        now = datetime.now(UTC)
        row = Wave(
            code=values["code"],
            status="draft",
            created_at=now,
            updated_at=now,
            settings={},
            province=province_id,
        )
        for column, value in columns.items():
            setattr(row, column._meta.name, value)
        engine = Wave._meta.db
        try:
            async with write_transaction(engine):
                inserted = await Wave.insert(row).returning(Wave.id)
                wave_id = inserted[0]["id"]
                await self._set_members(
                    wave_id, agency_ids, point_ids, "agencies" in values, "service_points" in values
                )
        except Exception as exc:
            if is_unique_violation(exc):
                raise Conflict(f"a wave with code {values['code']} already exists") from exc
            raise
        await audit.record(actor, "create", "wave", str(values["code"]), {"status": "draft"})
        return await self.get(actor, str(values["code"]))

    async def _set_members(
        self,
        wave_id: int,
        agency_ids: Sequence[int],
        point_ids: Sequence[int],
        set_agencies: bool,
        set_points: bool,
    ) -> None:
        if set_agencies:
            await WaveAgency.delete().where(WaveAgency.wave == wave_id)
            if agency_ids:
                await WaveAgency.insert(*[WaveAgency(wave=wave_id, agency=a) for a in agency_ids])
        if set_points:
            await WaveServicePoint.delete().where(WaveServicePoint.wave == wave_id)
            if point_ids:
                await WaveServicePoint.insert(
                    *[WaveServicePoint(wave=wave_id, service_point=p) for p in point_ids]
                )

    async def update(self, actor: Actor, code: str, values: dict[str, object]) -> WaveRecord:
        row = await self._row(actor, code)
        if row["status"] != "draft":
            allowed = {"name_vi", "name_en", "period_end", "settings"} if row["status"] == "open" else set()
            locked = sorted(set(values) - allowed)
            if locked:
                raise Conflict(f"wave {code} is {row['status']}: {', '.join(locked)} can no longer change")
        merged = dict(values)
        if "period_start" in values and "period_end" not in values:
            merged["period_end"] = row["period_end"]
        if "period_end" in values and "period_start" not in values:
            merged["period_start"] = row["period_start"]
        if "questionnaire" in values and "questionnaire_version" not in values:
            merged["questionnaire_version"] = row["questionnaire_version"]
        if "questionnaire_version" in values and "questionnaire" not in values:
            merged["questionnaire"] = row["questionnaire"]
        if "service_points" in values and "agencies" not in values:
            merged["agencies"] = (await self.get(actor, code)).agencies
        plan: object = None
        incoming: dict[str, object] = {}
        settings = values.get("settings")
        if isinstance(settings, dict):
            # A client that sends back the settings it read keeps the saved plan; it cannot write another.
            incoming = dict(settings)
            stored = _as_dict(row.get("settings")).get("sampling_plan")
            if stored is not None and incoming.get("sampling_plan", stored) == stored:
                incoming.pop("sampling_plan", None)
                plan = stored
            merged["settings"] = incoming
        columns, agency_ids, point_ids = await self._resolve(merged, row["province"])
        if plan is not None:
            columns[Wave.settings] = {**incoming, "sampling_plan": plan}  # incoming is merged["settings"]
        columns[Wave.updated_at] = datetime.now(UTC)
        engine = Wave._meta.db
        async with write_transaction(engine):
            # a copy typed as Piccolo's update mapping (its keys may also be column names)
            await Wave.update(dict(columns.items())).where(Wave.id == row["id"])
            await self._set_members(
                cast(int, row["id"]),  # Wave.id is a Serial: the drivers return an int
                agency_ids,
                point_ids,
                "agencies" in values,
                "service_points" in values,
            )
        await audit.record(actor, "update", "wave", code, {"fields": sorted(values)})
        return await self.get(actor, code)

    async def set_status(self, actor: Actor, code: str, status: str) -> WaveRecord:
        if status not in STATUSES:
            raise InvalidInput(
                "unknown status", [FieldProblem("status", f"must be one of {', '.join(STATUSES)}")]
            )
        row = await self._row(actor, code)
        current = str(row["status"])
        if status == current:
            return await self.get(actor, code)
        if status not in NEXT_STATUS[current]:
            raise Conflict(f"wave {code} is {current} and cannot become {status}")
        if status == "open" and not await WaveAgency.exists().where(WaveAgency.wave == row["id"]):
            raise Conflict(f"wave {code} has no agencies; add them before opening it")
        now = datetime.now(UTC)
        # The status and its webhook events in one transaction (the outbox: both stored or neither); the
        # update is conditional, so two closings at once make one change and one set of events.
        async with write_transaction(Wave._meta.db):
            changed = (
                await Wave.update({Wave.status: status, Wave.updated_at: now})
                .where((Wave.id == row["id"]) & (Wave.status == current))
                .returning(Wave.id)
            )
            if changed and status == "closed":
                await enqueue_wave_closed(int(str(row["id"])), now)
        if not changed:
            raise Conflict(f"wave {code} changed meanwhile; reload it", "stale")
        details: dict[str, object] = {"from": current, "to": status}
        if status == "closed":
            # Phone numbers were kept only to place the calls: they go when fieldwork ends.
            from survey_engine.fieldwork.phone import PhoneService

            details["phones_purged"] = await PhoneService().purge_phones(int(str(row["id"])))
            # Final weights with the last options used; frame phone numbers erased. Never raises for a
            # weighting problem (the run's diagnostics say what went wrong).
            from survey_engine.fieldwork.samples import on_wave_closed

            await on_wave_closed(actor, int(str(row["id"])))
        await audit.record(actor, "status", "wave", code, details)
        return await self.get(actor, code)

    async def delete(self, actor: Actor, code: str) -> None:
        row = await self._row(actor, code)
        if row["status"] != "draft":
            raise Conflict(f"wave {code} is {row['status']}; only draft waves can be deleted")
        await Wave.delete().where(Wave.id == row["id"])
        await audit.record(actor, "delete", "wave", code, {})


async def response_counts(actor: Actor, codes: Sequence[str]) -> dict[str, int]:
    """Complete responses per wave code (kept break-offs aside, as the results pages count); an agency
    user's counts cover its own agency only."""
    where = [Submission.wave.code.is_in(list(codes)), Submission.complete == True]  # noqa: E712
    if actor.agency_scoped:
        where.append(Submission.agency == actor.agency_id)
    own_province = tenancy.condition(actor, Submission.wave._.province)
    if own_province is not None:
        where.append(own_province)
    rows = (
        await Submission.select(Submission.wave.code.as_alias("wave"), Count(Submission.id, alias="count"))
        .where(*where)
        .group_by(Submission.wave.code)
    )
    return {str(r["wave"]): int(r["count"]) for r in rows}
