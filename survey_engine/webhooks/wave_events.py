"""Events of a wave's life that agencies subscribe to: one ``wave_closed`` and one ``results_published``
event per agency of the wave."""

from __future__ import annotations

from datetime import UTC, date, datetime

from piccolo.query.functions.aggregate import Count

from survey_engine.tables import Submission, Wave, WaveAgency
from survey_engine.webhooks.events import RESULTS_PUBLISHED, WAVE_CLOSED
from survey_engine.webhooks.outbox import enqueue


def _day(value: object) -> str | None:
    return value.isoformat() if isinstance(value, date) else None


async def enqueue_wave_closed(wave_id: int, closed_at: datetime | None = None) -> list[str]:
    """Inside the transaction that closes the wave: each agency of the wave gets its own event with its own
    count of complete responses (never another agency's)."""
    closed_at = closed_at or datetime.now(UTC)
    wave = (
        await Wave.select(
            Wave.code,
            Wave.name_vi,
            Wave.name_en,
            Wave.period_start,
            Wave.period_end,
            Wave.questionnaire_version._.questionnaire.code.as_alias("questionnaire"),
        )
        .where(Wave.id == wave_id)
        .first()
    )
    if wave is None:
        return []
    agencies = [
        r["agency"] for r in await WaveAgency.select(WaveAgency.agency).where(WaveAgency.wave == wave_id)
    ]
    counts = {
        int(r["agency"]): int(r["n"])
        for r in await Submission.select(Submission.agency, Count(Submission.id, alias="n"))
        .where((Submission.wave == wave_id) & (Submission.complete == True))  # noqa: E712
        .group_by(Submission.agency)
    }
    ids = []
    for agency_id in agencies:
        data = {
            "wave": wave["code"],
            "name": {"vi": wave["name_vi"], "en": wave["name_en"]},
            "questionnaire": wave["questionnaire"],
            "period_start": _day(wave["period_start"]),
            "period_end": _day(wave["period_end"]),
            "closed_at": closed_at.isoformat(),
            "responses": counts.get(int(agency_id), 0),
        }
        ids.append(await enqueue(WAVE_CLOSED, int(agency_id), data, closed_at))
    return ids


async def enqueue_results_published(
    wave_id: int, version: int, correction: bool, published_at: datetime
) -> list[str]:
    """Inside the transaction that publishes a version of the wave's results: each agency of the wave gets
    an event naming the wave, the version and where its public pages and open data are (paths on this
    deployment; the numbers themselves are public there, so the event carries none)."""
    wave = await Wave.select(Wave.code).where(Wave.id == wave_id).first()
    if wave is None:
        return []
    code = str(wave["code"])
    agencies = await WaveAgency.select(WaveAgency.agency.code.as_alias("code"), WaveAgency.agency).where(
        WaveAgency.wave == wave_id
    )
    ids = []
    for agency in agencies:
        data = {
            "wave": code,
            "version": version,
            "correction": correction,
            "published_at": published_at.isoformat(),
            "pages": {
                "wave": f"/results/{code}",
                "agency": f"/results/{code}/agencies/{agency['code']}",
            },
            "open_data": {
                "json": f"/results/{code}/v/{version}/results.json",
                "csv": f"/results/{code}/v/{version}/results.csv",
            },
        }
        ids.append(await enqueue(RESULTS_PUBLISHED, int(agency["agency"]), data, published_at))
    return ids
