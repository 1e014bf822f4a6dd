"""Loading the administrative map and its changes: units from CSV, which unit became which, and reading it.

The map changed on 1 July 2025 (63 → 34 provinces, no districts, communes merged). Units are versioned
(``AdminUnit``: a code within a ``unit_version``); a succession row says that a share of a predecessor's
population went to a successor on a later version. Imports are all or nothing: the first problem refuses
the whole file (:class:`InvalidInput` naming the line), nothing is written.

Importing successions replaces, for every predecessor in the file, its successions into the versions the
file names (so a corrected file can be imported again); the shares of one predecessor into one version sum
to 1, successors start after their predecessors (version order), the versions form no cycle, and a unit
that several predecessors merge into needs every predecessor's population (the merge is weighted by it).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import pairwise
from typing import Any

from piccolo.query.functions.aggregate import Count, Min

from survey_engine.administration.map_files import (
    LEVELS,
    SuccessionLine,
    parse_successions,
    parse_units,
    refuse,
)
from survey_engine.errors import NotFound
from survey_engine.tables import AdminUnit, AgencySuccession, UnitSuccession
from survey_engine.transactions import write_transaction

__all__ = [
    "MapChangeService",
    "MapVersion",
    "Succession",
    "SuccessionImport",
    "UnitImport",
    "UnitRef",
]


@dataclass(frozen=True)
class UnitRef:
    code: str
    unit_version: str
    name_vi: str
    name_en: str
    level: str
    population: int | None


@dataclass(frozen=True)
class Succession:
    predecessor: UnitRef
    successor: UnitRef
    population_share: float


@dataclass(frozen=True)
class UnitImport:
    created: int
    updated: int


@dataclass(frozen=True)
class SuccessionImport:
    rows: int
    predecessors: int
    replaced: int  # rows stored before for those predecessors and versions, now replaced


@dataclass(frozen=True)
class MapVersion:
    unit_version: str
    valid_from: date  # its earliest unit's
    units: int


_UNIT_COLUMNS = (
    AdminUnit.id,
    AdminUnit.code,
    AdminUnit.unit_version,
    AdminUnit.name_vi,
    AdminUnit.name_en,
    AdminUnit.level,
    AdminUnit.parent_code,
    AdminUnit.valid_from,
    AdminUnit.valid_to,
    AdminUnit.population,
)


def _as_date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _ref(row: dict[str, Any], prefix: str = "") -> UnitRef:
    population = row[f"{prefix}population"]
    return UnitRef(
        str(row[f"{prefix}code"]),
        str(row[f"{prefix}unit_version"]),
        str(row[f"{prefix}name_vi"]),
        str(row[f"{prefix}name_en"] or ""),
        str(row[f"{prefix}level"]),
        None if population is None else int(population),
    )


def _side(column: Any, prefix: str) -> list[Any]:
    return [
        getattr(column, name).as_alias(f"{prefix}{name}")
        for name in ("code", "unit_version", "name_vi", "name_en", "level", "population")
    ]


async def _units_of(versions: Iterable[str]) -> dict[tuple[str, str], dict[str, Any]]:
    wanted = sorted(set(versions))
    if not wanted:
        return {}
    rows = await AdminUnit.select(*_UNIT_COLUMNS).where(AdminUnit.unit_version.is_in(wanted))
    return {(str(r["unit_version"]), str(r["code"])): r for r in rows}


def _find_cycle(edges: dict[str, set[str]]) -> set[tuple[str, str]]:
    """The edges on some cycle of a small directed graph (empty when it has none)."""
    on_cycle: set[tuple[str, str]] = set()
    for start in edges:
        stack = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for after in edges.get(node, ()):
                if after == start:
                    route = [*path, start]
                    on_cycle.update(pairwise(route))
                elif after not in path:
                    stack.append((after, [*path, after]))
    return on_cycle


class MapChangeService:
    async def versions(self) -> list[MapVersion]:
        """The map versions, oldest first (by their earliest unit's valid_from); the last is current."""
        rows = await AdminUnit.select(
            AdminUnit.unit_version,
            Min(AdminUnit.valid_from, alias="valid_from"),
            Count(AdminUnit.id, alias="units"),
        ).group_by(AdminUnit.unit_version)
        found = [MapVersion(str(r["unit_version"]), _as_date(r["valid_from"]), int(r["units"])) for r in rows]
        return sorted(found, key=lambda m: (m.valid_from, m.unit_version))

    def __init__(self, ttl: float = 5.0) -> None:
        self.ttl = ttl
        self._revision: tuple[float, str] | None = None

    async def revision(self) -> str:
        """Changes whenever unit or agency successions are imported or changed (a key for pages that show
        carried figures; rows are replaced, never updated in place, so count and last id see it). Read at
        most every ``ttl`` seconds: an import by another process shows within that time, at once in this
        one."""
        now = time.monotonic()
        if self._revision is not None and now - self._revision[0] < self.ttl:
            return self._revision[1]
        parts = []
        for table in (UnitSuccession, AgencySuccession):
            rows = await table.select(table.id).order_by(table.id, ascending=False).limit(1)
            parts.append(f"{await table.count()}:{rows[0]['id'] if rows else 0}")
        revision = ":".join(parts)
        self._revision = (now, revision)
        return revision

    def changed(self) -> None:
        """Forget the revision read last: this process has just changed the successions."""
        self._revision = None

    # -- units ---------------------------------------------------------------------------------------

    async def import_units(self, lines: Iterable[str]) -> UnitImport:
        """Create or update the units of a CSV file (see ``map_files.UNIT_COLUMNS``), all or nothing."""
        units = parse_units(lines)
        stored = await _units_of(u.unit_version for u in units)
        in_file = {(u.unit_version, u.code): u for u in units}
        rank = {level: i for i, level in enumerate(LEVELS)}
        for unit in units:
            if unit.parent_code is None:
                continue
            key = (unit.unit_version, unit.parent_code)
            parent_level = in_file[key].level if key in in_file else (stored.get(key) or {}).get("level")
            if parent_level is None:
                raise refuse(
                    unit.line, f"unknown parent_code {unit.parent_code} in version {unit.unit_version}"
                )
            if rank[str(parent_level)] >= rank[unit.level]:
                raise refuse(
                    unit.line, f"parent {unit.parent_code} is a {parent_level}, not above a {unit.level}"
                )
        created = updated = 0
        async with write_transaction(AdminUnit._meta.db):
            for unit in units:
                values: dict[Any, Any] = {
                    AdminUnit.name_vi: unit.name_vi,
                    AdminUnit.name_en: unit.name_en,
                    AdminUnit.level: unit.level,
                    AdminUnit.parent_code: unit.parent_code,
                    AdminUnit.valid_from: unit.valid_from,
                    AdminUnit.valid_to: unit.valid_to,
                    AdminUnit.population: unit.population,
                }
                existing = stored.get((unit.unit_version, unit.code))
                if existing is not None:
                    await AdminUnit.update(values).where(AdminUnit.id == existing["id"])
                    updated += 1
                else:
                    await AdminUnit.insert(
                        AdminUnit(
                            {AdminUnit.code: unit.code, AdminUnit.unit_version: unit.unit_version, **values}
                        )
                    )
                    created += 1
        return UnitImport(created, updated)

    # -- successions ---------------------------------------------------------------------------------

    async def import_successions(self, lines: Iterable[str]) -> SuccessionImport:
        """Replace the successions of the file's predecessors into the file's versions, all or nothing."""
        rows = parse_successions(lines)
        versions = {r.predecessor_version for r in rows} | {r.successor_version for r in rows}
        units = await _units_of(versions)
        ids: dict[int, tuple[int, int]] = {}
        for r in rows:
            before = units.get((r.predecessor_version, r.predecessor_code))
            after = units.get((r.successor_version, r.successor_code))
            if before is None:
                raise refuse(r.line, f"unknown unit {r.predecessor_code} in version {r.predecessor_version}")
            if after is None:
                raise refuse(r.line, f"unknown unit {r.successor_code} in version {r.successor_version}")
            _check_order(r, before, after)
            ids[r.line] = (int(before["id"]), int(after["id"]))
        replaced_keys = {(ids[r.line][0], r.successor_version) for r in rows}
        stored = await UnitSuccession.select(
            UnitSuccession.id,
            UnitSuccession.predecessor,
            UnitSuccession.successor,
            UnitSuccession.predecessor.unit_version.as_alias("before_version"),
            UnitSuccession.successor.unit_version.as_alias("after_version"),
            UnitSuccession.predecessor.population.as_alias("before_population"),
        )
        kept = [s for s in stored if (int(s["predecessor"]), str(s["after_version"])) not in replaced_keys]
        replaced = [int(s["id"]) for s in stored if s not in kept]
        _check_cycles(rows, kept)
        await _check_merge_populations(rows, ids, units, kept)
        now = datetime.now(UTC)
        async with write_transaction(UnitSuccession._meta.db):
            if replaced:
                await UnitSuccession.delete().where(UnitSuccession.id.is_in(replaced))
            await UnitSuccession.insert(
                *[
                    UnitSuccession(
                        {
                            UnitSuccession.predecessor: ids[r.line][0],
                            UnitSuccession.successor: ids[r.line][1],
                            UnitSuccession.population_share: r.population_share,
                            UnitSuccession.imported_at: now,
                        }
                    )
                    for r in rows
                ]
            )
        self._revision = None
        return SuccessionImport(len(rows), len({ids[r.line][0] for r in rows}), len(replaced))

    async def _unit_id(self, code: str, version: str) -> int:
        row = (
            await AdminUnit.select(AdminUnit.id)
            .where((AdminUnit.code == code) & (AdminUnit.unit_version == version))
            .first()
        )
        if row is None:
            raise NotFound(f"no unit {code} in map version {version}")
        return int(row["id"])

    async def _successions(self, where: Any) -> list[Succession]:
        rows = await UnitSuccession.select(
            *_side(UnitSuccession.predecessor, "p_"),
            *_side(UnitSuccession.successor, "s_"),
            UnitSuccession.population_share,
        ).where(where)
        found = [Succession(_ref(r, "p_"), _ref(r, "s_"), float(r["population_share"])) for r in rows]
        return sorted(
            found,
            key=lambda s: (
                s.successor.unit_version,
                s.successor.code,
                s.predecessor.unit_version,
                s.predecessor.code,
            ),
        )

    async def successors(self, code: str, version: str) -> list[Succession]:
        """What a unit became (NotFound for an unknown unit; empty when it did not change)."""
        return await self._successions(UnitSuccession.predecessor == await self._unit_id(code, version))

    async def predecessors(self, code: str, version: str) -> list[Succession]:
        """What a unit came from (NotFound for an unknown unit; empty for a unit with no recorded past)."""
        return await self._successions(UnitSuccession.successor == await self._unit_id(code, version))

    async def between(self, earlier: str, later: str) -> list[Succession]:
        """Every succession from units of version ``earlier`` directly to units of version ``later``."""
        return await self._successions(
            (UnitSuccession.predecessor.unit_version == earlier)
            & (UnitSuccession.successor.unit_version == later)
        )

    async def chain(self, earlier: str, later: str) -> list[Succession]:
        """The successions from units of version ``earlier`` to units of version ``later``: the direct ones
        when there are any, else those through the fewest intermediate versions, composed (a unit's share
        into the last version is the sum, over the routes, of the products of the shares; its population
        is the first version's). Empty when no chain of successions links the two versions."""
        direct = await self.between(earlier, later)
        if direct or earlier == later:
            return direct
        rows = await UnitSuccession.select(
            UnitSuccession.predecessor.unit_version.as_alias("before"),
            UnitSuccession.successor.unit_version.as_alias("after"),
        ).distinct()
        edges: dict[str, set[str]] = {}
        for r in rows:
            edges.setdefault(str(r["before"]), set()).add(str(r["after"]))
        path = _shortest_path(edges, earlier, later)
        if path is None:
            return []
        return _compose([await self.between(a, b) for a, b in pairwise(path)])


def _shortest_path(edges: dict[str, set[str]], start: str, end: str) -> list[str] | None:
    """The versions on a shortest route from ``start`` to ``end`` (breadth first; ties by version name)."""
    came_from: dict[str, str | None] = {start: None}
    frontier = [start]
    while frontier:
        following: list[str] = []
        for node in frontier:
            for after in sorted(edges.get(node, ())):
                if after in came_from:
                    continue
                came_from[after] = node
                if after == end:
                    route = [end]
                    while (previous := came_from[route[-1]]) is not None:
                        route.append(previous)
                    return route[::-1]
                following.append(after)
        frontier = following
    return None


def _compose(steps: list[list[Succession]]) -> list[Succession]:
    """Successions through several map versions as one: the share of a first-version unit's population
    that reached a last-version unit is the sum over the routes of the products of the shares."""
    reached: dict[str, dict[str, tuple[UnitRef, UnitRef, float]]] = {}
    for s in steps[0]:
        starts = reached.setdefault(s.predecessor.code, {})
        starts[s.successor.code] = (s.predecessor, s.successor, s.population_share)
    for step in steps[1:]:
        onward: dict[str, list[Succession]] = {}
        for s in step:
            onward.setdefault(s.predecessor.code, []).append(s)
        following: dict[str, dict[str, tuple[UnitRef, UnitRef, float]]] = {}
        for first, middles in reached.items():
            for origin, middle, share in middles.values():
                for s in onward.get(middle.code, ()):
                    before = following.setdefault(first, {}).get(s.successor.code)
                    carried = share * s.population_share + (before[2] if before else 0.0)
                    following[first][s.successor.code] = (origin, s.successor, carried)
        reached = following
    found = [Succession(p, s, share) for ends in reached.values() for p, s, share in ends.values()]
    return sorted(found, key=lambda s: (s.successor.code, s.predecessor.code))


def _check_order(r: SuccessionLine, before: dict[str, Any], after: dict[str, Any]) -> None:
    starts, ends = _as_date(after["valid_from"]), before["valid_to"]
    if starts <= _as_date(before["valid_from"]):
        raise refuse(
            r.line,
            f"version order: {r.successor_code} ({r.successor_version}) starts on {starts}, "
            f"not after {r.predecessor_code} ({r.predecessor_version}) which starts on "
            f"{_as_date(before['valid_from'])}",
        )
    if ends is not None and _as_date(ends) >= starts:
        raise refuse(
            r.line,
            f"version order: {r.predecessor_code} ({r.predecessor_version}) is valid until {_as_date(ends)}, "
            f"on or after {r.successor_code} starts ({starts})",
        )


def _check_cycles(rows: list[SuccessionLine], kept: list[dict[str, Any]]) -> None:
    """The map versions, linked predecessor → successor by every succession, must form no cycle."""
    edges: dict[str, set[str]] = {}
    for s in kept:
        edges.setdefault(str(s["before_version"]), set()).add(str(s["after_version"]))
    for r in rows:
        edges.setdefault(r.predecessor_version, set()).add(r.successor_version)
    on_cycle = _find_cycle(edges)
    for r in rows:
        if (r.predecessor_version, r.successor_version) in on_cycle:
            raise refuse(
                r.line,
                f"cycle: version {r.predecessor_version} → {r.successor_version} closes a loop of versions",
            )


async def _check_merge_populations(
    rows: list[SuccessionLine],
    ids: dict[int, tuple[int, int]],
    units: dict[tuple[str, str], dict[str, Any]],
    kept: list[dict[str, Any]],
) -> None:
    """A successor with several predecessors is weighted by their populations: each must be known."""
    predecessors: dict[int, dict[int, int | None]] = {}
    for s in kept:
        population = s["before_population"]
        predecessors.setdefault(int(s["successor"]), {})[int(s["predecessor"])] = (
            None if population is None else int(population)
        )
    for r in rows:
        population = units[(r.predecessor_version, r.predecessor_code)]["population"]
        predecessors.setdefault(ids[r.line][1], {})[ids[r.line][0]] = (
            None if population is None else int(population)
        )
    # The line of the predecessor without a population when it is in the file, else the merge's first line.
    for own_only in (True, False):
        for r in rows:
            merged = predecessors[ids[r.line][1]]
            missing = [p for p, population in merged.items() if population is None]
            if len(merged) < 2 or not missing or (own_only and ids[r.line][0] not in missing):
                continue
            unknown = f"{r.predecessor_code}" if ids[r.line][0] in missing else "a stored predecessor"
            raise refuse(
                r.line,
                f"{r.successor_code} ({r.successor_version}) merges several units, weighted by their "
                f"populations, and {unknown} has no population (import the units' population first)",
            )
