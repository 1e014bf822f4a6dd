"""Published results on another map: a frozen snapshot's figures carried to the units of a later map version.

Nothing is estimated and no snapshot is changed: the figures published under the old map (by agency, each
agency on a unit of the wave's map version) are combined per successor unit with the map's successions
(:mod:`survey_engine.results.across_maps`: weights share × population, SE of independent estimates). The
pages label every such figure as a re-mapping of results published under the old map.

Two uses: :func:`remap_snapshot` shows a whole published wave on a later map (``/results/{wave}/map/{v}``):
by successor unit, and by successor agency where an administrator recorded which agency continues which,
and :func:`carried_trend` gives a wave on the new map its previous wave's figures, computed from the
predecessor units' agencies, for the change column.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from survey_engine.administration.map_changes import MapChangeService, UnitRef
from survey_engine.results.across_maps import (
    CarriedFigure,
    MapBridge,
    PlainFigure,
    agency_bridge_links,
    carry_to_agencies,
    map_bridge,
)
from survey_engine.tables import AdminUnit, Wave, WaveAgency

__all__ = [
    "CarriedFrom",
    "RemappedAgencyRow",
    "RemappedRow",
    "RemappedWave",
    "carried_figure",
    "carried_trend",
    "remap_snapshot",
    "remap_targets",
    "wave_unit_versions",
]


@dataclass(frozen=True)
class CarriedFrom:
    """A predecessor unit in a re-mapped row: its name, the agency that stands for it, its weight."""

    unit: str
    unit_name: dict[str, str]
    agency: str
    agency_name: dict[str, str]
    weight: float


@dataclass(frozen=True)
class RemappedRow:
    unit: UnitRef  # the successor unit
    overall: dict[str, Any]  # a snapshot-like figure (``carried_figure``)
    elements: tuple[tuple[str, dict[str, str], dict[str, Any]], ...]  # (code, label, figure)
    parts: tuple[CarriedFrom, ...]


@dataclass(frozen=True)
class RemappedAgencyRow:
    """A later agency with recorded predecessor agencies: its figures carried from theirs."""

    agency: str
    name: dict[str, str]
    unit: str  # the successor agency's unit (on the later map)
    overall: dict[str, Any]
    elements: tuple[tuple[str, dict[str, str], dict[str, Any]], ...]
    parts: tuple[CarriedFrom, ...]


@dataclass(frozen=True)
class RemappedWave:
    wave: str
    from_version: str
    to_version: str
    rows: tuple[RemappedRow, ...]
    agencies: tuple[RemappedAgencyRow, ...] = ()


async def wave_unit_versions(codes: Collection[str]) -> dict[str, str]:
    """The map version each wave's results are on."""
    if not codes:
        return {}
    rows = await Wave.select(Wave.code, Wave.unit_version).where(Wave.code.is_in(sorted(codes)))
    return {str(r["code"]): str(r["unit_version"] or "") for r in rows}


def _plain(figure: Mapping[str, Any] | None) -> PlainFigure | None:
    if figure is None:
        return None
    estimate, se = figure.get("estimate"), figure.get("se")
    return PlainFigure(
        None if estimate is None else float(estimate),
        None if se is None else float(se),
        int(figure.get("n") or 0),
        figure.get("flag"),
    )


def _lookup(figures: Mapping[str, Any]) -> Callable[[str], PlainFigure | None]:
    return lambda agency: _plain(figures.get(agency))


def carried_figure(carried: CarriedFigure) -> dict[str, Any]:
    """A carried figure in the snapshot's figure shape, with ``carried_from`` (the map version it was
    computed on) and ``carried_reason`` (why not computed, else None)."""
    return {
        "estimate": carried.estimate,
        "se": carried.se,
        "ci_low": carried.ci_low,
        "ci_high": carried.ci_high,
        "n": carried.n,
        "flag": carried.flag,
        "flag_reason": None,
        "carried_from": carried.from_version,
        "carried_reason": carried.reason,
    }


def _agency_figures(snapshot: Mapping[str, Any], element: str | None = None) -> dict[str, Any]:
    if element is None:
        return {a["code"]: a.get("overall") for a in snapshot.get("agencies", [])}
    return {
        a["code"]: next((e for e in a.get("elements", []) if e.get("code") == element), None)
        for a in snapshot.get("agencies", [])
    }


def _level(snapshot: Mapping[str, Any]) -> float:
    return float((snapshot.get("method") or {}).get("level") or 0.95)


async def remap_targets(map_changes: MapChangeService, wave: str) -> list[str]:
    """The later map versions a wave's results can be shown on: those its units lead to (directly or
    through intermediate versions), or that an agency of the wave has a recorded successor on."""
    version = (await wave_unit_versions([wave])).get(wave, "")
    if not version:
        return []
    rows = await WaveAgency.select(WaveAgency.agency.code.as_alias("code")).where(
        WaveAgency.wave.code == wave
    )
    agencies = [str(r["code"]) for r in rows]
    versions = [v.unit_version for v in await map_changes.versions()]
    later = versions[versions.index(version) + 1 :] if version in versions else []
    return [
        v
        for v in later
        if await map_changes.chain(version, v) or await agency_bridge_links(version, v, agencies)
    ]


async def _bridge(
    map_changes: MapChangeService, snapshot: Mapping[str, Any], from_version: str, to_version: str
) -> MapBridge | None:
    return await map_bridge(map_changes, from_version, to_version, [a["code"] for a in snapshot["agencies"]])


