"""Which agency continues which across a change of the map: a province's departments after the 2025 merger.

Unit successions say which unit became which, and that carries a commune People's Committee's figure to its
successor commune: one agency per unit. A province has many agencies on one unit (its departments), so
which department of the new province continues which of the old ones must be recorded: an **agency
succession** *predecessor agency → successor agency* with ``population_share``, the part of the
predecessor's population the successor now serves (1 when it serves all of it, the usual case: Hà Giang's
and Tuyên Quang's Departments of Justice both continue as the new Tuyên Quang's).

Rules, checked before anything is written (one change is all or nothing):

- both agencies exist and the actor sees them (a province account: its own province's, which after the
  merger holds the old provinces' agencies too; the deployment administrator: all);
- both sit on an administrative unit, the successor's on a later map version than the predecessor's (its
  units start later), so that no chain of successions can loop;
- an agency is not its own successor, and a predecessor is named once per successor;
- a predecessor's shares into all its successors sum to at most 1 (± 0.005);
- a successor with several predecessors is weighted by their units' populations, so each must be known.

A successor's predecessors are set as a whole (``set_predecessors``: the list replaces what was stored);
the CSV import does the same for every successor in the file.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from survey_engine import audit, tenancy
from survey_engine.actors import Actor
from survey_engine.administration.map_changes import MapChangeService
from survey_engine.administration.map_files import SHARE_TOLERANCE, parse_agency_successions, refuse
from survey_engine.errors import FieldProblem, InvalidInput, NotFound
from survey_engine.tables import Agency, AgencySuccession
from survey_engine.transactions import write_transaction

__all__ = [
    "AgencyLink",
    "AgencyOnMap",
    "AgencySuccessionImport",
    "AgencySuccessionService",
]

_AGENCY_COLUMNS = (
    Agency.id,
    Agency.code,
    Agency.name_vi,
    Agency.name_en,
    Agency.province,
    Agency.unit.code.as_alias("unit"),
    Agency.unit.unit_version.as_alias("unit_version"),
    Agency.unit.valid_from.as_alias("unit_from"),
    Agency.unit.population.as_alias("population"),
)


@dataclass(frozen=True)
class AgencyOnMap:
    """An agency as a succession shows it: its names, and the unit and map version it sits on."""

    code: str
    name_vi: str
    name_en: str
    unit: str | None
    unit_version: str | None
    population: int | None  # its unit's


@dataclass(frozen=True)
class AgencyLink:
    predecessor: AgencyOnMap
    successor: AgencyOnMap
    population_share: float


@dataclass(frozen=True)
class AgencySuccessionImport:
    rows: int
    successors: int
    replaced: int  # rows stored before for those successors, now replaced


def _as_date(value: object) -> date | None:
    if value is None:
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _on_map(row: dict[str, Any]) -> AgencyOnMap:
    population = row["population"]
    return AgencyOnMap(
        str(row["code"]),
        str(row["name_vi"] or ""),
        str(row["name_en"] or ""),
        row["unit"],
        row["unit_version"],
        None if population is None else int(population),
    )


async def _agencies(codes: Collection[str]) -> dict[str, dict[str, Any]]:
    if not codes:
        return {}
    rows = await Agency.select(*_AGENCY_COLUMNS).where(Agency.code.is_in(sorted(set(codes))))
    return {str(r["code"]): r for r in rows}


def _pair_problem(before: dict[str, Any], after: dict[str, Any]) -> tuple[str, str] | None:
    """Why ``before`` cannot be continued by ``after``: (reason code, English message); None when it can."""
    if before["id"] == after["id"]:
        return "own_successor", f"{before['code']} cannot be its own successor"
    for row in (before, after):
        if not row["unit"]:
            return "no_unit", f"agency {row['code']} is on no administrative unit (set its unit first)"
    starts, started = _as_date(after["unit_from"]), _as_date(before["unit_from"])
    if before["unit_version"] == after["unit_version"] or (starts and started and starts <= started):
        return "map_order", (
            f"{after['code']} (map {after['unit_version']}) must be on a later map version than "
            f"{before['code']} (map {before['unit_version']})"
        )
    return None


def _links(rows: Iterable[dict[str, Any]]) -> list[AgencyLink]:
    found = [
        AgencyLink(
            AgencyOnMap(
                str(r["p_code"]),
                str(r["p_name_vi"] or ""),
                str(r["p_name_en"] or ""),
                r["p_unit"],
                r["p_unit_version"],
                None if r["p_population"] is None else int(r["p_population"]),
            ),
            AgencyOnMap(
                str(r["s_code"]),
                str(r["s_name_vi"] or ""),
                str(r["s_name_en"] or ""),
                r["s_unit"],
                r["s_unit_version"],
                None if r["s_population"] is None else int(r["s_population"]),
            ),
            float(r["population_share"]),
        )
        for r in rows
    ]
    return sorted(found, key=lambda link: (link.successor.code, link.predecessor.code))


def _side(column: Any, prefix: str) -> list[Any]:
    return [
        column.code.as_alias(f"{prefix}code"),
        column.name_vi.as_alias(f"{prefix}name_vi"),
        column.name_en.as_alias(f"{prefix}name_en"),
        column.unit.code.as_alias(f"{prefix}unit"),
        column.unit.unit_version.as_alias(f"{prefix}unit_version"),
        column.unit.population.as_alias(f"{prefix}population"),
    ]


async def stored_links(where: Any) -> list[AgencyLink]:
    """The stored agency successions matching ``where`` (no scope: callers choose what they show)."""
    rows = await AgencySuccession.select(
        *_side(AgencySuccession.predecessor, "p_"),
        *_side(AgencySuccession.successor, "s_"),
        AgencySuccession.population_share,
    ).where(where)
    return _links(rows)


async def _visible(
    actor: Actor, links: list[AgencyLink], other: Callable[[AgencyLink], str]
) -> list[AgencyLink]:
    """The links whose agency at the ``other`` end the actor sees: a province account never learns of
    another province's agency here (the deployment administrator may link agencies across provinces)."""
    if not actor.province_scoped:
        return links
    rows = await _agencies({other(link) for link in links})
    return [link for link in links if tenancy.sees(actor, rows[other(link)]["province"])]


