"""Provinces as tenants of one deployment: the deployment administrator adds and renames them.

Only national accounts manage provinces (an administrator without a province); every account may read the
provinces it can see: a province account its own, national accounts all of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from piccolo.query.functions.aggregate import Count

from survey_engine import audit, tenancy
from survey_engine.actors import Actor
from survey_engine.errors import Conflict, FieldProblem, Forbidden, InvalidInput, NotFound, Page
from survey_engine.tables import AdminUnit, Agency, Province, StaffUser, Wave
from survey_engine.transactions import is_unique_violation

PROVINCE_COLUMNS = (
    Province.id,
    Province.code,
    Province.name_vi,
    Province.name_en,
    Province.unit_code,
    Province.active,
    Province.created_at,
)


@dataclass(frozen=True)
class ProvinceRecord:
    """One tenant province with how many agencies, waves and accounts it holds."""

    code: str
    name_vi: str
    name_en: str
    unit_code: str | None
    active: bool
    created_at: datetime
    agencies: int
    waves: int
    accounts: int


def _require_national_admin(actor: Actor) -> None:
    tenancy.refuse_read_only(actor)
    if actor.role != "admin" or actor.province_scoped:
        raise Forbidden("only the deployment's administrator (an administrator without a province) may")


async def _counts(table: Any, province_ids: list[int]) -> dict[int, int]:
    if not province_ids:
        return {}
    rows = (
        await table.select(table.province, Count(alias="n"))
        .where(table.province.is_in(province_ids))
        .group_by(table.province)
    )
    return {int(r["province"]): int(r["n"]) for r in rows}


class ProvinceService:
    async def _records(self, rows: Sequence[dict[str, Any]]) -> Sequence[ProvinceRecord]:
        ids = [int(r["id"]) for r in rows]
        agencies, waves, accounts = (
            await _counts(Agency, ids),
            await _counts(Wave, ids),
            await _counts(StaffUser, ids),
        )
        return [
            ProvinceRecord(
                code=str(r["code"]),
                name_vi=str(r["name_vi"]),
                name_en=str(r["name_en"]),
                unit_code=r["unit_code"],
                active=bool(r["active"]),
                created_at=r["created_at"],
                agencies=agencies.get(int(r["id"]), 0),
                waves=waves.get(int(r["id"]), 0),
                accounts=accounts.get(int(r["id"]), 0),
            )
            for r in rows
        ]

    async def list(self, actor: Actor, limit: int = 100, offset: int = 0) -> Page:
        query = tenancy.in_scope(
            Province.select(*PROVINCE_COLUMNS).order_by(Province.code), actor, Province.id
        )
        count = tenancy.in_scope(Province.count(), actor, Province.id)
        rows = await query.limit(limit).offset(offset)
        items = [asdict(record) for record in await self._records(rows)]
        return Page(items=items, total=await count, limit=limit, offset=offset)

    async def codes(self, actor: Actor) -> Sequence[str]:
        """The codes of the provinces the actor sees (for filters and choice lists)."""
        query = tenancy.in_scope(Province.select(Province.code).order_by(Province.code), actor, Province.id)
        return [str(r["code"]) for r in await query]

    async def get(self, actor: Actor, code: str) -> ProvinceRecord:
        row = await Province.select(*PROVINCE_COLUMNS).where(Province.code == code).first()
        if row is None or not tenancy.sees(actor, row["id"]):
            raise NotFound(f"no province with code {code}")
        return (await self._records([row]))[0]

    async def _unit_problems(self, unit_code: object) -> Sequence[FieldProblem]:
        if not unit_code:
            return []
        found = await AdminUnit.exists().where(
            (AdminUnit.code == unit_code) & (AdminUnit.level == "province")
        )
        return [] if found else [FieldProblem("unit_code", f"no province-level unit with code {unit_code}")]

    async def create(self, actor: Actor, values: dict[str, object]) -> ProvinceRecord:
        _require_national_admin(actor)
        problems = [*await self._unit_problems(values.get("unit_code"))]
        for name in ("code", "name_vi", "name_en"):
            if not str(values.get(name) or "").strip():
                problems.append(FieldProblem(name, "required", code="required"))
        if problems:
            raise InvalidInput("the province is not valid", problems)
        code = str(values["code"]).strip()
        try:
            await Province.insert(
                Province(
                    code=code,
                    name_vi=str(values["name_vi"]).strip(),
                    name_en=str(values["name_en"]).strip(),
                    unit_code=values.get("unit_code") or None,
                    active=True,
                    created_at=datetime.now(UTC),
                )
            )
        except Exception as exc:
            if is_unique_violation(exc):
                raise Conflict(f"a province with code {code} already exists") from exc
            raise
        await audit.record(actor, "create", "province", code, dict(values))
        return await self.get(actor, code)

    async def update(self, actor: Actor, code: str, values: dict[str, object]) -> ProvinceRecord:
        """Rename a province, link it to another unit or (de)activate it; its code never changes."""
        _require_national_admin(actor)
        await self.get(actor, code)
        problems = [*await self._unit_problems(values.get("unit_code"))]
        for name in ("name_vi", "name_en"):
            if name in values and not str(values[name] or "").strip():
                problems.append(FieldProblem(name, "required", code="required"))
        if problems:
            raise InvalidInput("the province is not valid", problems)
        changes: dict[Any, Any] = {}
        for name in ("name_vi", "name_en", "unit_code", "active"):
            if name in values:
                value = values[name]
                changes[getattr(Province, name)] = value.strip() if isinstance(value, str) else value
        if changes:
            await Province.update(changes).where(Province.code == code)
            await audit.record(actor, "update", "province", code, dict(values))
        return await self.get(actor, code)
