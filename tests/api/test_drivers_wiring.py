"""Drivers of satisfaction from stored responses: a sipas-2017 wave (own OVERALL item) gets the section on
the scorecard and the agency page; a sipas-2023 wave (no overall item: circular) gets the plain sentence
and no scorecard section. Runs on SQLite and, with TEST_DATABASE_URL, PostgreSQL."""

from __future__ import annotations

import asyncio
import random
import uuid

import pytest

from survey_engine.answer_codes import criteria_layout
from survey_engine.questionnaire import get_template
from survey_engine.results.drivers import outcome_item, wave_drivers
from survey_engine.simulate import simulate_answers
from survey_engine.tables import ServicePoint
from tests.api.conftest import World
from tests.api.test_reports import pdf_text


async def drivers_wave(world: World, responses: int, template: str = "sipas-2017", code: str = "S7") -> None:
    admin = world.auth("admin")
    for path in ("/api/v1/questionnaires", f"/api/v1/questionnaires/{template}/publish"):
        body = {"template": template} if path.endswith("questionnaires") else None
        assert (await world.client.post(path, json=body, headers=admin)).status_code in (200, 201)
    body = {
        "code": code,
        "name_vi": f"Đợt {template}",
        "name_en": f"Wave {template}",
        "questionnaire": template,
        "questionnaire_version": 1,
        "period_start": "2026-01-01",
        "period_end": "2026-12-31",
        "channels": ["online"],
        "agencies": ["A1", "A2"],
        "service_points": ["A1-Q1", "A2-Q1"],
    }
    assert (await world.client.post("/api/v1/waves", json=body, headers=admin)).status_code == 201
    assert (
        await world.client.post(f"/api/v1/waves/{code}/status", json={"status": "open"}, headers=admin)
    ).status_code == 200
    tokens = [
        r["public_token"]
        for r in await ServicePoint.select(ServicePoint.public_token).order_by(ServicePoint.code)
    ]
    q = get_template(template)
    rng = random.Random(7)

    async def post(i: int) -> None:
        # A mood per respondent makes elements and the overall item move together, as real answers do.
        agency = 0 if i % 5 else 1  # A1 gets 4/5 of the responses, A2 too few for a regression
        body = {
            "id": str(uuid.uuid4()),
            "token": tokens[agency],
            "answers": simulate_answers(q, rng, rng.uniform(0.3, 0.97)),
            "channel": "online",
            "submitted_at": f"2026-03-{1 + i % 28:02d}T10:00:00+00:00",
        }
        assert (await world.client.post("/api/v1/submissions", json=body)).status_code == 201

    for start in range(0, responses, 40):
        await asyncio.gather(*(post(i) for i in range(start, min(start + 40, responses))))


def test_outcome_item_found_from_the_definition() -> None:
    old, new = get_template("sipas-2017"), get_template("sipas-2023")
    found = outcome_item(old, criteria_layout(old))
    assert found is not None and found.code == "OVERALL" and found.top == frozenset({4, 5})
    assert outcome_item(new, criteria_layout(new)) is None
    assert outcome_item(get_template("sipas-2025"), criteria_layout(get_template("sipas-2025"))) is None


async def test_drivers_on_scorecard_and_agency_page(world: World) -> None:
    await drivers_wave(world, 200)
    found = await wave_drivers("S7", "self-selected", ["A1", "A2"], province=True)
    assert found.status == "computed" and found.rows == 200
    a1, a2 = found.domains["A1"], found.domains["A2"]
    assert (
        not a1.suppressed
        and a1.n >= 100
        and [e.element for e in a1.elements]
        == [
            "E1",
            "E2",
            "E3",
            "E4",
            "E5",
        ]
    )
    assert a2.suppressed and a2.n < 100
    # mood shared by all answers: every element goes with overall satisfaction
    assert all(e.importance_low < e.importance < e.importance_high for e in a1.elements)
    assert sum(e.importance for e in a1.elements) > 0
    assert all(0 <= e.performance <= 100 for e in a1.elements)
    admin = world.auth("admin")
    pdf = await world.client.get("/api/v1/waves/S7/scorecards/A1.pdf?lang=en", headers=admin)
    assert pdf.status_code == 200, pdf.text
    text = pdf_text(pdf.content)
    assert "What goes with overall satisfaction?" in text and "association, not a cause" in text
    pdf2 = await world.client.get("/api/v1/waves/S7/scorecards/A2.pdf?lang=vi", headers=admin)
    assert pdf2.status_code == 200
    assert "chưa đủ 100 người trả lời đầy đủ" in pdf_text(pdf2.content)


