"""Agencies and service points, with the agency-user and province scopes applied in every query."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from piccolo.columns import Column
from piccolo.query.functions.aggregate import Count

from survey_engine import audit, tenancy
from survey_engine.actors import Actor
from survey_engine.errors import Conflict, FieldProblem, InvalidInput, NotFound, Page
from survey_engine.security import new_public_token
from survey_engine.tables import (
    AdminUnit,
    Agency,
    ServicePoint,
    StaffUser,
    Submission,
    WaveAgency,
    WaveServicePoint,
)
from survey_engine.transactions import is_unique_violation

AGENCY_LEVELS = ("province", "district", "commune")
SERVICE_POINT_KINDS = ("counter", "service_centre", "online", "phone")

AGENCY_COLUMNS = (
    Agency.code,
    Agency.name_vi,
    Agency.name_en,
    Agency.level,
    Agency.parent.code.as_alias("parent"),
    Agency.unit.code.as_alias("unit"),
    Agency.unit.unit_version.as_alias("unit_version"),
    Agency.active,
    Agency.province.code.as_alias("province"),
)
SERVICE_POINT_COLUMNS = (
    ServicePoint.code,
    ServicePoint.agency.code.as_alias("agency"),
    ServicePoint.name_vi,
    ServicePoint.name_en,
    ServicePoint.kind,
    ServicePoint.public_token.as_alias("token"),
    ServicePoint.active,
)


@dataclass(frozen=True)
class Names:
    """An agency's or a service point's name in both languages."""

    name_vi: str
    name_en: str | None

    def label(self, lang: str) -> str:
        """The name in ``lang`` (Vietnamese when the English name is missing)."""
        return self.name_en if lang == "en" and self.name_en else self.name_vi


@dataclass(frozen=True)
class AgencyRecord:
    """One agency as the services hand it out (codes, not ids, for its parent and unit)."""

    code: str
    name_vi: str
    name_en: str
    level: str
    parent: str | None
    unit: str | None
    unit_version: str | None
    active: bool
    province: str | None = None

    @classmethod
    def of(cls, row: dict[str, Any]) -> AgencyRecord:
        return cls(
            code=str(row["code"]),
            name_vi=str(row["name_vi"] or ""),
            name_en=str(row["name_en"] or ""),
            level=str(row["level"]),
            parent=row["parent"],
            unit=row["unit"],
            unit_version=row["unit_version"],
            active=bool(row["active"]),
            province=row.get("province"),
        )


@dataclass(frozen=True)
class ServicePointRecord:
    """One service point; ``token`` is the public token its QR codes carry."""

    code: str
    agency: str
    name_vi: str
    name_en: str
    kind: str
    token: str
    active: bool

    @classmethod
    def of(cls, row: dict[str, Any]) -> ServicePointRecord:
        return cls(
            code=str(row["code"]),
            agency=str(row["agency"]),
            name_vi=str(row["name_vi"] or ""),
            name_en=str(row["name_en"] or ""),
            kind=str(row["kind"]),
            token=str(row["token"]),
            active=bool(row["active"]),
        )


def _names(rows: Sequence[dict[str, Any]]) -> dict[str, Names]:
    return {str(r["code"]): Names(str(r["name_vi"] or ""), r["name_en"]) for r in rows}


def _contains(column: Any, text: str) -> Any:
    """Case-insensitive substring match: ILIKE on PostgreSQL; SQLite's LIKE already ignores ASCII case
    (not Vietnamese capitals — a known SQLite limitation)."""
    pattern = "%" + text.replace("%", "").replace("_", "") + "%"
    if column._meta.table._meta.db.engine_type == "sqlite":
        return column.like(pattern)
    return column.ilike(pattern)


class AgencyService:
    async def _id(self, actor: Actor, code: str) -> int:
        row = await Agency.select(Agency.id, Agency.province).where(Agency.code == code).first()
        if row is None or (actor.agency_scoped and row["id"] != actor.agency_id):
            raise NotFound(f"no agency with code {code}")
        if not tenancy.sees(actor, row["province"]):
            raise NotFound(f"no agency with code {code}")
        return int(row["id"])

    async def list(
        self, actor: Actor, limit: int, offset: int, search: str | None = None, province: str | None = None
    ) -> Page:
        query = tenancy.in_scope(Agency.select(*AGENCY_COLUMNS).order_by(Agency.code), actor, Agency.province)
        count = tenancy.in_scope(Agency.count(), actor, Agency.province)
        if province:  # a national account's filter; a province account's own scope already applies
            query = query.where(Agency.province.code == province)
            count = count.where(Agency.province.code == province)
        if actor.agency_scoped:
            query = query.where(Agency.id == actor.agency_id)
            count = count.where(Agency.id == actor.agency_id)
        if search:
            condition = (_contains(Agency.code, search) | _contains(Agency.name_vi, search)) | _contains(
                Agency.name_en, search
            )
            query = query.where(condition)
            count = count.where(condition)
        return Page(
            items=await query.limit(limit).offset(offset), total=await count, limit=limit, offset=offset
        )

    async def names(self, codes: Collection[str]) -> dict[str, Names]:
        """Agency code → its names, for the codes given (one query; the caller has scoped the codes)."""
        if not codes:
            return {}
        rows = await Agency.select(Agency.code, Agency.name_vi, Agency.name_en).where(
            Agency.code.is_in(sorted(codes))
        )
        return _names(rows)

    async def get(self, actor: Actor, code: str) -> AgencyRecord:
        agency_id = await self._id(actor, code)
        row = await Agency.select(*AGENCY_COLUMNS).where(Agency.id == agency_id).first()
        assert row is not None  # noqa: S101 - invariant, not input
        return AgencyRecord.of(row)

    async def _references(self, values: dict[str, object], province_id: object) -> dict[Column, object]:
        resolved: dict[Column, object] = {}
        problems = []
        if "level" in values and values["level"] not in AGENCY_LEVELS:
            problems.append(FieldProblem("level", f"must be one of {', '.join(AGENCY_LEVELS)}"))
        if values.get("parent"):
            row = (
                await Agency.select(Agency.id)
                .where((Agency.code == values["parent"]) & (Agency.province == province_id))
                .first()
            )  # a parent of the agency's own province (another province's agencies are unknown)
            if row is None:
                problems.append(FieldProblem("parent", f"no agency with code {values['parent']}"))
            else:
                resolved[Agency.parent] = row["id"]
        elif "parent" in values:
            resolved[Agency.parent] = None
        if values.get("unit"):
            query = AdminUnit.select(AdminUnit.id).where(AdminUnit.code == values["unit"])
            if values.get("unit_version"):
                query = query.where(AdminUnit.unit_version == values["unit_version"])
            row = await query.order_by(AdminUnit.valid_from, ascending=False).first()
            if row is None:
                problems.append(FieldProblem("unit", f"no administrative unit with code {values['unit']}"))
            else:
                resolved[Agency.unit] = row["id"]
        elif "unit" in values:
            resolved[Agency.unit] = None
        if problems:
            raise InvalidInput("the agency is not valid", problems)
        for name in ("name_vi", "name_en", "level", "active"):
            if name in values:
                resolved[getattr(Agency, name)] = values[name]
        return resolved

    async def create(self, actor: Actor, values: dict[str, object]) -> AgencyRecord:
        province_id = await tenancy.province_for_new(actor, values.pop("province", None))
        resolved = await self._references(values, province_id)
        row = Agency(code=values["code"], created_at=datetime.now(UTC), active=True, province=province_id)
        for column, value in resolved.items():
            setattr(row, column._meta.name, value)
        try:
            await Agency.insert(row)
        except Exception as exc:
            if is_unique_violation(exc):
                raise Conflict(f"an agency with code {values['code']} already exists") from exc
            raise
        await audit.record(actor, "create", "agency", str(values["code"]), _loggable(values))
        return await self.get(actor, str(values["code"]))

    async def update(self, actor: Actor, code: str, values: dict[str, object]) -> AgencyRecord:
        agency_id = await self._id(actor, code)
        if values.get("parent") == code:
            raise InvalidInput(
                "an agency cannot be its own parent", [FieldProblem("parent", "is the agency itself")]
            )
        province_id = await Agency.select(Agency.province).where(Agency.id == agency_id).first()
        resolved = await self._references(values, (province_id or {}).get("province"))
        if resolved:
            # a copy typed as Piccolo's update mapping (its keys may also be column names)
            await Agency.update(dict(resolved.items())).where(Agency.id == agency_id)
            await audit.record(actor, "update", "agency", code, _loggable(values))
        return await self.get(actor, code)

    async def delete(self, actor: Actor, code: str) -> None:
        agency_id = await self._id(actor, code)
        for table, column in (
            (ServicePoint, ServicePoint.agency),
            (StaffUser, StaffUser.agency),
            (WaveAgency, WaveAgency.agency),
            (Submission, Submission.agency),
            (Agency, Agency.parent),
        ):
            if await table.exists().where(column == agency_id):
                raise Conflict(f"agency {code} is in use ({table._meta.tablename}); deactivate it instead")
        await Agency.delete().where(Agency.id == agency_id)
        await audit.record(actor, "delete", "agency", code, {})


class ServicePointService:
    async def _row(self, actor: Actor, code: str) -> dict[str, object]:
        row = (
            await ServicePoint.select(
                ServicePoint.id, ServicePoint.agency, ServicePoint.agency.province.as_alias("province")
            )
            .where(ServicePoint.code == code)
            .first()
        )
        if row is None or (actor.agency_scoped and row["agency"] != actor.agency_id):
            raise NotFound(f"no service point with code {code}")
        if not tenancy.sees(actor, row["province"]):
            raise NotFound(f"no service point with code {code}")
        return row

    async def list(
        self,
        actor: Actor,
        limit: int,
        offset: int,
        agency: str | None = None,
        search: str | None = None,
        province: str | None = None,
    ) -> Page:
        query = ServicePoint.select(*SERVICE_POINT_COLUMNS).order_by(ServicePoint.code)
        count = ServicePoint.count()
        conditions = []
        if actor.agency_scoped:
            conditions.append(ServicePoint.agency == actor.agency_id)
        own_province = tenancy.condition(actor, ServicePoint.agency._.province)
        if own_province is not None:
            conditions.append(own_province)
        if agency:
            conditions.append(ServicePoint.agency.code == agency)
        if province:
            conditions.append(ServicePoint.agency._.province._.code == province)
        if search:
            conditions.append(_contains(ServicePoint.code, search) | _contains(ServicePoint.name_vi, search))
        for condition in conditions:
            query = query.where(condition)
            count = count.where(condition)
        return Page(
            items=await query.limit(limit).offset(offset), total=await count, limit=limit, offset=offset
        )

    async def names(self, codes: Collection[str]) -> dict[str, Names]:
        """Service point code → its names, for the codes given (one query)."""
        if not codes:
            return {}
        rows = await ServicePoint.select(ServicePoint.code, ServicePoint.name_vi, ServicePoint.name_en).where(
            ServicePoint.code.is_in(sorted(codes))
        )
        return _names(rows)

    async def counts_by_agency(self, agency_codes: Collection[str]) -> dict[str, int]:
        """Service points per agency, for the agencies given, in one grouped query."""
        if not agency_codes:
            return {}
        rows = (
            await ServicePoint.select(ServicePoint.agency.code.as_alias("agency"), Count(alias="n"))
            .where(ServicePoint.agency.code.is_in(sorted(agency_codes)))
            .group_by(ServicePoint.agency.code)
        )
        return {str(r["agency"]): int(r["n"]) for r in rows}

    async def get(self, actor: Actor, code: str) -> ServicePointRecord:
        await self._row(actor, code)
        row = await ServicePoint.select(*SERVICE_POINT_COLUMNS).where(ServicePoint.code == code).first()
        assert row is not None  # noqa: S101 - invariant, not input
        return ServicePointRecord.of(row)

    async def _agency_id(self, actor: Actor, agency_code: object) -> int:
        row = await Agency.select(Agency.id, Agency.province).where(Agency.code == agency_code).first()
        if (
            row is None
            or (actor.agency_scoped and row["id"] != actor.agency_id)
            or not tenancy.sees(actor, row["province"])
        ):
            raise InvalidInput(
                "unknown agency", [FieldProblem("agency", f"no agency with code {agency_code}")]
            )
        return int(row["id"])

    async def create(self, actor: Actor, values: dict[str, object]) -> ServicePointRecord:
        if values["kind"] not in SERVICE_POINT_KINDS:
            raise InvalidInput(
                "unknown kind", [FieldProblem("kind", f"must be one of {', '.join(SERVICE_POINT_KINDS)}")]
            )
        agency_id = await self._agency_id(actor, values["agency"])
        try:
            await ServicePoint.insert(
                ServicePoint(
                    code=values["code"],
                    agency=agency_id,
                    name_vi=values["name_vi"],
                    name_en=values["name_en"],
                    kind=values["kind"],
                    public_token=new_public_token(),
                    active=True,
                    created_at=datetime.now(UTC),
                )
            )
        except Exception as exc:
            if is_unique_violation(exc):
                raise Conflict(f"a service point with code {values['code']} already exists") from exc
            raise
        await audit.record(actor, "create", "service_point", str(values["code"]), _loggable(values))
        return await self.get(actor, str(values["code"]))

    async def update(self, actor: Actor, code: str, values: dict[str, object]) -> ServicePointRecord:
        row = await self._row(actor, code)
        changes: dict[Column | str, Any] = {}
        if "kind" in values:
            if values["kind"] not in SERVICE_POINT_KINDS:
                raise InvalidInput(
                    "unknown kind", [FieldProblem("kind", f"must be one of {', '.join(SERVICE_POINT_KINDS)}")]
                )
            changes[ServicePoint.kind] = values["kind"]
        if "agency" in values:
            changes[ServicePoint.agency] = await self._agency_id(actor, values["agency"])
        for name in ("name_vi", "name_en", "active"):
            if name in values:
                changes[getattr(ServicePoint, name)] = values[name]
        if changes:
            await ServicePoint.update(changes).where(ServicePoint.id == row["id"])
            await audit.record(actor, "update", "service_point", code, _loggable(values))
        return await self.get(actor, code)

    async def rotate_token(self, actor: Actor, code: str) -> ServicePointRecord:
        """A new token makes every printed QR code of the old one stop working."""
        row = await self._row(actor, code)
        await ServicePoint.update({ServicePoint.public_token: new_public_token()}).where(
            ServicePoint.id == row["id"]
        )
        await audit.record(actor, "rotate_token", "service_point", code, {})
        return await self.get(actor, code)

    async def delete(self, actor: Actor, code: str) -> None:
        row = await self._row(actor, code)
        for table, column in (
            (Submission, Submission.service_point),
            (WaveServicePoint, WaveServicePoint.service_point),
        ):
            if await table.exists().where(column == row["id"]):
                raise Conflict(f"service point {code} is in use; deactivate it instead")
        await ServicePoint.delete().where(ServicePoint.id == row["id"])
        await audit.record(actor, "delete", "service_point", code, {})


def _loggable(values: dict[str, object]) -> dict[str, object]:
    return {key: value for key, value in values.items() if key not in ("password", "token")}
