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


def submission_rows(
    points: Sequence[tuple[int, int, int]], count: int, questionnaire_version: int = 1, seed: int = 5
) -> Iterator[tuple[Any, ...]]:
    """``count`` complete online responses spread round-robin over ``points`` (wave id, service point id,
    agency id) and over a year of minutes; answers drawn from 500 simulated sipas-2023 responses of
    varying mood."""
    q = get_template("sipas-2023")
    layout = criteria_layout(q)
    rng = random.Random(seed)
    pool = []
    for i in range(500):
        answers = simulate_answers(q, rng, 0.6 + 0.35 * (i % 7) / 6)
        pool.append((json.dumps(answers, separators=(",", ":")), layout.encode(answers)))
    start = datetime(2026, 1, 1, 8, tzinfo=UTC)
    for i in range(count):
        wave, point, agency = points[i % len(points)]
        answers, codes = pool[(i * 7919) % len(pool)]
        when = start + timedelta(minutes=(i * 37) % (365 * 24 * 60))
        yield (
            str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            wave,
            point,
            agency,
            questionnaire_version,
            "online",
            "vi",
            when,
            when + timedelta(minutes=4),
            when + timedelta(minutes=4),
            240,
            answers,
            "0" * 64,
            None,
            None,
            None,
            True,
            codes,
        )