class AgencySuccessionService:
    def __init__(self, map_changes: MapChangeService) -> None:
        self.map_changes = map_changes  # its revision changes with every write here

    async def _seen(self, actor: Actor, code: str) -> dict[str, Any]:
        row = (await _agencies([code])).get(code)
        if row is None or not tenancy.sees(actor, row["province"]):
            raise NotFound(f"no agency with code {code}")
        if actor.agency_scoped and row["id"] != actor.agency_id:
            raise NotFound(f"no agency with code {code}")
        return row

    async def predecessors(self, actor: Actor, code: str) -> list[AgencyLink]:
        """The agencies ``code`` continues (NotFound for an agency the actor does not see)."""
        row = await self._seen(actor, code)
        links = await stored_links(AgencySuccession.successor == row["id"])
        return await _visible(actor, links, lambda link: link.predecessor.code)

    async def successors(self, actor: Actor, code: str) -> list[AgencyLink]:
        """The agencies that continue ``code``."""
        row = await self._seen(actor, code)
        links = await stored_links(AgencySuccession.predecessor == row["id"])
        return await _visible(actor, links, lambda link: link.successor.code)

    async def set_predecessors(
        self, actor: Actor, code: str, items: Sequence[tuple[str, float]]
    ) -> list[AgencyLink]:
        """Replace the predecessors of agency ``code`` by ``items`` (agency code, population share); an
        empty list removes them. InvalidInput names every problem (``items[K].agency`` or
        ``items[K].population_share``)."""
        tenancy.refuse_read_only(actor)
        after = await self._seen(actor, code)
        rows = await _agencies([c for c, _ in items])
        problems: list[FieldProblem] = []
        seen: set[str] = set()
        for k, (before_code, share) in enumerate(items):
            where = f"items[{k}].agency"
            said: dict[str, str | int] = {"index": k, "agency": before_code}
            before = rows.get(before_code)
            if before is None or not tenancy.sees(actor, before["province"]):
                message = f"no agency with code {before_code}"
                problems.append(FieldProblem(where, message, "invalid", "unknown_agency", said))
                continue
            if before_code in seen:
                message = f"{before_code} is listed twice"
                problems.append(FieldProblem(where, message, "duplicate", "twice", said))
                continue
            seen.add(before_code)
            problem = _pair_problem(before, after)
            if problem:
                problems.append(FieldProblem(where, problem[1], "invalid", problem[0], said))
            if not (math.isfinite(share) and 0 < share <= 1):
                message = "must be more than 0 and at most 1"
                pointer = f"items[{k}].population_share"
                problems.append(FieldProblem(pointer, message, "invalid", "share_range", said))
        if not problems:
            parts = [(rows[c], s) for c, s in items]
            for k, reason, message in await _group_problems(after, parts):
                said = {"index": k, "agency": items[k][0]}
                problems.append(FieldProblem(f"items[{k}].agency", message, "invalid", reason, said))
        if problems:
            raise InvalidInput(f"the predecessors of {code} are not valid", problems)
        await self._replace({int(after["id"]): [(int(rows[c]["id"]), s) for c, s in items]})
        await audit.record(
            actor,
            "update",
            "agency_predecessors",
            code,
            {"predecessors": [{"agency": c, "population_share": s} for c, s in items]},
        )
        return await stored_links(AgencySuccession.successor == after["id"])

    async def import_lines(self, actor: Actor, lines: Iterable[str]) -> AgencySuccessionImport:
        """Replace the predecessors of every successor in a CSV file (see ``map_files``), all or nothing:
        the first problem refuses the file, naming its line."""
        tenancy.refuse_read_only(actor)
        parsed = parse_agency_successions(lines)
        rows = await _agencies({r.predecessor for r in parsed} | {r.successor for r in parsed})
        groups: dict[str, list[tuple[dict[str, Any], float, int]]] = {}
        for r in parsed:
            for code in (r.predecessor, r.successor):
                if code not in rows or not tenancy.sees(actor, rows[code]["province"]):
                    raise refuse(r.line, f"no agency with code {code}")
            problem = _pair_problem(rows[r.predecessor], rows[r.successor])
            if problem:
                raise refuse(r.line, problem[1])
            groups.setdefault(r.successor, []).append((rows[r.predecessor], r.population_share, r.line))
        plan: dict[int, list[tuple[int, float]]] = {}
        in_file = {int(rows[c]["id"]) for c in groups}
        in_file_shares: dict[int, float] = {}  # each predecessor's shares into all the file's successors
        for r in parsed:
            before_id = int(rows[r.predecessor]["id"])
            in_file_shares[before_id] = in_file_shares.get(before_id, 0.0) + r.population_share
        for successor, parts in groups.items():
            # its shares into the file's other successors: all of them but this successor's own
            elsewhere = dict(in_file_shares)
            for before, share, _ in parts:
                elsewhere[int(before["id"])] -= share
            found = await _group_problems(rows[successor], [(p, s) for p, s, _ in parts], in_file, elsewhere)
            if found:
                k, _, message = found[0]
                raise refuse(parts[k][2], message)
            plan[int(rows[successor]["id"])] = [(int(p["id"]), s) for p, s, _ in parts]
        replaced = await self._replace(plan)
        await audit.record(
            actor,
            "import",
            "agency_successions",
            "",
            {"rows": len(parsed), "successors": len(plan), "replaced": replaced},
        )
        return AgencySuccessionImport(len(parsed), len(plan), replaced)

    async def _replace(self, plan: dict[int, list[tuple[int, float]]]) -> int:
        """Delete the stored predecessors of the plan's successors and insert the plan's, in one
        transaction; the number of rows deleted."""
        now = datetime.now(UTC)
        async with write_transaction(AgencySuccession._meta.db):
            stored = await AgencySuccession.count().where(AgencySuccession.successor.is_in(sorted(plan)))
            await AgencySuccession.delete().where(AgencySuccession.successor.is_in(sorted(plan)))
            new = [
                AgencySuccession(
                    {
                        AgencySuccession.predecessor: before,
                        AgencySuccession.successor: after,
                        AgencySuccession.population_share: share,
                        AgencySuccession.recorded_at: now,
                    }
                )
                for after, parts in plan.items()
                for before, share in parts
            ]
            if new:
                await AgencySuccession.insert(*new)
        self.map_changes.changed()
        return int(stored)


