"""Stored-response rows for benchmarks: sipas-2023 answers (a pool of simulated ones) with their compact
codes, in the column order of ``COLUMNS``, for COPY (PostgreSQL) or executemany (SQLite)."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from survey_engine.answer_codes import criteria_layout
from survey_engine.questionnaire import get_template
from survey_engine.simulate import simulate_answers

COLUMNS = (
    "client_id, wave, service_point, agency, questionnaire_version, channel, language, started_at, "
    "submitted_at, received_at, duration_seconds, answers, body_hash, dossier_hash, device, interviewer, "
    "complete, codes"
)
COLUMN_NAMES = [c.strip() for c in COLUMNS.split(",")]
CHANNELS = ("online", "kiosk", "qr", "paper", "phone")


def dossier_of(i: int) -> str | None:
    """The dossier hash of response ``i`` when responses are linked to a frame: every other response."""
    return f"{i:064x}" if i % 2 == 0 else None


def submission_rows(
    points: Sequence[tuple[int, int, int]],
    count: int,
    questionnaire_version: int = 1,
    seed: int = 5,
    linked: bool = False,
    questionnaire: str = "sipas-2023",
    agency_moods: bool = False,
) -> Iterator[tuple[Any, ...]]:
    """``count`` complete online responses spread round-robin over ``points`` (wave id, service point id,
    agency id; a point listed k times gets k shares) and over a year of minutes; answers drawn from 500
    simulated responses of ``questionnaire`` of varying mood. ``linked`` ones vary their channel and every
    other one names a frame dossier (:func:`dossier_of`: the domain benchmarks' data). With
    ``agency_moods``, half the answers are drawn in the agency's own mood (one of the pool's 7), so agencies
    differ (the scorecard benchmarks' data); otherwise the pool is walked in a fixed order."""
    q = get_template(questionnaire)
    layout = criteria_layout(q)
    rng = random.Random(seed)
    pool = []
    for i in range(500):
        answers = simulate_answers(q, rng, 0.6 + 0.35 * (i % 7) / 6)
        pool.append((json.dumps(answers, separators=(",", ":")), layout.encode(answers)))
    start = datetime(2026, 1, 1, 8, tzinfo=UTC)
    for i in range(count):
        wave, point, agency = points[i % len(points)]
        if not agency_moods:
            chosen = (i * 7919) % len(pool)
        elif rng.random() < 0.5:
            chosen = rng.randrange(len(pool))
        else:
            chosen = rng.randrange(71) * 7 + agency % 7
        answers, codes = pool[chosen]
        when = start + timedelta(minutes=(i * 37) % (365 * 24 * 60))
        yield (
            str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            wave,
            point,
            agency,
            questionnaire_version,
            CHANNELS[(i // 3) % 5] if linked else "online",
            "vi",
            when,
            when + timedelta(minutes=4),
            when + timedelta(minutes=4),
            240,
            answers,
            "0" * 64,
            dossier_of(i) if linked else None,
            None,
            None,
            True,
            codes,
        )
