"""Scorecards from the database carry the perception items and top expectations, estimated with the
same design as the indices, and the response rate when the wave has a sample."""

from __future__ import annotations

import asyncio
import random
import uuid

from reports.numbers import format_percent
from survey_engine.questionnaire import get_template
from survey_engine.results import analysis
from survey_engine.simulate import simulate_answers
from survey_engine.tables import ServicePoint
from tests.api.conftest import World
from tests.api.test_reports import pdf_text


def shown(value: float, lang: str) -> str:
    """As the extracted text shows it (pdf_text folds the no-break space into a space)."""
    return format_percent(value, lang).replace("\xa0", " ")  # type: ignore[arg-type]


async def _sipas_2023_wave(world: World, responses: int = 160) -> None:
    admin = world.auth("admin")
    assert (
        await world.client.post("/api/v1/questionnaires", json={"template": "sipas-2023"}, headers=admin)
    ).status_code == 201
    assert (
        await world.client.post("/api/v1/questionnaires/sipas-2023/publish", headers=admin)
    ).status_code == 200
    body = {
        "code": "S1",
        "name_vi": "Đợt SIPAS",
        "name_en": "SIPAS wave",
        "questionnaire": "sipas-2023",
        "questionnaire_version": 1,
        "period_start": "2026-01-01",
        "period_end": "2026-12-31",
        "channels": ["online"],
        "agencies": ["A1", "A2"],
        "service_points": ["A1-Q1", "A2-Q1"],
    }
    assert (await world.client.post("/api/v1/waves", json=body, headers=admin)).status_code == 201
    assert (
        await world.client.post("/api/v1/waves/S1/status", json={"status": "open"}, headers=admin)
    ).status_code == 200
    tokens = [
        r["public_token"]
        for r in await ServicePoint.select(ServicePoint.public_token).order_by(ServicePoint.code)
    ]
    q = get_template("sipas-2023")
    rng = random.Random(21)

    async def post(i: int) -> None:
        day = 1 + (i // 2) % 28
        body = {
            "id": str(uuid.uuid4()),
            "token": tokens[i % 2],
            "answers": simulate_answers(q, rng, 0.85),
            "channel": "online",
            "submitted_at": f"2026-03-{day:02d}T10:00:00+00:00",
        }
        assert (await world.client.post("/api/v1/submissions", json=body)).status_code == 201

    for start in range(0, responses, 40):
        await asyncio.gather(*(post(i) for i in range(start, min(start + 40, responses))))


async def test_perception_and_expectations_from_stored_responses(world: World) -> None:
    await _sipas_2023_wave(world)
    perception, expectations, shares = await analysis.wave_shares("S1")
    assert [p.code for p in perception] == ["Q5", "Q6"] and len(expectations) == 10
    response = await world.client.get("/api/v1/waves/S1/scorecards/A1.pdf", headers=world.auth("admin"))
    assert response.status_code == 200, response.text
    text = pdf_text(response.content)
    assert "Cảm nhận về nhũng nhiễu và chi phí không chính thức" in text
    assert "Mong đợi hàng đầu của người dân" in text
    # exactly the shares the estimator produced, in the Vietnamese convention
    q5_first = shares[("Q5", perception[0].options[0][0], "A1")]
    assert shown(q5_first.estimate, "vi") in text
    best = max((shares[(e.code, "top", "A1")] for e in expectations), key=lambda e: e.estimate)
    assert shown(best.estimate, "vi") in text
    # shares of each perception item add up to 100 % per agency
    total = sum(shares[("Q6", code, "A2")].estimate for code, _ in perception[1].options)
    assert abs(total - 100.0) < 1e-9
    english = pdf_text(
        (
            await world.client.get("/api/v1/waves/S1/scorecards/A1.pdf?lang=en", headers=world.auth("admin"))
        ).content
    )
    assert "Citizens' top expectations" in english and shown(best.estimate, "en") in english
