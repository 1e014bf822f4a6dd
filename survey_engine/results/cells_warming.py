"""Cell sums made ahead of requests (``sipas db warm-cells``): the self-selected series of a wave read whole
once per set of domain columns, its sums stored in the database (:mod:`.stored_cells`), so that the first
request for each set, in any server process, reads only the responses appended since.

Without it, the first request for a set of domain columns reads the whole wave (2-6 s on a million
responses on this project's 2-core test machine), once for all processes. An operator runs it after a bulk
load (a counter-rating import, a frame import: a frame changes every set that joins it), or nightly from
cron, so that no request pays that read, including the one a week after a set's whole read
(:data:`.stored_cells.STORED_SECONDS`): a set older than a day is read whole again here.

The sets: every column a request may name alone (``agency``, which ``service_point`` and the plain
estimates share; ``channel``; ``field`` and each ``frame:<column>`` when the wave has a frame; each
``item:<CODE>`` of the questionnaire), plus any other set asked for (a cross of two columns other than
``agency``, whose sets are their own; a cross with ``agency`` shares the set of the other column).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from survey_engine.fieldwork.frames import DEMOGRAPHICS
from survey_engine.results import series_cells as kept
from survey_engine.results import stored_cells
from survey_engine.results.analysis import (
    FRAME_PREFIX,
    ITEM_PREFIX,
    check_domains,
    series_cells,
    wave_domain_items,
    wave_of,
)
from survey_engine.tables import FrameUnit
from survey_engine.wave_context import WaveContext

__all__ = ["WarmedSet", "domain_sets", "warm_cells"]

# A set read whole longer ago than this is read whole again (its week of use starts anew).
REREAD_SECONDS = 86_400.0


@dataclass(frozen=True)
class WarmedSet:
    """One set of domain columns made ready: the responses it holds and the seconds it took."""

    by: tuple[str, ...]
    rows: int
    seconds: float


async def domain_sets(context: WaveContext, extra: Sequence[tuple[str, ...]] = ()) -> list[tuple[str, ...]]:
    """The sets of domain columns :func:`warm_cells` makes ready for a wave: every column a request may
    name alone, then ``extra`` (in the order given, without repeats)."""
    sets: list[tuple[str, ...]] = [("agency",), ("channel",)]
    if await FrameUnit.exists().where(FrameUnit.wave == context.id):
        sets += [("field",), *((f"{FRAME_PREFIX}{c}",) for c in DEMOGRAPHICS)]
    sets += [(f"{ITEM_PREFIX}{code}",) for code in wave_domain_items(context)]
    for by in extra:
        if by not in sets:
            sets.append(by)
    return sets


async def warm_cells(
    wave_code: str,
    extra: Sequence[tuple[str, ...]] = (),
    *,
    clock: Callable[[], float] = time.perf_counter,
    done: Callable[[WarmedSet], None] | None = None,
) -> list[WarmedSet]:
    """Make every set of :func:`domain_sets` ready for the wave (NotFound for an unknown wave; InvalidInput
    for a set a request could not name), calling ``done`` after each. The wave's stored sets older than
    :data:`REREAD_SECONDS` are read whole again; the others are only extended by what was appended."""
    context = await wave_of(wave_code)
    sets = await domain_sets(context, extra)
    for by in sets:  # every set checked before the first is read: a typo costs no whole read
        check_domains(context, by)
    await stored_cells.forget_older_sets(context.id, REREAD_SECONDS)
    kept.clear_series_cells()  # from the database, as a new server process would
    warmed = []
    for by in sets:
        started = clock()
        found = await series_cells(context, by, "self-selected")
        warmed.append(WarmedSet(by, found.rows, clock() - started))
        if done is not None:
            done(warmed[-1])
    return warmed
