"""The officer register of an agency (optional): the code the one-stop system uses for an officer, and the
officer's name, which only that agency's own staff (the agency role) ever see.

Ratings name officers by code whether or not the register holds them; the register only gives the
agency's managers the names beside the codes in the officers' results.
"""

from __future__ import annotations

from dataclasses import dataclass

from survey_engine import audit
from survey_engine.actors import Actor
from survey_engine.errors import FieldProblem, InvalidInput, NotFound
from survey_engine.integrations.dashboard import CounterDashboardService
from survey_engine.tables import Officer

CODE_MAX = 64
NAME_MAX = 200


@dataclass(frozen=True)
class OfficerRecord:
    code: str
    name: str
    active: bool

    def as_json(self) -> dict[str, object]:
        return {"code": self.code, "name": self.name, "active": self.active}


def _checked(code: str, name: str) -> tuple[str, str]:
    code, name = code.strip(), " ".join(name.split())
    problems = []
    if not code or len(code) > CODE_MAX:
        problems.append(FieldProblem("code", f"must be 1 to {CODE_MAX} characters"))
    if not name or len(name) > NAME_MAX:
        problems.append(FieldProblem("name", f"must be 1 to {NAME_MAX} characters"))
    if problems:
        raise InvalidInput("the officer is not valid", problems)
    return code, name


class OfficerService:
    def __init__(self, scope: CounterDashboardService) -> None:
        self.scope = scope  # decides who may see an agency's officers (its own agency users only)

    async def list(self, actor: Actor, agency: str) -> list[OfficerRecord]:
        agency_id, _ = await self.scope.own_agency(actor, agency)
        rows = (
            await Officer.select(Officer.code, Officer.name, Officer.active)
            .where(Officer.agency == agency_id)
            .order_by(Officer.code)
        )
        return [OfficerRecord(str(r["code"]), str(r["name"]), bool(r["active"])) for r in rows]

    async def save(
        self, actor: Actor, agency: str, code: str, name: str, active: bool = True
    ) -> OfficerRecord:
        """Add the officer, or rename (and reactivate or deactivate) the one with this code."""
        agency_id, agency_code = await self.scope.own_agency(actor, agency)
        code, name = _checked(code, name)
        existing = (
            await Officer.select(Officer.id)
            .where((Officer.agency == agency_id) & (Officer.code == code))
            .first()
        )
        if existing is None:
            await Officer.insert(Officer(agency=agency_id, code=code, name=name, active=active))
        else:
            await Officer.update({Officer.name: name, Officer.active: active}).where(
                Officer.id == existing["id"]
            )
        # The code only: names are for the agency's own pages, not the deployment-wide audit log.
        await audit.record(actor, "save", "officer", f"{agency_code}/{code}", {"active": active})
        return OfficerRecord(code, name, active)

    async def remove(self, actor: Actor, agency: str, code: str) -> None:
        agency_id, agency_code = await self.scope.own_agency(actor, agency)
        deleted = (
            await Officer.delete()
            .where((Officer.agency == agency_id) & (Officer.code == code))
            .returning(Officer.id)
        )
        if not deleted:
            raise NotFound(f"no officer {code}")
        await audit.record(actor, "delete", "officer", f"{agency_code}/{code}", {})
