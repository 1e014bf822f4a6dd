"""What a public service-point token serves: its agency, the open wave and that wave's questionnaire."""

from __future__ import annotations

from survey_engine.administration.questionnaires import version_label
from survey_engine.errors import Conflict, NotFound
from survey_engine.tables import ServicePoint, Wave, WaveAgency, WaveServicePoint


async def form_for_token(token: str) -> dict[str, object]:
    point = (
        await ServicePoint.select(
            ServicePoint.id,
            ServicePoint.code,
            ServicePoint.name_vi,
            ServicePoint.name_en,
            ServicePoint.active,
            ServicePoint.agency,
            ServicePoint.agency.code,
            ServicePoint.agency.name_vi,
            ServicePoint.agency.name_en,
        )
        .where(ServicePoint.public_token == token)
        .first()
    )
    if point is None or not point["active"]:
        raise NotFound("this code does not belong to any service point; it may have been replaced")
    wave_ids = [
        row["wave"]
        for row in await WaveServicePoint.select(WaveServicePoint.wave).where(
            WaveServicePoint.service_point == point["id"]
        )
    ]
    if not wave_ids:  # a wave listing agencies but no explicit points covers all their points
        wave_ids = [
            row["wave"]
            for row in await WaveAgency.select(WaveAgency.wave).where(WaveAgency.agency == point["agency"])
        ]
    if not wave_ids:
        raise NotFound("no survey is planned at this service point")
    waves = (
        await Wave.select(
            Wave.id,
            Wave.code,
            Wave.status,
            Wave.channels,
            Wave.settings,
            Wave.questionnaire_version.id,
            Wave.questionnaire_version.version,
            Wave.questionnaire_version.definition,
            Wave.questionnaire_version._.questionnaire.code,
        )
        .where(Wave.id.is_in(wave_ids))
        .order_by(Wave.id, ascending=False)
        .output(load_json=True)
    )
    open_waves = [w for w in waves if w["status"] == "open"]
    if not open_waves:
        raise Conflict("the survey at this service point is closed", "closed")
    wave = open_waves[0]
    code = str(wave["questionnaire_version.questionnaire.code"])
    version = int(wave["questionnaire_version.version"])
    return {
        "token": token,
        "service_point_id": point["id"],
        "service_point": point["code"],
        "service_point_name": {"vi": point["name_vi"], "en": point["name_en"]},
        "agency_id": point["agency"],
        "agency": point["agency.code"],
        "agency_name": {"vi": point["agency.name_vi"], "en": point["agency.name_en"]},
        "wave_id": wave["id"],
        "wave": wave["code"],
        "channels": wave["channels"],
        "wave_settings": wave["settings"] if isinstance(wave["settings"], dict) else {},
        "questionnaire": code,
        "questionnaire_version_id": wave["questionnaire_version.id"],
        "version_number": version,
        "version": version_label(code, version),
        "definition": wave["questionnaire_version.definition"],
    }
