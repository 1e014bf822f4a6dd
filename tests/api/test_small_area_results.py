"""Model-based (small-area) indices on the scorecard and the console's agency page (issue #16, item 3).

Six agencies answer a SIPAS 2017 wave through the submissions API: five with 45 respondents each (two at
province level, three communes) and one commune, A6, with 9 (its direct index is suppressed by the NCHS
rule, n < 30). A6's scorecard and agency page show the direct index as suppressed and, beside it, the
Fay–Herriot EBLUP, labelled as model-based; the numbers are those of ``sampling.small_area.fay_herriot``
fitted on the API's own direct estimates. A1, whose index is published, shows no model-based figure.
"""

from __future__ import annotations

import asyncio
import io
import random
import re
import uuid
from typing import Any

import pytest
from pypdf import PdfReader

from reports.numbers import format_interval, format_number
from sampling.small_area import fay_herriot, treatment_dummies
from survey_engine.actors import SYSTEM
from survey_engine.administration.agencies import AgencyService, ServicePointService
from survey_engine.questionnaire import get_template
from survey_engine.simulate import simulate_answers
from survey_engine.tables import ServicePoint
from tests.api.conftest import World
from tests.support.console import Console, text_of

SIZES = {"A1": 45, "A2": 45, "A3": 45, "A4": 45, "A5": 45, "A6": 9}
MOODS = {"A1": 0.9, "A2": 0.75, "A3": 0.6, "A4": 0.8, "A5": 0.7, "A6": 0.65}
LEVEL = {"A1": "province", "A2": "province"}


async def _setup(world: World) -> None:
    admin = world.auth("admin")
    for code in ("A3", "A4", "A5", "A6"):
        await AgencyService().create(
            SYSTEM,
            {"code": code, "name_vi": f"UBND xã {code}", "name_en": f"Commune {code}", "level": "commune"},
        )
        await ServicePointService().create(
            SYSTEM,
            {
                "code": f"{code}-Q1",
                "agency": code,
                "name_vi": "Quầy",
                "name_en": "Counter",
                "kind": "counter",
            },
        )
    response = await world.client.post(
        "/api/v1/questionnaires", json={"template": "sipas-2017"}, headers=admin
    )
    assert response.status_code in (201, 409), response.text
    response = await world.client.post("/api/v1/questionnaires/sipas-2017/publish", headers=admin)
    assert response.status_code == 200, response.text
    body = {
        "code": "S1",
        "name_vi": "Đợt khảo sát 2026",
        "name_en": "Survey 2026",
        "questionnaire": "sipas-2017",
        "questionnaire_version": 1,
        "period_start": "2026-01-01",
        "period_end": "2026-12-31",
        "channels": ["online"],
        "agencies": list(SIZES),
        "service_points": [f"{a}-Q1" for a in SIZES],
    }
    assert (await world.client.post("/api/v1/waves", json=body, headers=admin)).status_code == 201
    response = await world.client.post("/api/v1/waves/S1/status", json={"status": "open"}, headers=admin)
    assert response.status_code == 200, response.text
    world.app.state.services.submissions.forget()
    q = get_template("sipas-2017")
    rng = random.Random(16)
    posts: list[dict[str, Any]] = []
    for code, n in SIZES.items():
        row = (
            await ServicePoint.select(ServicePoint.public_token)
            .where(ServicePoint.code == f"{code}-Q1")
            .first()
        )
        assert row is not None
        for i in range(n):
            day = 1 + i % 28
            posts.append(
                {
                    "id": str(uuid.uuid4()),
                    "token": str(row["public_token"]),
                    "answers": simulate_answers(q, rng, MOODS[code]),
                    "channel": "online",
                    "started_at": f"2026-03-{day:02d}T09:00:00+00:00",
                    "submitted_at": f"2026-03-{day:02d}T09:05:00+00:00",
                }
            )

    async def post(body: dict[str, Any]) -> None:
        response = await world.client.post("/api/v1/submissions", json=body)
        assert response.status_code == 201, response.text

    for start in range(0, len(posts), 40):
        await asyncio.gather(*(post(b) for b in posts[start : start + 40]))


