"""What a public service-point token serves: its agency, the open wave and that wave's questionnaire."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from survey_engine.administration.questionnaires import version_label
from survey_engine.errors import Conflict, NotFound
from survey_engine.tables import ServicePoint, Wave, WaveAgency, WaveServicePoint


@dataclass(frozen=True)
class ServedForm:
    """What a public token serves now: the point and its agency, the open wave, its questionnaire version.

    Names are ``{"vi": ..., "en": ...}``; ``version`` is the version's label (``code@n``) and
    ``version_number`` its number; ``definition`` is the published questionnaire as stored (JSON).
    """

    token: str
    service_point_id: int
    service_point: str
    service_point_name: dict[str, str]
    agency_id: int
    agency: str
    agency_name: dict[str, str]
    wave_id: int
    wave: str
    channels: list[str]
    wave_settings: dict[str, Any]
    questionnaire: str
    questionnaire_version_id: int
    version_number: int
    version: str
    definition: dict[str, Any]


async def form_for_token(token: str) -> ServedForm:
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
    return ServedForm(
        token=token,
        service_point_id=int(point["id"]),
        service_point=str(point["code"]),
        service_point_name={"vi": point["name_vi"], "en": point["name_en"]},
        agency_id=int(point["agency"]),
        agency=str(point["agency.code"]),
        agency_name={"vi": point["agency.name_vi"], "en": point["agency.name_en"]},
        wave_id=int(wave["id"]),
        wave=str(wave["code"]),
        channels=list(wave["channels"]),
        wave_settings=wave["settings"] if isinstance(wave["settings"], dict) else {},
        questionnaire=code,
        questionnaire_version_id=int(wave["questionnaire_version.id"]),
        version_number=version,
        version=version_label(code, version),
        definition=wave["questionnaire_version.definition"],
    )