async def _group_problems(
    after: dict[str, Any],
    parts: Sequence[tuple[dict[str, Any], float]],
    replaced: Collection[int] = (),
    elsewhere: dict[int, float] | None = None,
) -> list[tuple[int, str, str]]:
    """The problems of one successor's whole list of predecessors: (index in ``parts``, reason, message).

    Populations when several predecessors merge; each predecessor's shares into all its successors at most
    1: these, the stored ones of successors other than ``after`` and those in ``replaced`` (a file being
    imported replaces its successors' rows), and ``elsewhere`` (by predecessor id: its shares into the
    file's other successors)."""
    problems: list[tuple[int, str, str]] = []
    if len(parts) > 1:
        for k, (before, _) in enumerate(parts):
            if before["population"] is None:
                problems.append(
                    (
                        k,
                        "no_population",
                        f"{after['code']} continues several agencies, weighted by their units' populations, "
                        f"and the unit of {before['code']} ({before['unit']}) has no population",
                    )
                )
    ids = [int(before["id"]) for before, _ in parts]
    others: dict[int, float] = dict(elsewhere or {})
    if ids:
        stored = await AgencySuccession.select(
            AgencySuccession.predecessor, AgencySuccession.successor, AgencySuccession.population_share
        ).where(AgencySuccession.predecessor.is_in(ids))
        skip = {int(after["id"]), *replaced}
        for row in stored:
            if int(row["successor"]) not in skip:
                before_id = int(row["predecessor"])
                others[before_id] = others.get(before_id, 0.0) + float(row["population_share"])
    for k, (before, share) in enumerate(parts):
        total = others.get(int(before["id"]), 0.0) + share
        if total > 1 + SHARE_TOLERANCE:
            problems.append(
                (
                    k,
                    "share_sum",
                    f"the shares of {before['code']} into its successors would sum to {total:.4g}, over 1",
                )
            )
    return problems
