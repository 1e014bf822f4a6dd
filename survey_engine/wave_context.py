"""A wave as one request needs it: its row, its parsed questionnaire and the questionnaire's layout.

A request (a scorecard download, the console's agency page, the estimates endpoint) looks its wave up and
parses the questionnaire definition once, with :func:`load_wave`, and passes the :class:`WaveContext` on
to every step (estimates, shares, labels, export). It sits at the top of ``survey_engine`` beside the
tables and the questionnaire engine because it is plumbing of every room: the results room uses it
today, and collection and administration load waves with definitions too.

Access is not checked here: the services' visibility rules (``WaveService.get``) stay the gate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from survey_engine.answer_codes import CriteriaLayout, criteria_layout
from survey_engine.errors import NotFound
from survey_engine.questionnaire import Questionnaire, index_structure, load_definition
from survey_engine.tables import Wave

__all__ = ["WaveContext", "load_wave", "wave_columns", "wave_context"]


@dataclass(frozen=True)
class WaveContext:
    """The wave row's fields the services use, the parsed questionnaire, and — when the questionnaire
    defines an index — its criteria layout and index structure (both None otherwise)."""

    id: int
    code: str
    name_vi: str
    name_en: str
    period_start: date
    period_end: date
    unit_version: str
    channels: tuple[str, ...]
    questionnaire_code: str
    questionnaire: Questionnaire
    layout: CriteriaLayout | None
    structure: dict[str, Any] | None


def _as_date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def wave_context(row: dict[str, Any]) -> WaveContext:
    """A context from a wave row read with the columns of :func:`load_wave` (the definition decoded or
    as JSON text)."""
    q = load_definition(row["definition"])
    layout: CriteriaLayout | None
    structure: dict[str, Any] | None
    try:
        structure = index_structure(q)
        layout = criteria_layout(q)
    except ValueError:  # the questionnaire defines no index
        structure, layout = None, None
    return WaveContext(
        id=int(row["id"]),
        code=str(row["code"]),
        name_vi=str(row["name_vi"]),
        name_en=str(row["name_en"]),
        period_start=_as_date(row["period_start"]),
        period_end=_as_date(row["period_end"]),
        unit_version=str(row["unit_version"]),
        channels=tuple(str(c) for c in row["channels"] or ()),
        questionnaire_code=str(row["questionnaire"]),
        questionnaire=q,
        layout=layout,
        structure=structure,
    )


def wave_columns() -> tuple[Any, ...]:
    """The columns :func:`wave_context` reads (a listing of waves may select them to build contexts)."""
    return (
        Wave.id,
        Wave.code,
        Wave.name_vi,
        Wave.name_en,
        Wave.period_start,
        Wave.period_end,
        Wave.unit_version,
        Wave.channels,
        Wave.questionnaire_version._.questionnaire.code.as_alias("questionnaire"),
        Wave.questionnaire_version.definition.as_alias("definition"),
    )


async def load_wave(code: str) -> WaveContext:
    """The wave with this code, its questionnaire parsed once (NotFound when there is none)."""
    row = await Wave.select(*wave_columns()).where(Wave.code == code).output(load_json=True).first()
    if row is None:
        raise NotFound(f"no wave with code {code}")
    return wave_context(row)
