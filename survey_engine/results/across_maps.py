"""Figures across a change of the administrative map: a successor's figure from its predecessors'.

Results are by agency, and an agency sits on an administrative unit of one map version. After the merger
of 1 July 2025 a wave on the new map has agencies on units that did not exist before; its trend and a
wave published on the old map need the old figures carried to the new units. A :class:`MapBridge` holds,
for two map versions, the successions between them (``survey_engine.tables.map_changes``), which agency of
the earlier results stands for each predecessor unit, and the recorded agency successions;
:meth:`MapBridge.carry` and :meth:`MapBridge.carry_agency` combine the predecessors' figures with
:func:`sampling.succession.combine_predecessors` (weights share × population, SE of a linear combination of
independent estimates, normal interval).

Two ways to find a successor's predecessors, the recorded one first:

- **Agency successions** (``AgencySuccession``): an administrator recorded which agencies a later agency
  continues (a new province's Department of Justice continues the two old ones). The predecessor agencies'
  figures are combined with their units' populations. This is the only way for a province's departments,
  since several agencies sit on one province.
- **Unit successions**: a predecessor unit is represented by the one agency of the earlier results that
  sits on it at the unit's own level (a commune's People's Committee on its commune, a province-level
  agency on its province), and a later agency receives its unit's figure when it is the only one on it.

A figure is carried only when every predecessor has a published figure: with one missing, suppressed or
ambiguous (several agencies on one unit and no agency succession), the successor's figure is not computed
and the reason says why. Unit successions across several map versions are composed
(:meth:`MapChangeService.chain`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field

from sampling.results import IndexResult
from sampling.succession import PredecessorFigure, combine_predecessors
from survey_engine.administration.agency_successions import AgencyLink, stored_links
from survey_engine.administration.map_changes import MapChangeService, Succession
from survey_engine.tables import Agency, AgencySuccession

__all__ = [
    "CarriedFigure",
    "MapBridge",
    "PlainFigure",
    "agency_bridge_links",
    "agency_units",
    "carry_to_agencies",
    "index_figures",
    "map_bridge",
]

# Why a successor's figure could not be carried (codes; the pages word them from the catalogues).
NO_AGENCY = "no_agency"  # a predecessor unit has no agency in the earlier results
SEVERAL_AGENCIES = "several_agencies"  # a predecessor unit has several: which one stands for it is unknown
NOT_PUBLISHED = "not_published"  # a predecessor agency's figure is missing or suppressed
NO_POPULATION = "no_population"  # a merge without every predecessor's population


@dataclass(frozen=True)
class PlainFigure:
    """A figure as published or estimated: the part the combination needs."""

    estimate: float | None
    se: float | None
    n: int
    flag: str | None  # None | review | suppress


@dataclass(frozen=True)
class CarriedPart:
    unit: str  # the predecessor unit's code
    agency: str  # the agency that stands for it
    weight: float  # normalised: the parts' weights sum to 1


@dataclass(frozen=True)
class _Source:
    """One predecessor as a combination reads it: the key of its weight (a unit's code, or an agency's for
    an agency succession), its unit, the agency whose figure it takes, and what it carries."""

    key: str
    unit: str
    agency: str
    share: float
    population: int | None


@dataclass(frozen=True)
class CarriedFigure:
    """A successor's figure computed from its predecessors on the ``from_version`` map (``reason`` set
    and numbers None when it could not be)."""

    from_version: str
    successor: str  # the successor unit's code
    estimate: float | None
    se: float | None
    ci_low: float | None
    ci_high: float | None
    n: int  # the predecessors' respondents, together
    flag: str | None  # review when a predecessor's figure is to be read with care; suppress when not computed
    reason: str | None
    parts: tuple[CarriedPart, ...]
    level: float = 0.95  # of the interval


@dataclass(frozen=True)
class AgencyUnit:
    unit: str
    unit_version: str
    unit_level: str
    agency_level: str


async def agency_units(codes: Collection[str]) -> dict[str, AgencyUnit]:
    """The units that agencies sit on (agencies without a unit are left out)."""
    if not codes:
        return {}
    rows = await Agency.select(
        Agency.code,
        Agency.level,
        Agency.unit.code.as_alias("unit"),
        Agency.unit.unit_version.as_alias("unit_version"),
        Agency.unit.level.as_alias("unit_level"),
    ).where(Agency.code.is_in(sorted(codes)))
    return {
        str(r["code"]): AgencyUnit(
            str(r["unit"]), str(r["unit_version"]), str(r["unit_level"]), str(r["level"])
        )
        for r in rows
        if r["unit"]
    }


@dataclass(frozen=True)
class MapBridge:
    """The successions from ``from_version`` to ``to_version``, the earlier agencies on the predecessor
    units (None: several agencies, ambiguous), and the recorded predecessors of later agencies (by the
    successor agency's code; only successors on ``to_version`` with a predecessor in the earlier results)."""

    from_version: str
    to_version: str
    successions: tuple[Succession, ...]
    predecessor_agency: Mapping[str, str | None]
    agency_parts: Mapping[str, tuple[AgencyLink, ...]] = field(default_factory=dict)

    def successor_agencies(self) -> list[str]:
        """The later agencies with recorded predecessors, in code order."""
        return sorted(self.agency_parts)

    def successors(self) -> list[Succession]:
        """One succession per successor unit (its first), in code order: the units a re-mapping shows."""
        seen: dict[str, Succession] = {}
        for s in self.successions:
            seen.setdefault(s.successor.code, s)
        return [seen[code] for code in sorted(seen)]

    def predecessors_of(self, successor: str) -> list[Succession]:
        return [s for s in self.successions if s.successor.code == successor]

    def carry(
        self, successor: str, figure_of: Callable[[str], PlainFigure | None], level: float = 0.95
    ) -> CarriedFigure | None:
        """The successor unit's figure from its predecessors' agencies' figures (``figure_of`` by agency
        code); None when the successor has no predecessor on ``from_version``."""
        parts = self.predecessors_of(successor)
        if not parts:
            return None
        sources = []
        for s in parts:
            unit = s.predecessor.code
            if unit not in self.predecessor_agency:
                return self._not_carried(successor, NO_AGENCY)
            agency = self.predecessor_agency[unit]
            if agency is None:
                return self._not_carried(successor, SEVERAL_AGENCIES)
            sources.append(_Source(unit, unit, agency, s.population_share, s.predecessor.population))
        return self._combine(successor, sources, figure_of, level)

    def carry_agency(
        self, successor: str, figure_of: Callable[[str], PlainFigure | None], level: float = 0.95
    ) -> CarriedFigure | None:
        """A later agency's figure from its recorded predecessor agencies' figures (None when it has no
        recorded predecessor in this bridge). ``successor`` of the result is the agency's code."""
        links = self.agency_parts.get(successor)
        if not links:
            return None
        sources = [
            _Source(
                link.predecessor.code,
                link.predecessor.unit or "",
                link.predecessor.code,
                link.population_share,
                link.predecessor.population,
            )
            for link in links
        ]
        return self._combine(successor, sources, figure_of, level)

    def _combine(
        self,
        successor: str,
        sources: list[_Source],
        figure_of: Callable[[str], PlainFigure | None],
        level: float,
    ) -> CarriedFigure:
        """The successor's figure from its sources' agencies' figures, or why it cannot be computed."""
        inputs: list[PredecessorFigure] = []
        n, review = 0, False
        for source in sources:
            found = figure_of(source.agency)
            if (
                found is None
                or found.flag == "suppress"
                or found.estimate is None
                or not math.isfinite(found.estimate)
            ):
                return self._not_carried(successor, NOT_PUBLISHED)
            review = review or found.flag == "review"
            n += found.n
            inputs.append(
                PredecessorFigure(source.key, found.estimate, found.se, source.share, source.population)
            )
        try:
            combined = combine_predecessors(inputs, level)
        except ValueError:
            return self._not_carried(successor, NO_POPULATION)
        by_key = {source.key: source for source in sources}
        return CarriedFigure(
            from_version=self.from_version,
            successor=successor,
            estimate=combined.estimate,
            se=combined.se,
            ci_low=combined.ci_low,
            ci_high=combined.ci_high,
            n=n,
            flag="review" if review else None,
            reason=None,
            parts=tuple(
                CarriedPart(by_key[key].unit, by_key[key].agency, weight)
                for key, weight in sorted(combined.weights.items())
            ),
            level=level,
        )

    def _not_carried(self, successor: str, reason: str) -> CarriedFigure:
        return CarriedFigure(self.from_version, successor, None, None, None, None, 0, "suppress", reason, ())


async def agency_bridge_links(
    from_version: str, to_version: str, earlier_agencies: Collection[str]
) -> dict[str, tuple[AgencyLink, ...]]:
    """The recorded predecessors of every agency on ``to_version`` that continues one of
    ``earlier_agencies`` on ``from_version``, by successor code (each successor with all its predecessors,
    so that one missing from the earlier results leaves its figure not computed)."""
    if not earlier_agencies:
        return {}
    leading = await stored_links(
        AgencySuccession.predecessor.code.is_in(sorted(earlier_agencies))
        & (AgencySuccession.predecessor._.unit._.unit_version == from_version)
        & (AgencySuccession.successor._.unit._.unit_version == to_version)
    )
    successors = sorted({link.successor.code for link in leading})
    if not successors:
        return {}
    parts: dict[str, list[AgencyLink]] = {}
    for link in await stored_links(AgencySuccession.successor.code.is_in(successors)):
        parts.setdefault(link.successor.code, []).append(link)
    return {code: tuple(links) for code, links in sorted(parts.items())}


async def map_bridge(
    map_changes: MapChangeService, from_version: str, to_version: str, earlier_agencies: Collection[str]
) -> MapBridge | None:
    """The bridge between two map versions for results whose agencies are ``earlier_agencies`` (None when
    the versions are the same or no succession links them)."""
    if not from_version or not to_version or from_version == to_version:
        return None
    successions = tuple(await map_changes.chain(from_version, to_version))
    agency_parts = await agency_bridge_links(from_version, to_version, earlier_agencies)
    if not successions and not agency_parts:
        return None
    on_unit: dict[str, list[str]] = {}
    for code, unit in (await agency_units(earlier_agencies)).items():
        if unit.unit_version == from_version and unit.unit_level == unit.agency_level:
            on_unit.setdefault(unit.unit, []).append(code)
    chosen = {unit: (codes[0] if len(codes) == 1 else None) for unit, codes in on_unit.items()}
    return MapBridge(from_version, to_version, successions, chosen, agency_parts)


async def carry_to_agencies(
    bridge: MapBridge,
    agencies: Collection[str],
    figure_of: Callable[[str], PlainFigure | None],
    level: float = 0.95,
) -> dict[str, CarriedFigure]:
    """The earlier results carried to later agencies (by code): an agency with recorded predecessor
    agencies receives their combined figure; another receives its unit's carried figure when it is the
    only one of ``agencies`` on that successor unit at the unit's own level."""
    out: dict[str, CarriedFigure] = {}
    for code in agencies:
        carried = bridge.carry_agency(code, figure_of, level)
        if carried is not None:
            out[code] = carried
    on_unit: dict[str, list[str]] = {}
    for code, unit in (await agency_units(agencies)).items():
        if unit.unit_version == bridge.to_version and unit.unit_level == unit.agency_level:
            on_unit.setdefault(unit.unit, []).append(code)
    for unit_code, codes in on_unit.items():
        if len(codes) != 1 or codes[0] in out:
            continue
        carried = bridge.carry(unit_code, figure_of, level)
        if carried is not None:
            out[codes[0]] = carried
    return out


def index_figures(result: IndexResult, variable: str) -> tuple[Callable[[str], PlainFigure | None], float]:
    """An estimation's ``variable`` by agency, as :meth:`MapBridge.carry` reads figures, and its level."""

    def figure_of(agency: str) -> PlainFigure | None:
        try:
            e = result.groups.estimates[result.groups.find(variable, {"agency": agency})]
        except KeyError:
            return None
        return PlainFigure(e.estimate, e.se, int(e.n), e.flag)

    return figure_of, next((e.level for e in result.groups.estimates), 0.95)
