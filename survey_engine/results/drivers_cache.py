"""Recent drivers of a wave, kept while its data are unchanged (the console's agency page, the scorecard).

Drivers read every response of the series (:mod:`survey_engine.results.drivers`), several times the cost
of the estimates; a page viewed again, in the other language or after a filter, should not pay it again.
The key holds the wave's data version (:func:`survey_engine.results.estimates_cache.data_version`:
response count and last ids of responses, weight runs and frame rows), so new data is never hidden; the
time limit bounds what the key cannot see (a renamed agency or element label).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from survey_engine.results.drivers import WaveDrivers, wave_drivers
from survey_engine.results.estimates_cache import data_version
from survey_engine.wave_context import WaveContext

__all__ = ["cached_wave_drivers", "clear_drivers_cache"]

CACHE_ENTRIES = 48
CACHE_SECONDS = 300.0
_CACHE: OrderedDict[tuple[Any, ...], tuple[float, WaveDrivers]] = OrderedDict()


def clear_drivers_cache() -> None:
    """Forget every kept result (tests; an operator's reset)."""
    _CACHE.clear()


async def cached_wave_drivers(
    wave: str | WaveContext, series: str, agencies: Sequence[str], *, province: bool = False
) -> WaveDrivers:
    """:func:`survey_engine.results.drivers.wave_drivers` from the cache when the wave's data have not
    changed since (same series, agencies and province flag)."""
    code = wave.code if isinstance(wave, WaveContext) else wave
    key = (code, series, tuple(agencies), province, await data_version(code))
    now = time.monotonic()
    hit = _CACHE.get(key)
    if hit is not None and now - hit[0] < CACHE_SECONDS:
        _CACHE.move_to_end(key)
        return hit[1]
    result = await wave_drivers(wave, series, list(agencies), province=province)
    _CACHE[key] = (now, result)
    while len(_CACHE) > CACHE_ENTRIES:
        _CACHE.popitem(last=False)
    return result
