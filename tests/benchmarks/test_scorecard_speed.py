"""Scorecard rendering speed on a province of 200 agencies (``make bench``; not part of ``make test``).

Job: 200 three-page A4 scorecards (39 criteria of sipas-2023, 9 elements, trend, peers, perception,
expectations, counter panel, notes) rendered in a pool of 2 worker processes, as ``sipas report --all``
does. Requirement: at least 50 scorecards per second on a 2-core machine, each at most 300 KB.

Figures are also printed as ratios against a baseline measured in the same run with the same pool: a
one-page PDF with a few lines of text in the same embedded font, so they compare across machines.
"""

from __future__ import annotations

import dataclasses
import io
import os
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np
import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from reports.fonts import SANS, register_fonts
from reports.scorecard import render_scorecard
from reports.scorecard_data import AgencyInfo, CriterionRow, ElementRow, Figure, ScorecardData
from tests.reports.test_scorecard_build import build_scorecard, synthetic_province

N_AGENCIES = 200
WORKERS = 2
MIN_RATE = 50.0  # scorecards per second
MAX_BYTES = 300 * 1024


def _vary(figure: Figure, rng: np.random.Generator, n: int) -> Figure:
    if figure.estimate is None:
        return figure
    value = float(np.clip(figure.estimate + rng.normal(0, 6), 5, 99))
    half = float(rng.uniform(3, 9))
    flag = "suppress" if n < 30 else None
    return dataclasses.replace(
        figure,
        estimate=value,
        ci_low=max(0.0, value - half),
        ci_high=min(100.0, value + half),
        n=n,
        flag=flag,
        flag_reason=f"sample size {n} < 30" if flag else None,
    )


def synthetic_scorecards(count: int = N_AGENCIES, seed: int = 5) -> list[ScorecardData]:
    """``count`` agencies' scorecards: one real scorecard with its numbers and names varied."""
    template = build_scorecard(synthetic_province(), "A1", "vi")
    rng = np.random.default_rng(seed)
    out = []
    for i in range(count):
        n = int(rng.integers(20, 400))
        criteria = tuple(
            dataclasses.replace(c, figure=_vary(c.figure, rng, n), dont_know=int(rng.integers(0, 15)))
            for c in template.criteria
        )
        elements = tuple(
            ElementRow(e.code, e.label_vi, e.label_en, _vary(e.figure, rng, n)) for e in template.elements
        )
        level = "province" if i < 20 else "commune"
        name_vi = f"Sở số {i + 1}" if level == "province" else f"UBND xã Bình An {i + 1}"
        name_en = f"Department no. {i + 1}" if level == "province" else f"Binh An {i + 1} commune"
        out.append(
            dataclasses.replace(
                template,
                agency=AgencyInfo(f"AG{i + 1:03d}", name_vi, name_en, level),
                sipas=_vary(template.sipas, rng, n),
                elements=elements,
                criteria=criteria,
                lang="vi" if i % 2 == 0 else "en",
            )
        )
    assert all(isinstance(c, CriterionRow) for c in out[0].criteria)
    return out


def _warm() -> None:
    """Worker initialiser: register fonts and build styles once per process."""
    register_fonts()
    render_scorecard(synthetic_scorecards(1)[0], invariant=True)


def _render(data: ScorecardData) -> int:
    return len(render_scorecard(data, invariant=True))


def _plain_page(i: int) -> int:
    """Baseline: a one-page PDF with a few lines of Vietnamese text in the same embedded font."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1, initialFontName=SANS)
    canvas.setFont(SANS, 11)
    for line in range(12):
        canvas.drawString(72, 760 - 18 * line, f"Phiếu kết quả số {i} — dòng {line}: Chỉ số hài lòng 83,4 %")
    canvas.showPage()
    canvas.save()
    return len(buffer.getvalue())


def _timed_map(pool: ProcessPoolExecutor, fn: Any, items: list[Any]) -> tuple[float, list[int]]:
    t0 = time.perf_counter()
    sizes = list(pool.map(fn, items, chunksize=max(1, len(items) // (WORKERS * 8))))
    return time.perf_counter() - t0, sizes


@pytest.mark.skipif((os.cpu_count() or 1) < WORKERS, reason="needs 2 cores")
def test_scorecards_per_second() -> None:
    cards = synthetic_scorecards()
    assert len(cards) == N_AGENCIES

    # One process, for the parallel speed-up.
    _warm()
    t0 = time.perf_counter()
    for data in cards[:40]:
        _render(data)
    serial_rate = 40 / (time.perf_counter() - t0)

    with ProcessPoolExecutor(max_workers=WORKERS, initializer=_warm) as pool:
        list(pool.map(_plain_page, range(WORKERS * 4)))  # start the workers
        best_rate, sizes = 0.0, []
        for _ in range(3):
            elapsed, sizes = _timed_map(pool, _render, cards)
            best_rate = max(best_rate, N_AGENCIES / elapsed)
        base_elapsed, _ = _timed_map(pool, _plain_page, list(range(N_AGENCIES)))
        base_rate = N_AGENCIES / base_elapsed

    print(
        f"\nscorecards: {N_AGENCIES} agencies, {WORKERS} processes: {best_rate:.1f}/s "
        f"(1 process: {serial_rate:.1f}/s; speed-up {best_rate / serial_rate:.2f}×)\n"
        f"baseline one-page PDF: {base_rate:.1f}/s; "
        f"a scorecard costs {base_rate / best_rate:.1f} plain pages\n"
        f"sizes: median {np.median(sizes) / 1024:.0f} KB, largest {max(sizes) / 1024:.0f} KB"
    )
    assert max(sizes) <= MAX_BYTES
    assert best_rate >= MIN_RATE, f"{best_rate:.1f} scorecards/s < {MIN_RATE}"
