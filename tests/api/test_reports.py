"""Scorecard and province-summary downloads: roles, agency scope (404), headers, languages.

The wave statistics come from ``survey_engine.results.analysis`` (the lead's loader); here its result is
replaced
by a real ``estimate_indices`` run on simulated counter-3 answers for agencies A1 and A2.
"""

from __future__ import annotations

import io
import re
import uuid

import numpy as np
import pytest
from pypdf import PdfReader

from sampling import Design, estimate_indices
from sampling.results import IndexResult
from survey_engine.results import analysis, scorecards
from survey_engine.wave_context import WaveContext
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

    async def loader(wave: str | WaveContext) -> scorecards.WaveStatistics:
        wave_code = wave if isinstance(wave, str) else wave.code  # the report passes its loaded wave on
        if wave_code != "W1":
            raise AssertionError(wave_code)
        return scorecards.WaveStatistics(
            result, ("Mẫu thử", "Test design"), ("Không gia quyền.", "Unweighted.")
        )

    monkeypatch.setattr(scorecards, "index_results", loader)
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


async def _submit(world: World, point: str, ratings: list[int]) -> None:
    token = (await world.client.get(f"/api/v1/service-points/{point}", headers=world.auth("admin"))).json()[
        "token"
    ]
    for rating in ratings:
        body = {
            "id": str(uuid.uuid4()),
            "token": token,
            "answers": {"RATING": rating},
            "channel": "online",
            "language": "vi",
            "started_at": "2026-11-22T08:00:00+07:00",
            "submitted_at": "2026-11-22T08:02:30+07:00",
        }
        response = await world.client.post("/api/v1/submissions", json=body)
        assert response.status_code == 201, response.text


async def test_end_to_end_from_stored_responses(world: World) -> None:
    """No stand-in: responses stored through the API, estimated by survey_engine.results.analysis,
    rendered."""
    await create_open_wave(world)
    await _submit(world, "A1-Q1", [3] * 20 + [2] * 15 + [1] * 5)
    await _submit(world, "A2-Q1", [3] * 10 + [2] * 12 + [1] * 14)
    stats = await analysis.wave_results("W1", by=("agency",), series="self-selected")
    assert stats.result is not None
    a1 = stats.result.groups.estimates[stats.result.groups.find("SIPAS", {"agency": "A1"})]
    response = await world.client.get("/api/v1/waves/W1/scorecards/A1.pdf", headers=world.auth("agency"))
    assert response.status_code == 200, response.text
    text = pdf_text(response.content)
    assert a1.n == 40 and "n = 40" in text
    # All 40 ratings came in on one day at one point: one cluster, so the estimate is suppressed and says why.
    assert a1.flag == "suppress" and f"{a1.estimate:.1f}".replace(".", ",") not in text
    assert "— (1)" in text and "(1) Không công bố: độ rộng khoảng tin cậy Korn–Graubard" in text
    # The same responses are counter ratings (counter-3 instrument): shown apart, self-selected.
    assert "Số lượt đánh giá: 40 · Rất hài lòng: 50,0 % · Hài lòng: 37,5 % · Không hài lòng: 12,5 %" in text
    assert "KHÔNG phải mẫu xác suất" in text
    # Issue #13: the series is named for what defines it, and the channels counted from the data are listed
    # (A1's 40 online responses only; A2's are not in A1's scorecard).
    flat = " ".join(text.split())
    assert "Các câu trả lời không gắn với mẫu xác suất của đợt khảo sát" in flat
    assert "Kênh trả lời: trực tuyến: 40 phiếu." in flat
    assert "kiosk, mã QR" not in flat
    response = await world.client.get(
        "/api/v1/waves/W1/province-summary.pdf", headers=world.auth("statistician")
    )
    assert response.status_code == 200, response.text
    summary = " ".join(pdf_text(response.content).split())
    assert "Sở Tư pháp" in summary
    assert "Kênh trả lời: trực tuyến: 76 phiếu." in summary and "†: chỉ mang tính mô tả" in summary