async def test_no_drivers_without_an_overall_item(world: World) -> None:
    await drivers_wave(world, 120, "sipas-2023", "S1")
    found = await wave_drivers("S1", "self-selected", ["A1"])
    assert found.status == "no_outcome" and not found.domains
    pdf = await world.client.get("/api/v1/waves/S1/scorecards/A1.pdf?lang=en", headers=world.auth("admin"))
    assert pdf.status_code == 200
    assert "What goes with overall satisfaction?" not in pdf_text(pdf.content)
    from tests.support.console import Console

    other = await Console(world, "admin", "en").get("/staff/results/S1/A1")
    assert other.status_code == 200
    assert "would be circular" in other.text and 'id="rs-drivers-chart"' not in other.text


async def test_agency_page_shows_the_chart_or_the_sentence(world: World) -> None:
    from tests.support.console import Console

    await drivers_wave(world, 200)
    page = await Console(world, "admin", "en").get("/staff/results/S7/A1")
    assert page.status_code == 200
    html = page.text
    assert 'id="rs-drivers-chart"' in html and 'role="img"' in html and "association, not a cause" in html


async def test_probability_series_equals_a_direct_fit_on_the_same_rows(world: World) -> None:
    """The probability series' drivers equal estimate_drivers on a design built here, independently, from
    the stored weights and the JSON answers (element_scores of the criteria, OVERALL top-box)."""
    import numpy as np

    from sampling import Design
    from sampling.estimators import Domains
    from sampling.glm_drivers import element_scores, estimate_drivers
    from survey_engine.fieldwork.sample_units import weights_for_wave
    from survey_engine.tables import Agency, Submission, Wave
    from tests.api.test_estimates_domains import wave_with_frame

    await wave_with_frame(world)
    body = {"strata": ["agency"], "n": 120, "seed": 17, "allocation": "proportional", "response_rate": 0.9}
    drawn = await world.client.post("/api/v1/waves/E1/draw", json=body, headers=world.auth("admin"))
    assert drawn.status_code == 201, drawn.text
    weighted = await world.client.post(
        "/api/v1/waves/E1/weights", json={}, headers=world.auth("statistician")
    )
    assert weighted.status_code == 200, weighted.text
    found = await wave_drivers("E1", "probability", ["A1"], province=True, min_respondents=10)
    assert found.status == "computed"
    wave_id = (await Wave.select(Wave.id).where(Wave.code == "E1").first())["id"]
    weights = await weights_for_wave(wave_id)
    rows = (
        await Submission.select(Submission.answers, Submission.dossier_hash, Submission.agency)
        .where(
            (Submission.wave == wave_id) & (Submission.complete == True)  # noqa: E712
        )
        .order_by(Submission.id)
        .output(load_json=True)
    )
    rows = [r for r in rows if r["dossier_hash"] in weights]
    assert found.rows == len(rows) >= 20
    q = get_template("sipas-2017")
    layout = criteria_layout(q)

    def value(r: dict, code: str) -> float:
        v = r["answers"].get(code)
        return float(v) if isinstance(v, int) and v in (1, 2, 3, 4, 5) else np.nan

    elements = {
        code: element_scores([[value(r, c) for r in rows] for c in members], (4, 5))
        for code, members in layout.elements
    }
    overall = np.array([value(r, "OVERALL") for r in rows])
    overall = np.where(np.isnan(overall), np.nan, np.where(overall >= 4, 100.0, 0.0))
    w = [weights[r["dossier_hash"]] for r in rows]
    design = Design(
        weights=[x.final_weight for x in w],
        strata=np.array([x.stratum for x in w], dtype=object),
        psu=np.array([x.psu for x in w], dtype=object),
        fpc=[float(x.fpc) for x in w],
        lonely_psu="adjust",
    )
    a1 = (await Agency.select(Agency.id).where(Agency.code == "A1").first())["id"]
    codes = np.array([0 if r["agency"] == a1 else -1 for r in rows])
    direct = estimate_drivers(
        design, overall, elements, by=Domains(codes, ({"agency": "A1"},)), min_respondents=10
    )[0]
    whole = estimate_drivers(design, overall, elements, min_respondents=10)[0]
    assert not found.domains[""].suppressed and len(found.domains[""].elements) == 5
    for mine, theirs in ((found.domains["A1"], direct), (found.domains[""], whole)):
        assert mine.n == theirs.n and mine.suppressed_reason == theirs.suppressed_reason
        for a, b in zip(mine.elements, theirs.elements, strict=True):
            assert a.element == b.element
            for field in (
                "importance",
                "importance_low",
                "importance_high",
                "performance",
                "performance_high",
            ):
                assert getattr(a, field) == pytest.approx(getattr(b, field), rel=1e-10)