@pytest.fixture
async def small(world: World) -> World:
    await _setup(world)
    return world


async def _expected(world: World) -> dict[str, Any]:
    """The model fitted by hand on the estimates API's direct overall indices."""
    response = await world.client.get("/api/v1/waves/S1/estimates", headers=world.auth("statistician"))
    assert response.status_code == 200, response.text
    overall = {
        i["domain"]["agency"]: i for i in response.json()["indices"] if i["kind"] == "overall" and i["domain"]
    }
    codes = sorted(overall)
    assert codes == sorted(SIZES)
    assert overall["A6"]["flag"] == "suppress" and overall["A1"]["flag"] is None
    fit = fay_herriot(
        codes,
        [overall[c]["estimate"] for c in codes],
        [overall[c]["se"] ** 2 for c in codes],
        treatment_dummies("level", [LEVEL.get(c, "commune") for c in codes]),
    )
    a6 = fit.area("A6")
    return {
        "eblup": a6.eblup,
        "rmse": a6.rmse,
        "ci": (a6.eblup - 1.959963984540054 * a6.rmse, a6.eblup + 1.959963984540054 * a6.rmse),
        "n": len(codes),
    }


def _pdf_text(body: bytes) -> str:
    reader = PdfReader(io.BytesIO(body))
    return re.sub(r"\s+", " ", " ".join(p.extract_text() or "" for p in reader.pages))


async def test_scorecard_of_a_small_agency_shows_the_model_based_index(small: World) -> None:
    expected = await _expected(small)
    admin = small.auth("admin")
    response = await small.client.get("/api/v1/waves/S1/scorecards/A6.pdf", headers=admin)
    assert response.status_code == 200, response.text
    text = _pdf_text(response.content)
    assert "Không công bố" in text  # the direct index, suppressed as before
    assert "Ước lượng dựa trên mô hình (ước lượng khu vực nhỏ)" in text
    assert "không phải ước lượng trực tiếp từ mẫu" in text
    assert format_number(expected["eblup"], "vi") in text
    low, high = (max(0.0, expected["ci"][0]), min(100.0, expected["ci"][1]))
    assert format_interval(low, high, "vi") in text
    assert f"trên {expected['n']} cơ quan" in text and "cấp hành chính" in text
    response = await small.client.get("/api/v1/waves/S1/scorecards/A6.pdf?lang=en", headers=admin)
    text = _pdf_text(response.content)
    assert "Model-based estimate (small-area estimation)" in text
    assert format_number(expected["eblup"], "en") in text and "administrative level" in text
    response = await small.client.get("/api/v1/waves/S1/scorecards/A1.pdf", headers=admin)
    assert "Ước lượng dựa trên mô hình" not in _pdf_text(response.content)


async def test_agency_page_shows_the_model_based_index_labelled(small: World) -> None:
    expected = await _expected(small)
    response = await Console(small, "statistician").get("/staff/results/S1/A6")
    assert response.status_code == 200, response.text
    assert 'data-model-based="small-area"' in response.text
    text = text_of(response.text)
    assert "Ước lượng dựa trên mô hình (ước lượng khu vực nhỏ)" in text
    assert "Theo mô hình — không phải ước lượng trực tiếp từ mẫu" in text
    assert format_number(expected["rmse"], "vi") in text
    assert f"trên {expected['n']} cơ quan của đợt, dựa trên cấp hành chính" in text
    response = await Console(small, "statistician", "en").get("/staff/results/S1/A6")
    assert "From a model — not a direct estimate from the sample" in text_of(response.text)
    response = await Console(small, "statistician").get("/staff/results/S1/A1")
    assert response.status_code == 200 and "data-model-based" not in response.text
