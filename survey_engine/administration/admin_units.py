"""Administrative units, versioned: the map changed on 1 July 2025 (63 → 34 provinces, no districts)."""

from __future__ import annotations

from survey_engine.errors import Page
from survey_engine.tables import AdminUnit


class AdminUnitService:
    async def list(
        self, limit: int, offset: int, version: str | None = None, level: str | None = None
    ) -> Page:
        """One map version's units (or every version's), by version then code."""
        query = AdminUnit.select().order_by(AdminUnit.unit_version).order_by(AdminUnit.code)
        count = AdminUnit.count()
        for condition in (
            AdminUnit.unit_version == version if version else None,
            AdminUnit.level == level if level else None,
        ):
            if condition is not None:
                query = query.where(condition)
                count = count.where(condition)
        rows = await query.limit(limit).offset(offset)
        return Page(items=rows, total=await count, limit=limit, offset=offset)

    async def name(self, code: str | None, unit_version: str | None = None) -> str:
        """The unit's Vietnamese name ("" for no unit or an unknown code)."""
        if not code:
            return ""
        query = AdminUnit.select(AdminUnit.name_vi).where(AdminUnit.code == code)
        if unit_version:
            query = query.where(AdminUnit.unit_version == unit_version)
        row = await query.first()
        return str(row["name_vi"]) if row else ""

    async def province_name(self, code: str | None, unit_version: str | None = None) -> str | None:
        """The Vietnamese name of the province a unit lies in (the unit itself when it is a province)."""
        if not code:
            return None
        query = AdminUnit.select(AdminUnit.name_vi, AdminUnit.level, AdminUnit.parent_code).where(
            AdminUnit.code == code
        )
        if unit_version:
            query = query.where(AdminUnit.unit_version == unit_version)
        unit = await query.first()
        if unit is None:
            return None
        if unit["level"] != "province" and unit["parent_code"]:
            parent = (
                await AdminUnit.select(AdminUnit.name_vi).where(AdminUnit.code == unit["parent_code"]).first()
            )
            return str(parent["name_vi"]) if parent else None
        return str(unit["name_vi"])
