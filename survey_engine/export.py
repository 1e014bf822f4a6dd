"""Microdata of a wave: one row per stored submission, one column per questionnaire item.

Never includes phone numbers, dossier codes (only stored as keyed hashes anyway), devices or IP
addresses. Multi-choice answers are joined with ";", yes/no is 1/0, "don't know" keeps its code (0 on
scales, "DK" on single choice), unanswered is empty.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from survey_engine.errors import NotFound
from survey_engine.questionnaire import Questionnaire, load_definition
from survey_engine.tables import Submission, Wave

META_COLUMNS = (
    "id",
    "wave",
    "agency",
    "service_point",
    "channel",
    "language",
    "questionnaire_version",
    "started_at",
    "submitted_at",
    "received_at",
    "duration_seconds",
    "complete",
)
CHUNK = 5000


@dataclass(frozen=True)
class WaveExport:
    wave: str
    questionnaire: Questionnaire
    columns: list[str]
    item_types: dict[str, str]


def _cell(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "multi" and isinstance(value, list):
        return ";".join(str(v) for v in value)
    if kind == "yesno" and isinstance(value, bool):
        return int(value)
    return value


async def describe_wave(wave_code: str) -> WaveExport:
    row = (
        await Wave.select(Wave.code, Wave.questionnaire_version.definition)
        .where(Wave.code == wave_code)
        .output(load_json=True)
        .first()
    )
    if row is None:
        raise NotFound(f"no wave with code {wave_code}")
    q = load_definition(json.dumps(row["questionnaire_version.definition"], ensure_ascii=False))
    items = [item.code for item in q.items]
    return WaveExport(
        wave=wave_code,
        questionnaire=q,
        columns=[*META_COLUMNS, *items],
        item_types={item.code: item.type for item in q.items},
    )


async def export_rows(export: WaveExport) -> AsyncIterator[list[Any]]:
    """Rows in the order of ``export.columns``, read in chunks (a wave can hold millions)."""
    last_id = 0
    while True:
        chunk = (
            await Submission.select(
                Submission.id,
                Submission.client_id,
                Submission.agency.code,
                Submission.service_point.code,
                Submission.channel,
                Submission.language,
                Submission.questionnaire_version,
                Submission.started_at,
                Submission.submitted_at,
                Submission.received_at,
                Submission.duration_seconds,
                Submission.complete,
                Submission.answers,
            )
            .where((Submission.wave.code == export.wave) & (Submission.id > last_id))
            .order_by(Submission.id)
            .limit(CHUNK)
            .output(load_json=True)
        )
        if not chunk:
            return
        for r in chunk:
            answers = r["answers"] or {}
            yield [
                r["client_id"],
                export.wave,
                r["agency.code"],
                r["service_point.code"],
                r["channel"],
                r["language"],
                r["questionnaire_version"],
                r["started_at"],
                r["submitted_at"],
                r["received_at"],
                r["duration_seconds"],
                int(bool(r["complete"])),
                *[_cell(export.item_types[c], answers.get(c)) for c in export.columns[len(META_COLUMNS) :]],
            ]
        last_id = chunk[-1]["id"]
