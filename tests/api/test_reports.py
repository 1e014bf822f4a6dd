"""Scorecard and province-summary downloads: roles, agency scope (404), headers, languages.

The wave statistics come from ``survey_engine.analysis`` (the lead's loader); here its result is replaced
by a real ``estimate_indices`` run on simulated counter-3 answers for agencies A1 and A2.
"""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from pypdf import PdfReader

from sampling import Design, estimate_indices
from sampling.results import IndexResult
from survey_engine import scorecards
from tests.api.conftest import World, create_open_wave


def fake_results(sizes: dict[str, int]) -> IndexResult:
    rng = np.random.default_rng(3)
    agency = np.repeat(list(sizes), list(sizes.values()))
    answers = {"RATING": rng.choice([1, 2, 3], size=agency.size, p=[0.15, 0.45, 0.4])}
    return estimate_indices(
        Design(weights=np.ones(agency.size)),
        answers,
        {"RATING": ["RATING"]},
        by={"agency": agency},
        top=(2, 3),
        scale=(1, 2, 3),
    )


@pytest.fixture
def statistics(monkeypatch: pytest.MonkeyPatch) -> IndexResult:
    result = fake_results({"A1": 120, "A2": 90})

    async def loader(wave_code: str) -> scorecards.WaveStatistics:
        if wave_code != "W1":
            raise AssertionError(wave_code)
        return scorecards.WaveStatistics(
            result, ("Mẫu thử", "Test design"), ("Không gia quyền.", "Unweighted.")
        )

    monkeypatch.setattr(scorecards, "_index_results", loader)
    return result


def pdf_text(body: bytes) -> str:
    reader = PdfReader(io.BytesIO(body))
    return re.sub(r"\s+", " ", " ".join(p.extract_text() or "" for p in reader.pages))


async def test_staff_download_a_scorecard(world: World, statistics: IndexResult) -> None:
    await create_open_wave(world)
    for role in ("admin", "statistician"):
        response = await world.client.get("/api/v1/waves/W1/scorecards/A2.pdf", headers=world.auth(role))
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/pdf"
        assert response.headers["content-disposition"] == 'attachment; filename="scorecard-W1-A2-vi.pdf"'
        text = pdf_text(response.content)
        assert "Sở Y tế" in text and "Đợt 1" in text
    sipas = statistics.groups.estimates[statistics.groups.find("SIPAS", {"agency": "A2"})]
    assert f"{sipas.estimate:.1f}".replace(".", ",") in text
    response = await world.client.get(
        "/api/v1/waves/W1/scorecards/A2.pdf?lang=en", headers=world.auth("admin")
    )
    assert response.status_code == 200
    assert response.headers["content-disposition"].endswith('filename="scorecard-W1-A2-en.pdf"')
    text = pdf_text(response.content)
    assert "Department of Health" in text and f"{sipas.estimate:.1f}" in text


async def test_agency_user_sees_only_its_own_agency(world: World, statistics: IndexResult) -> None:
    await create_open_wave(world)
    agency = world.auth("agency")  # an A1 user
    response = await world.client.get("/api/v1/waves/W1/scorecards/A1.pdf", headers=agency)
    assert response.status_code == 200, response.text
    response = await world.client.get("/api/v1/waves/W1/scorecards/A2.pdf", headers=agency)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    response = await world.client.get("/api/v1/waves/W1/province-summary.pdf", headers=agency)
    assert response.status_code == 404


async def test_roles_and_unknown_objects(world: World, statistics: IndexResult) -> None:
    await create_open_wave(world)
    url = "/api/v1/waves/W1/scorecards/A1.pdf"
    assert (await world.client.get(url)).status_code == 401
    assert (await world.client.get(url, headers=world.auth("interviewer"))).status_code == 403
    admin = world.auth("admin")
    assert (await world.client.get("/api/v1/waves/NOPE/scorecards/A1.pdf", headers=admin)).status_code == 404
    assert (await world.client.get("/api/v1/waves/W1/scorecards/ZZ.pdf", headers=admin)).status_code == 404
    assert (await world.client.get(f"{url}?lang=fr", headers=admin)).status_code in (400, 422)


async def test_province_summary(world: World, statistics: IndexResult) -> None:
    await create_open_wave(world)
    response = await world.client.get(
        "/api/v1/waves/W1/province-summary.pdf?lang=en", headers=world.auth("admin")
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"] == 'attachment; filename="province-summary-W1-en.pdf"'
    text = pdf_text(response.content)
    assert "Department of Justice" in text and "Department of Health" in text
    assert "not a ranking" in text


async def test_a_wave_without_responses_is_a_conflict(world: World) -> None:
    await create_open_wave(world)
    response = await world.client.get("/api/v1/waves/W1/scorecards/A1.pdf", headers=world.auth("admin"))
    assert response.status_code == 409, response.text
    assert "no complete responses" in response.json()["detail"]
