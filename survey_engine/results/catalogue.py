"""What the results pages list and filter by: the waves with an index an actor may see, an agency's
waves, and the values of the agency page's filters (service points, the frame's fields).

The console reads these through this service: only survey_engine touches the tables.
"""

from __future__ import annotations

from dataclasses import dataclass

from piccolo.query.functions.aggregate import Count

from survey_engine import tenancy
from survey_engine.actors import Actor
from survey_engine.errors import NotFound
from survey_engine.tables import Agency, FrameUnit, Submission, Wave, WaveAgency, WaveServicePoint
from survey_engine.wave_context import WaveContext, wave_columns, wave_context

__all__ = [
    "IndexWave",
    "NamedCode",
    "agency_id",
    "frame_fields",
    "index_waves",
    "wave_service_points",
    "waves_of_agency",
]


@dataclass(frozen=True)
class IndexWave:
    """A wave whose questionnaire has a SIPAS-style index, with its complete responses as the actor
    counts them (an agency user: its own agency's)."""

    id: int
    code: str
    name_vi: str
    name_en: str
    period_start: str  # ISO date
    period_end: str
    questionnaire: str
    responses: int
    channels: tuple[str, ...]
    context: WaveContext  # the wave as a request loads it: a page showing this wave parses it no more


@dataclass(frozen=True)
class NamedCode:
    code: str
    name_vi: str
    name_en: str


async def _response_counts(actor: Actor, wave_ids: list[int]) -> dict[int, int]:
    """Complete responses per wave; an agency user's counts cover its own agency only."""
    if not wave_ids:
        return {}
    where = [Submission.wave.is_in(wave_ids), Submission.complete == True]  # noqa: E712
    if actor.agency_scoped:
        where.append(Submission.agency == actor.agency_id)
    query = Submission.select(Submission.wave, Count(Submission.id, alias="count"))
    rows = await query.where(*where).group_by(Submission.wave)
    return {int(r["wave"]): int(r["count"]) for r in rows}


async def index_waves(actor: Actor) -> list[IndexWave]:
    """Waves the actor may see whose questionnaire has a SIPAS-style index (top-box shares), newest
    first; drafts (no responses yet) left out. Counter-rating waves are left out too: their ratings are a
    separate series, shown apart.

    Visibility is the waves service's rule (an agency user sees the waves that include its agency), read
    here in one query with the definitions instead of one listing plus members per wave. Each wave's
    definition is parsed once, into the wave's context.
    """
    query = tenancy.in_scope(Wave.select(*wave_columns()).where(Wave.status != "draft"), actor, Wave.province)
    if actor.agency_scoped:
        member = await WaveAgency.select(WaveAgency.wave).where(WaveAgency.agency == actor.agency_id)
        query = query.where(Wave.id.is_in([int(r["wave"]) for r in member] or [-1]))
    rows = await query.output(load_json=True)
    counts = await _response_counts(actor, [int(r["id"]) for r in rows])
    waves = []
    for r in rows:
        definition = r["definition"]
        if not isinstance(definition, dict) or definition.get("instrument") == "counter":
            continue
        try:
            context = wave_context(r)
        except (ValueError, KeyError, TypeError):
            continue
        layout = context.layout
        if layout is None or not layout.criteria:
            continue
        waves.append(
            IndexWave(
                id=context.id,
                code=context.code,
                name_vi=str(r["name_vi"] or ""),
                name_en=str(r["name_en"] or ""),
                period_start=str(r["period_start"])[:10],
                period_end=str(r["period_end"])[:10],
                questionnaire=context.questionnaire_code,
                responses=counts.get(context.id, 0),
                channels=context.channels,
                context=context,
            )
        )
    waves.sort(key=lambda w: (w.period_end, w.period_start, w.code), reverse=True)
    return waves


async def agency_id(code: str) -> int:
    row = await Agency.select(Agency.id).where(Agency.code == code).first()
    if row is None:
        raise NotFound(f"no agency with code {code}")
    return int(row["id"])


async def waves_of_agency(agency: int) -> set[str]:
    """Codes of the waves that include the agency (by id)."""
    rows = await WaveAgency.select(WaveAgency.wave.code.as_alias("code")).where(WaveAgency.agency == agency)
    return {str(r["code"]) for r in rows}


async def wave_service_points(wave_id: int, agency: int) -> list[NamedCode]:
    """The agency's service points in the wave, by code."""
    rows = await WaveServicePoint.select(
        WaveServicePoint.service_point.code.as_alias("code"),
        WaveServicePoint.service_point.name_vi.as_alias("name_vi"),
        WaveServicePoint.service_point.name_en.as_alias("name_en"),
    ).where((WaveServicePoint.wave == wave_id) & (WaveServicePoint.service_point.agency == agency))
    rows.sort(key=lambda r: str(r["code"]))
    return [NamedCode(str(r["code"]), str(r["name_vi"] or ""), str(r["name_en"] or "")) for r in rows]


async def frame_fields(wave_id: int, agency: int) -> list[str]:
    """The administrative fields (lĩnh vực) of the agency's dossiers in the wave's frame, sorted."""
    rows = (
        await FrameUnit.select(FrameUnit.field)
        .where((FrameUnit.wave == wave_id) & (FrameUnit.agency == agency))
        .distinct()
    )
    return sorted({str(r["field"]) for r in rows if r["field"]})
