"""Cell sums kept ready in the background of a server, so that no operator has to run
``sipas db warm-cells`` after a bulk load for the first request of each column to be quick.

Every round (:class:`CellsUpkeep`, run by the server every few minutes) looks for the waves with at least
:data:`.stored_cells.STORE_MIN_RESPONSES` complete responses and, for each, the sets of domain columns
:func:`.cells_warming.domain_sets` names (every column a request may name alone) whose stored set is
missing or was read whole more than :data:`.cells_warming.REREAD_SECONDS` ago. It reads those whole, one
after the other, and stores them (:mod:`.stored_cells`): a request that comes later, in any process, reads
only what was appended since. A round with nothing due costs a count of the complete responses by wave
(0.1-0.2 s per million on the test machine) and one indexed read per set of each large wave.

A cross of two columns other than ``agency`` is stored by the first request for it; from then on the
rounds keep it as fresh as the columns alone (:func:`stored_crosses`).

What it does not remove: a request that comes in the minutes between a bulk load and the round that reads
its wave still reads it whole (and stores it, so the round then has nothing to do for that set), and so
does the first request ever for a cross.

A set the round could not store (the table not writable: the failure is logged once by the store) is not
tried again for :data:`.cells_warming.REREAD_SECONDS`, so a read-only database costs one whole read per
set and day, not one per round.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from piccolo.query.functions.aggregate import Count

from survey_engine.errors import DomainError
from survey_engine.results import series_cells as kept
from survey_engine.results import stored_cells
from survey_engine.results.analysis import groups_of, series_cells, wave_of
from survey_engine.results.cells_warming import REREAD_SECONDS, WarmedSet, domain_sets
from survey_engine.tables import StoredCellSet, Submission
from survey_engine.wave_context import WaveContext

__all__ = ["CellsUpkeep", "large_waves", "set_age", "stored_crosses"]

LOG = logging.getLogger("sipas.cells")


async def large_waves(min_responses: int) -> list[str]:
    """The codes of the waves with at least ``min_responses`` complete responses, in code order."""
    rows = (
        await Submission.select(Submission.wave.code.as_alias("code"), Count(Submission.id, alias="n"))
        .where(Submission.complete == True)  # noqa: E712 - Piccolo builds SQL from the comparison
        .group_by(Submission.wave.code)
    )
    return sorted(str(r["code"]) for r in rows if r["code"] and int(r["n"]) >= min_responses)


async def set_age(context: WaveContext, by: tuple[str, ...], now: datetime) -> float | None:
    """Seconds since the stored set of the self-selected series for ``by`` was read whole (None when none
    is stored for the wave's current criteria and this release's code)."""
    layout = context.layout
    if layout is None:
        return None
    place = stored_cells.Place(
        context.id,
        stored_cells.criteria_key(layout, groups_of(layout)),
        stored_cells.columns_key("cells", kept.grouped_columns(by)),
    )
    found = await stored_cells.load_stored(*place)
    if found is None:
        return None
    read_at = found.read_at
    if isinstance(read_at, str):
        read_at = datetime.fromisoformat(read_at)
    if read_at.tzinfo is None:
        read_at = read_at.replace(tzinfo=UTC)
    return (now - read_at).total_seconds()


async def stored_crosses(context: WaveContext) -> list[tuple[str, ...]]:
    """The crosses of two columns or more (other than agency and service point) stored for the wave's
    current criteria: a request asked for each once, so the upkeep keeps it as fresh as the columns alone.
    At most :data:`.stored_cells.SETS_PER_WAVE` per wave are stored."""
    layout = context.layout
    if layout is None:
        return []
    rows = await StoredCellSet.select(StoredCellSet.columns).where(
        (StoredCellSet.wave == context.id)
        & (StoredCellSet.criteria == stored_cells.criteria_key(layout, groups_of(layout)))
    )
    found = []
    for row in rows:
        kind, *columns = str(row["columns"]).split("\n")
        others = tuple(c for c in columns if c not in ("service_point", "agency"))
        if kind == "cells" and len(others) > 1:  # a digest key (kind:sha256:…) has no newline: left out
            found.append(others)
    return sorted(found)


class CellsUpkeep:
    """The rounds of one server process (:meth:`run_round`); remembers what it tried, not what it
    stored (the table says that to every process)."""

    def __init__(
        self,
        min_responses: int = stored_cells.STORE_MIN_RESPONSES,
        reread_seconds: float = REREAD_SECONDS,
        *,
        wall: Callable[[], datetime] = lambda: datetime.now(UTC),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.min_responses, self.reread_seconds = min_responses, reread_seconds
        self.wall, self.clock = wall, clock
        self.tried: dict[tuple[int, tuple[str, ...]], float] = {}

    async def _due(self, context: WaveContext) -> tuple[list[tuple[str, ...]], bool]:
        """The wave's sets to read whole now, and whether one of them is stored but old."""
        now, due, old = self.wall(), [], False
        for by in [*await domain_sets(context), *await stored_crosses(context)]:
            tried = self.tried.get((context.id, by))
            if tried is not None and self.clock() - tried < self.reread_seconds:
                continue
            age = await set_age(context, by, now)
            if age is None or age > self.reread_seconds:
                due.append(by)
                old = old or age is not None
        return due, old

    async def run_round(self, keep_going: Callable[[], bool] = lambda: True) -> list[tuple[str, WarmedSet]]:
        """One round: every due set of every large wave read whole and stored; (wave, set) for each.
        ``keep_going`` is asked before each read (a server stopping ends the round there)."""
        done: list[tuple[str, WarmedSet]] = []
        for code in await large_waves(self.min_responses):
            try:
                context = await wave_of(code)
                due, old = await self._due(context)
            except DomainError:  # a questionnaire without an index: nothing to estimate
                continue
            if old:
                # Sets read whole more than a day ago start anew: the stored row and this process's
                # memory would otherwise only be extended.
                await stored_cells.forget_older_sets(context.id, self.reread_seconds)
                kept.forget_wave_cells(context.id)
            for by in due:
                if not keep_going():
                    return done
                self.tried[(context.id, by)] = self.clock()
                started = self.clock()
                found = await series_cells(context, by, "self-selected")
                done.append((code, WarmedSet(by, found.rows, self.clock() - started)))
                seconds = done[-1][1].seconds
                LOG.info("cells of %s by %s read whole and stored in %.1f s", code, ",".join(by), seconds)
        return done
