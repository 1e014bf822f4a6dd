"""Two closed SIPAS 2017 waves with responses, for the publication tests (API, pages, browser).

Responses go in through the submissions API as citizens' forms send them: P0 (2025) and P1 (2026) for
agencies A1 (many responses) and A2 (few: its figures are suppressed by the publication rule). Every
response carries a free-text comment with a marker, so tests can check that nothing a respondent wrote
reaches a public page or file.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from typing import Any

from survey_engine.questionnaire import get_template
from survey_engine.simulate import simulate_answers
from survey_engine.tables import ServicePoint
from tests.api.conftest import World

SECRET_COMMENT = "BINH-LUAN-RIENG-TU-7781"  # a respondent's words: must never be public


async def token_of(point: str) -> str:
    row = await ServicePoint.select(ServicePoint.public_token).where(ServicePoint.code == point).first()
    assert row is not None
    return str(row["public_token"])


def text_items() -> list[str]:
    q = get_template("sipas-2017")
    return [it.code for it in q.items if it.type in ("text", "textarea")]


async def closed_wave(world: World, code: str, year: int, responses: int, mood: float, seed: int) -> None:
    """A SIPAS 2017 wave for A1 and A2, with responses (A1 five in six), then closed."""
    admin = world.auth("admin")
    response = await world.client.post(
        "/api/v1/questionnaires", json={"template": "sipas-2017"}, headers=admin
    )
    assert response.status_code in (201, 409), response.text
    response = await world.client.post("/api/v1/questionnaires/sipas-2017/publish", headers=admin)
    assert response.status_code in (200, 409), response.text
    body = {
        "code": code,
        "name_vi": f"Khảo sát {year}",
        "name_en": f"Survey {year}",
        "questionnaire": "sipas-2017",
        "questionnaire_version": 1,
        "period_start": f"{year}-01-01",
        "period_end": f"{year}-12-31",
        "channels": ["online"],
        "agencies": ["A1", "A2"],
        "service_points": ["A1-Q1", "A2-Q1"],
    }
    assert (await world.client.post("/api/v1/waves", json=body, headers=admin)).status_code == 201
    opened = await world.client.post(f"/api/v1/waves/{code}/status", json={"status": "open"}, headers=admin)
    assert opened.status_code == 200, opened.text
    world.app.state.services.submissions.forget()
    tokens = (await token_of("A1-Q1"), await token_of("A2-Q1"))
    q = get_template("sipas-2017")
    rng = random.Random(seed)
    free_text = text_items()

    async def post(i: int) -> None:
        answers: dict[str, Any] = simulate_answers(q, rng, mood)
        for item in free_text:
            answers[item] = f"{SECRET_COMMENT} {i}"
        day = 1 + (i // 2) % 28
        body = {
            "id": str(uuid.uuid4()),
            "token": tokens[1 if i % 6 == 5 else 0],
            "answers": answers,
            "channel": "online",
            "started_at": f"{year}-03-{day:02d}T09:00:00+00:00",
            "submitted_at": f"{year}-03-{day:02d}T09:05:00+00:00",
        }
        response = await world.client.post("/api/v1/submissions", json=body)
        assert response.status_code == 201, response.text

    for start in range(0, responses, 40):
        await asyncio.gather(*(post(i) for i in range(start, min(start + 40, responses))))
    closed = await world.client.post(f"/api/v1/waves/{code}/status", json={"status": "closed"}, headers=admin)
    assert closed.status_code == 200, closed.text


async def release(world: World, wave: str, correction: dict[str, str] | None = None) -> int:
    """Prepare (statistician), approve and publish (administrator) a wave's release; its version."""
    path = f"/api/v1/waves/{wave}/releases/" + ("corrections" if correction else "")
    response = await world.client.post(path, json=correction or {}, headers=world.auth("statistician"))
    assert response.status_code == 201, response.text
    version = int(response.json()["version"])
    for step in ("approve", "publish"):
        response = await world.client.post(
            f"/api/v1/waves/{wave}/releases/{version}/{step}", headers=world.auth("admin")
        )
        assert response.status_code == 200, response.text
    return version


async def rename(world: World, agency: str, name_en: str) -> None:
    """An agency's English name corrected (the kind of change a correction publishes)."""
    response = await world.client.patch(
        f"/api/v1/agencies/{agency}", json={"name_en": name_en}, headers=world.auth("admin")
    )
    assert response.status_code == 200, response.text
