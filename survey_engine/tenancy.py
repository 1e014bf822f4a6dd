"""Provinces as tenants: the one place that says which rows a province account may see and which province a
new agency, wave or account goes to.

A province account (``Actor.province_scoped``) sees the rows of its own province only; another province's
object answers "not found", exactly as another agency's object does for an agency user. National accounts
(the deployment administrator, the ministry) see every province. Services do not repeat the condition: they
pass their query and the column path from the table to the province (``Wave.province``,
``ServicePoint.agency._.province``, ``Submission.wave._.province``…) to :func:`in_scope`, or check one row
with :func:`sees`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeVar

from survey_engine.actors import Actor
from survey_engine.errors import FieldProblem, Forbidden, InvalidInput
from survey_engine.tables import AdminUnit, Province

Query = TypeVar("Query")

DEFAULT_PROVINCE = ("default", "Tỉnh mặc định", "Default province")


def condition(actor: Actor, province_column: Any) -> Any | None:
    """The WHERE condition limiting ``province_column`` to the actor's province; None for a national
    account (nothing to limit)."""
    if not actor.province_scoped:
        return None
    return province_column == actor.province_id


def in_scope(query: Query, actor: Actor, province_column: Any) -> Query:
    """``query`` limited to the actor's province (unchanged for a national account). Works for select,
    count, exists, update and delete queries alike."""
    limit = condition(actor, province_column)
    return query if limit is None else query.where(limit)  # type: ignore[attr-defined]


def sees(actor: Actor, province_id: object) -> bool:
    """Whether the actor may see a row of province ``province_id``."""
    return not actor.province_scoped or province_id == actor.province_id


def refuse_read_only(actor: Actor) -> None:
    """The ministry reads every province and changes nothing (403 at the boundary)."""
    if actor.read_only:
        raise Forbidden(f"the {actor.role} role reads only; it may not change anything")


async def province_id(code: str) -> int | None:
    row = await Province.select(Province.id).where(Province.code == code).first()
    return None if row is None else int(row["id"])


async def sole_province() -> int | None:
    """The deployment's only province; None when it has none or several."""
    rows = await Province.select(Province.id).limit(2)
    return int(rows[0]["id"]) if len(rows) == 1 else None


async def _sole_or_default() -> int | None:
    """The deployment's only province; the default tenant created when there is none yet (as the data step
    of a pre-tenancy database does); None when there are several (the caller must name one)."""
    sole = await sole_province()
    if sole is not None:
        return sole
    if await Province.exists():
        return None
    units = await AdminUnit.select(AdminUnit.code, AdminUnit.name_vi, AdminUnit.name_en).where(
        (AdminUnit.level == "province") & AdminUnit.valid_to.is_null()
    )
    distinct = {(str(u["code"]), str(u["name_vi"]), str(u["name_en"])) for u in units}
    code, name_vi, name_en = distinct.pop() if len(distinct) == 1 else DEFAULT_PROVINCE
    unit_code = code if len(units) and code != DEFAULT_PROVINCE[0] else None
    await Province.insert(
        Province(
            code=code,
            name_vi=name_vi,
            name_en=name_en,
            unit_code=unit_code,
            active=True,
            created_at=datetime.now(UTC),
        )
    )
    found = await province_id(code)
    assert found is not None  # noqa: S101 - just inserted
    return found


async def province_for_new(actor: Actor, code: object, field: str = "province") -> int:
    """The province a new agency, wave or province account goes to.

    A province account's objects go to its own province (naming another one is a 422); a national account
    names the province, and may leave it out when the deployment has a single province (so a
    single-province deployment, and clients written before tenancy, work unchanged).
    """
    if code is not None and not isinstance(code, str):
        raise InvalidInput("unknown province", [FieldProblem(field, "must be a province code")])
    if actor.province_scoped:
        if code and code != actor.province_code:
            raise InvalidInput(
                "not your province",
                [FieldProblem(field, f"a {actor.province_code} account works there only")],
            )
        assert actor.province_id is not None  # noqa: S101 - province_scoped says so
        return actor.province_id
    if code:
        found = await province_id(code)
        if found is None:
            raise InvalidInput("unknown province", [FieldProblem(field, f"no province with code {code}")])
        return found
    sole = await _sole_or_default()
    if sole is None:
        raise InvalidInput(
            "name the province",
            [FieldProblem(field, "required: the deployment has several provinces", code="required")],
        )
    return sole