async def remap_snapshot(
    map_changes: MapChangeService, wave: str, snapshot: Mapping[str, Any], to_version: str
) -> RemappedWave | None:
    """A published snapshot's agency figures carried to the successor units of ``to_version`` (None when
    the wave's map does not lead there)."""
    from_version = (await wave_unit_versions([wave])).get(wave, "")
    bridge = await _bridge(map_changes, snapshot, from_version, to_version)
    if bridge is None:
        return None
    level = _level(snapshot)
    overall = _agency_figures(snapshot)
    agencies = {a["code"]: a for a in snapshot["agencies"]}
    first = snapshot["agencies"][0] if snapshot["agencies"] else {}
    element_codes = [(e["code"], e.get("label") or {}) for e in first.get("elements", [])]
    by_element = {code: _agency_figures(snapshot, code) for code, _ in element_codes}
    units = {s.predecessor.code: s.predecessor for s in bridge.successions}
    rows = []
    for succession in bridge.successors():
        unit = succession.successor
        carried = bridge.carry(unit.code, lambda code: _plain(overall.get(code)), level)
        if carried is None:
            continue
        elements = []
        for code, label in element_codes:
            element = bridge.carry(unit.code, _lookup(by_element[code]), level)
            if element is not None:
                elements.append((code, dict(label), carried_figure(element)))
        parts = tuple(
            CarriedFrom(
                p.unit,
                {"vi": units[p.unit].name_vi, "en": units[p.unit].name_en},
                p.agency,
                dict(agencies[p.agency].get("name") or {}),
                p.weight,
            )
            for p in carried.parts
        )
        rows.append(RemappedRow(unit, carried_figure(carried), tuple(elements), parts))
    return RemappedWave(
        wave,
        from_version,
        to_version,
        tuple(rows),
        await _agency_rows(bridge, snapshot, element_codes, level),
    )


async def _unit_names(codes: Collection[str], version: str) -> dict[str, dict[str, str]]:
    if not codes:
        return {}
    rows = await AdminUnit.select(AdminUnit.code, AdminUnit.name_vi, AdminUnit.name_en).where(
        AdminUnit.code.is_in(sorted(codes)) & (AdminUnit.unit_version == version)
    )
    return {str(r["code"]): {"vi": str(r["name_vi"]), "en": str(r["name_en"] or "")} for r in rows}


async def _agency_rows(
    bridge: MapBridge,
    snapshot: Mapping[str, Any],
    element_codes: list[tuple[str, Any]],
    level: float,
) -> tuple[RemappedAgencyRow, ...]:
    """The later agencies with recorded predecessors among the snapshot's agencies, with their carried
    index and elements and the predecessor agencies they come from."""
    if not bridge.agency_parts:
        return ()
    overall = _agency_figures(snapshot)
    published = {a["code"]: a for a in snapshot["agencies"]}
    by_element = {code: _agency_figures(snapshot, code) for code, _ in element_codes}
    links = [link for parts in bridge.agency_parts.values() for link in parts]
    unit_names = await _unit_names({link.predecessor.unit or "" for link in links}, bridge.from_version)
    rows = []
    for code in bridge.successor_agencies():
        after = bridge.agency_parts[code][0].successor
        carried = bridge.carry_agency(code, _lookup(overall), level)
        if carried is None:
            continue
        elements = []
        for element_code, label in element_codes:
            element = bridge.carry_agency(code, _lookup(by_element[element_code]), level)
            if element is not None:
                elements.append((element_code, dict(label), carried_figure(element)))
        names = {link.predecessor.code: link.predecessor for link in bridge.agency_parts[code]}
        parts = tuple(
            CarriedFrom(
                p.unit,
                unit_names.get(p.unit) or {"vi": p.unit, "en": p.unit},
                p.agency,
                dict((published.get(p.agency) or {}).get("name") or {})
                or {"vi": names[p.agency].name_vi, "en": names[p.agency].name_en},
                p.weight,
            )
            for p in carried.parts
        )
        rows.append(
            RemappedAgencyRow(
                code,
                {"vi": after.name_vi, "en": after.name_en},
                after.unit or "",
                carried_figure(carried),
                tuple(elements),
                parts,
            )
        )
    return tuple(rows)


async def carried_trend(
    map_changes: MapChangeService,
    wave: str,
    snapshot: Mapping[str, Any],
    previous_wave: str,
    previous: Mapping[str, Any],
) -> dict[str, dict[str, Any]] | None:
    """The previous wave's overall figures carried to this wave's agencies, by agency code, when the
    previous wave is on an older map (None when both are on the same map or no succession links them).

    An agency receives a figure when it has recorded predecessor agencies, or when it is the only agency of
    this wave on its unit at the unit's level and its unit is a successor; a figure that cannot be
    computed carries its reason."""
    versions = await wave_unit_versions([wave, previous_wave])
    bridge = await _bridge(map_changes, previous, versions.get(previous_wave, ""), versions.get(wave, ""))
    if bridge is None:
        return None
    figures = _agency_figures(previous)
    carried = await carry_to_agencies(
        bridge, [a["code"] for a in snapshot["agencies"]], _lookup(figures), _level(previous)
    )
    return {code: carried_figure(c) for code, c in carried.items()}
