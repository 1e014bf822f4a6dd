"""The server's background task that keeps the estimates' cell sums ready
(:mod:`survey_engine.results.cells_upkeep`): a round every ``SIPAS_CELLS_UPKEEP_SECONDS`` (default 60; 0
turns it off), the first a little after start.

Only one process of a host runs a round at a time: the round holds an exclusive, non-blocking ``flock``
on ``<SIPAS_DATA_DIR>/cells-upkeep.lock``, and a worker that finds it held skips that round. Servers on
several hosts sharing one PostgreSQL database may each run a round; that costs duplicated reads, never a
wrong sum (the store keeps the newest set). A failing round is logged and tried again at the next one.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
from collections.abc import Iterator
from pathlib import Path

from survey_engine.results.cells_upkeep import CellsUpkeep

__all__ = ["FIRST_ROUND_SECONDS", "held", "run_cells_upkeep"]

LOG = logging.getLogger("sipas.cells")
# The first round waits this long after start (at most the interval): a restart's first requests and the
# pretouch go first.
FIRST_ROUND_SECONDS = 30.0


@contextlib.contextmanager
def held(path: Path) -> Iterator[bool]:
    """Whether this process holds the round's lock on ``path`` (never waits for it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


async def run_cells_upkeep(
    stop: asyncio.Event,
    interval: float,
    lock: Path,
    upkeep: CellsUpkeep | None = None,
    first: float = FIRST_ROUND_SECONDS,
) -> None:
    """Rounds until ``stop`` is set: the first after ``first`` seconds (at most ``interval``), then one
    every ``interval`` seconds."""
    upkeep = upkeep or CellsUpkeep()
    await _pause(stop, min(first, interval))
    while not stop.is_set():
        try:
            with held(lock) as mine:
                if mine:
                    await upkeep.run_round(lambda: not stop.is_set())
        except Exception:  # the next round tries again; a background task must not die of one
            LOG.exception("cells upkeep round failed")
        await _pause(stop, interval)
