"""The real-time counter dashboard (per agency, or the whole province) and the officers' counter results.

Counter ratings are kept apart from the survey index: self-selected ratings of dossiers, never pooled
with a sample survey, shown with their own figures (:mod:`survey_engine.integrations.counter_stats`):
on ``counter-3`` the share satisfied (satisfied or very satisfied) and very satisfied; on ``decree61-9``
the Decree 61 score (the mean total of the nine indicators, out of 18) and its grading band.

Scope: administrators and statisticians see any agency and the province; an agency user only its own
agency. Officers' results are for the agency's own management only (the agency role of that agency):
never for other roles, never on public pages; an officer with fewer than :data:`OFFICER_MIN_N` ratings in
the period shows the count only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from survey_engine import tenancy
from survey_engine.actors import SYSTEM, Actor
from survey_engine.errors import Forbidden, NotFound
from survey_engine.integrations import counter_stats
from survey_engine.integrations.counter_stats import Figure
from survey_engine.integrations.counter_tallies import (
    PERIODS,
    CounterWave,
    Tally,
    counter_waves,
    period_starts,
    tallies,
)
from survey_engine.tables import Agency, Officer, Wave

OFFICER_MIN_N = 30  # fewer ratings than this: an officer's figures would mostly show who chose to rate


@dataclass(frozen=True)
class Figures:
    """One period's figures for one group (None where no rating of that instrument came in)."""

    n_counter: int
    levels: dict[int, int]
    satisfied: Figure | None  # share rating 2 or 3 on counter-3
    very_satisfied: Figure | None
    n_decree61: int
    d61_score: Figure | None  # mean total, 0–18
    d61_band: str | None

    @classmethod
    def of(cls, tally: Tally | None, min_n: int = 1) -> Figures:
        """The figures of ``tally``; an instrument with fewer than ``min_n`` ratings gets counts only."""
        tally = tally or Tally()
        n = sum(tally.levels.values())
        n_d61 = sum(tally.d61_totals.values())
        score = counter_stats.mean(tally.d61_totals) if n_d61 >= min_n else None
        shown = n >= min_n
        return cls(
            n_counter=n,
            levels={k: tally.levels.get(k, 0) for k in (3, 2, 1)},
            satisfied=counter_stats.share(tally.levels[2] + tally.levels[3], n) if shown else None,
            very_satisfied=counter_stats.share(tally.levels[3], n) if shown else None,
            n_decree61=n_d61,
            d61_score=score,
            d61_band=counter_stats.d61_band(score.estimate) if score else None,
        )

    def as_json(self) -> dict[str, object]:
        score = self.d61_score
        return {
            "counter_3": {
                "n": self.n_counter,
                "very_satisfied": self.levels[3],
                "satisfied": self.levels[2],
                "dissatisfied": self.levels[1],
                "share_satisfied": self.satisfied.as_json(100) if self.satisfied else None,
                "share_very_satisfied": self.very_satisfied.as_json(100) if self.very_satisfied else None,
            },
            "decree61_9": {
                "n": self.n_decree61,
                "score": score.as_json() if score else None,
                "score_percent": 100 * score.estimate / counter_stats.D61_MAX if score else None,
                "band": self.d61_band,
            },
        }


@dataclass(frozen=True)
class Dashboard:
    agency: str | None  # None: the whole province
    as_of: datetime
    starts: dict[str, datetime]
    periods: dict[str, Figures]
    agencies: dict[str, Figures]  # this month, per agency (province view; empty for one agency)

    def as_json(self) -> dict[str, object]:
        return {
            "scope": "agency" if self.agency else "province",
            "agency": self.agency,
            "as_of": self.as_of.isoformat(),
            "periods": {
                p: {"since": self.starts[p].isoformat(), **self.periods[p].as_json()} for p in PERIODS
            },
            "agencies": {code: f.as_json() for code, f in sorted(self.agencies.items())},
        }


@dataclass(frozen=True)
class OfficerRow:
    code: str
    name: str | None  # None: a code the one-stop system sends that the register does not hold
    figures: Figures | None  # None below the minimum number of ratings
    n: int

    def as_json(self) -> dict[str, object]:
        return {
            "officer": self.code,
            "name": self.name,
            "n": self.n,
            "shown": self.figures is not None,
            "figures": self.figures.as_json() if self.figures else None,
        }


