"""Recent estimates of a wave, kept while its data are unchanged (for the console's results pages).

Results pages ask for the same estimates again and again (the province page, then each agency page with
its trend over earlier waves): keep recent ones while the wave's data are unchanged. The key holds the
wave's response count and last ids of responses, weight runs and frame rows, so new data is never
hidden; the time limit bounds staleness of what the key cannot see (a renamed agency).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Any

from piccolo.query.functions.aggregate import Count, Max

from survey_engine.results import analysis
from survey_engine.tables import FrameUnit, Submission, Wave, WeightRun
from survey_engine.wave_context import WaveContext

CACHE_ENTRIES = 48
CACHE_SECONDS = 300.0
_CACHE: OrderedDict[tuple[Any, ...], tuple[float, analysis.WaveResults]] = OrderedDict()


def clear_cache() -> None:
    """Forget every kept estimate (tests; an operator's reset)."""
    _CACHE.clear()


async def _data_version(wave: str) -> tuple[Any, ...]:
    row = await Wave.select(Wave.id, Wave.created_at, Wave.updated_at).where(Wave.code == wave).first()
    responses = (
        await Submission.select(Count(Submission.id, alias="n"), Max(Submission.id, alias="last"))
        .where(Submission.wave.code == wave)
        .first()
    )
    weights = (
        await WeightRun.select(Max(WeightRun.id, alias="last")).where(WeightRun.wave.code == wave).first()
    )
    frame = await FrameUnit.select(Max(FrameUnit.id, alias="last")).where(FrameUnit.wave.code == wave).first()
    return (
        tuple((row or {}).values()),  # another database's wave of the same code is another key
        (responses or {}).get("n"),
        (responses or {}).get("last"),
        (weights or {}).get("last"),
        (frame or {}).get("last"),
    )


async def data_version(wave: str) -> tuple[Any, ...]:
    """What changes when the wave's data change (responses, weights, frame, the wave itself): a cache key."""
    return await _data_version(wave)


async def cached_wave_results(
    wave: str | WaveContext, by: tuple[str, ...], series: str
) -> analysis.WaveResults:
    """:func:`analysis.wave_results` of ``wave`` (code or loaded context), from the cache when the wave's
    data have not changed since."""
    code = wave.code if isinstance(wave, WaveContext) else wave
    key = (code, by, series, await _data_version(code))
    now = time.monotonic()
    hit = _CACHE.get(key)
    if hit is not None and now - hit[0] < CACHE_SECONDS:
        _CACHE.move_to_end(key)
        return hit[1]
    results = await analysis.wave_results(wave, by, series)
    _CACHE[key] = (now, results)
    while len(_CACHE) > CACHE_ENTRIES:
        _CACHE.popitem(last=False)
    return results