class CounterDashboardService:
    async def _agency(self, actor: Actor, code: str) -> tuple[int, str]:
        row = await Agency.select(Agency.id, Agency.code, Agency.province).where(Agency.code == code).first()
        if row is None or (actor.agency_scoped and int(row["id"]) != actor.agency_id):
            raise NotFound(f"no agency with code {code}")
        if not tenancy.sees(actor, row["province"]):
            raise NotFound(f"no agency with code {code}")
        return int(row["id"]), str(row["code"])

    async def agency_id(self, code: str) -> int:
        """The id of the agency with this code (NotFound otherwise), for the command line's scope."""
        return (await self._agency(SYSTEM, code))[0]

    async def province_id(self, code: str) -> int:
        """The id of the province with this code (NotFound otherwise), for the command line's scope."""
        found = await tenancy.province_id(code)
        if found is None:
            raise NotFound(f"no province with code {code}")
        return found

    async def dashboard(self, actor: Actor, agency: str | None, now: datetime | None = None) -> Dashboard:
        """One agency's dashboard, or (``agency`` None) the province's; an agency user always gets its own."""
        if actor.role not in ("admin", "statistician", "agency", "ministry"):
            raise Forbidden(f"the {actor.role} role may not see the counter dashboard")
        now = now or datetime.now(UTC)
        if actor.agency_scoped and agency is None:
            agency = actor.agency_code
        agency_id = None
        if agency is not None:
            agency_id, agency = await self._agency(actor, agency)
        found = await tallies(await _visible_counter_waves(actor), now, agency_id)
        periods = {p: Figures.of(_merged(found[p].values())) for p in PERIODS}
        per_agency: dict[str, Figures] = {}
        if agency_id is None and found["month"]:
            codes = {
                int(r["id"]): str(r["code"])
                for r in await Agency.select(Agency.id, Agency.code).where(
                    Agency.id.is_in([int(k) for k in found["month"] if isinstance(k, int)])
                )
            }
            per_agency = {
                codes[int(k)]: Figures.of(t) for k, t in found["month"].items() if isinstance(k, int)
            }
        return Dashboard(agency, now, period_starts(now), periods, per_agency)

    async def officer_results(
        self, actor: Actor, agency: str, period: str = "month", now: datetime | None = None
    ) -> list[OfficerRow]:
        """Per-officer counter figures of the actor's own agency (agency management only)."""
        agency_id, _ = await self.own_agency(actor, agency)
        if period not in PERIODS:
            raise NotFound(f"no period {period}")
        found = await tallies(await counter_waves(), now or datetime.now(UTC), agency_id, by="officer")
        names = {
            str(r["code"]): str(r["name"])
            for r in await Officer.select(Officer.code, Officer.name).where(Officer.agency == agency_id)
        }
        rows = []
        for code, tally in sorted(found[period].items(), key=lambda kv: str(kv[0])):
            # The minimum applies to each instrument: a figure on fewer ratings is never shown.
            n = sum(tally.levels.values()) + sum(tally.d61_totals.values())
            figures = Figures.of(tally, OFFICER_MIN_N)
            shown = figures if figures.satisfied or figures.d61_score else None
            rows.append(OfficerRow(str(code), names.get(str(code)), shown, n))
        return rows

    async def own_agency(self, actor: Actor, agency: str) -> tuple[int, str]:
        """The agency of an agency user asking about its own agency; everyone else is refused."""
        if actor.role != "agency":
            raise Forbidden("officers and their results are for the agency's own staff only")
        return await self._agency(actor, agency)


async def _visible_counter_waves(actor: Actor) -> list[CounterWave]:
    """The counter waves of the actor's province (every one for a national account)."""
    waves = await counter_waves()
    if not actor.province_scoped:
        return waves
    mine = {int(r["id"]) for r in await tenancy.in_scope(Wave.select(Wave.id), actor, Wave.province)}
    return [w for w in waves if w.wave_id in mine]


def _merged(tallies_of_groups: Iterable[Tally]) -> Tally:
    total = Tally()
    for tally in tallies_of_groups:
        total.levels.update(tally.levels)
        total.d61_totals.update(tally.d61_totals)
    return total
