"""Estimates from the database equal `sampling` run directly on the same responses; roles respected."""

from __future__ import annotations

import asyncio
import json
import random
import uuid

import numpy as np
import pytest
from piccolo.engine.base import Engine

from api.migrate import migrate
from sampling import Design, estimate_indices
from survey_engine.answer_codes import criteria_layout
from survey_engine.questionnaire import get_template
from survey_engine.simulate import simulate_answers
from survey_engine.tables import ServicePoint, Submission
from tests.api.conftest import World


async def _sipas_2017_wave(world: World, responses: int = 240) -> None:
    admin = world.auth("admin")
    assert (
        await world.client.post("/api/v1/questionnaires", json={"template": "sipas-2017"}, headers=admin)
    ).status_code == 201
    assert (
        await world.client.post("/api/v1/questionnaires/sipas-2017/publish", headers=admin)
    ).status_code == 200
    body = {
        "code": "E1",
        "name_vi": "Đợt",
        "name_en": "Wave",
        "questionnaire": "sipas-2017",
        "questionnaire_version": 1,
        "period_start": "2026-01-01",
        "period_end": "2026-12-31",
        "channels": ["online", "kiosk"],
        "agencies": ["A1", "A2"],
        "service_points": ["A1-Q1", "A2-Q1"],
    }
    assert (await world.client.post("/api/v1/waves", json=body, headers=admin)).status_code == 201
    assert (
        await world.client.post("/api/v1/waves/E1/status", json={"status": "open"}, headers=admin)
    ).status_code == 200
    tokens = [
        r["public_token"]
        for r in await ServicePoint.select(ServicePoint.public_token).order_by(ServicePoint.code)
    ]
    q = get_template("sipas-2017")
    rng = random.Random(11)

    async def post(i: int) -> None:
        mood = 0.9 if i % 2 == 0 else 0.7
        answers = simulate_answers(q, rng, mood)
        day = 1 + (i // 2) % 28  # ratings spread over four weeks: service-point-days are the clusters
        body = {
            "id": str(uuid.uuid4()),
            "token": tokens[i % 2],
            "answers": answers,
            "channel": "online",
            "started_at": f"2026-02-{day:02d}T09:00:00+00:00",
            "submitted_at": f"2026-02-{day:02d}T09:05:00+00:00",
        }
        response = await world.client.post("/api/v1/submissions", json=body)
        assert response.status_code == 201, response.text

    for start in range(0, responses, 40):
        await asyncio.gather(*(post(i) for i in range(start, min(start + 40, responses))))


async def _direct(by_agency: bool = True) -> dict[tuple[str, str], tuple[float, float, int]]:
    """The same estimates computed by `sampling` on rows decoded from the stored JSON answers."""
    rows = await Submission.select(
        Submission.agency.code, Submission.service_point, Submission.submitted_at, Submission.answers
    ).output(load_json=True)
    layout = criteria_layout(get_template("sipas-2017"))
    criteria = {
        c: np.array([float(r["answers"].get(c)) if r["answers"].get(c) is not None else np.nan for r in rows])
        for c in layout.codes
    }
    psu = np.array([f"{r['service_point']}:{r['submitted_at'].date()}" for r in rows])
    design = Design(weights=np.ones(len(rows)), psu=psu, lonely_psu="adjust")
    groups = {code: list(members) for code, members in layout.elements}
    result = estimate_indices(
        design, criteria, groups, by={"agency": np.array([r["agency.code"] for r in rows])}, dont_know=(0,)
    )
    out = {}
    for e in (*result.criteria.estimates, *result.groups.estimates):
        out[(e.variable, e.domain["agency"])] = (e.estimate, e.se, e.n)
    return out


async def test_estimates_equal_sampling_on_the_same_rows(world: World) -> None:
    await _sipas_2017_wave(world)
    response = await world.client.get("/api/v1/waves/E1/estimates", headers=world.auth("statistician"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["rows"] == 240 and body["series"] == "self-selected"
    assert "not a probability sample" in body["design"]["label"]["en"]
    assert {i["kind"] for i in body["indices"]} == {"element", "overall"}
    assert len(body["criteria"]) == 22 * 2
    direct = await _direct()
    for item in body["criteria"]:
        est, se, n = direct[(item["criterion"], item["domain"]["agency"])]
        assert item["estimate"] == pytest.approx(est, rel=1e-9) and item["se"] == pytest.approx(se, rel=1e-9)
        assert item["n"] == n
        assert item["label"]["vi"]
    for item in body["indices"]:
        est, se, n = direct[(item["index"], item["domain"]["agency"])]
        assert item["estimate"] == pytest.approx(est, rel=1e-9) and item["se"] == pytest.approx(se, rel=1e-9)
    overall = {i["domain"]["agency"]: i for i in body["indices"] if i["kind"] == "overall"}
    assert overall["A1"]["estimate"] > overall["A2"]["estimate"]  # A1's respondents were happier
    assert overall["A1"]["ci_low"] < overall["A1"]["estimate"] < overall["A1"]["ci_high"]


async def test_agency_user_sees_only_its_agency_and_csv(world: World) -> None:
    await _sipas_2017_wave(world, responses=80)
    headers = world.auth("agency")
    own = (await world.client.get("/api/v1/waves/E1/estimates", headers=headers)).json()
    assert {i["domain"]["agency"] for i in own["indices"]} == {"A1"}
    assert (
        await world.client.get("/api/v1/waves/E1/estimates?by=channel", headers=headers)
    ).status_code == 403
    assert (await world.client.get("/api/v1/waves/NOPE/estimates", headers=headers)).status_code == 404
    assert (
        await world.client.get("/api/v1/waves/E1/estimates", headers=world.auth("interviewer"))
    ).status_code == 403
    csv_response = await world.client.get(
        "/api/v1/waves/E1/estimates?format=csv&by=agency&by=channel", headers=world.auth("admin")
    )
    assert csv_response.status_code == 200 and csv_response.headers["content-type"].startswith("text/csv")
    lines = csv_response.text.strip().splitlines()
    assert (
        lines[0].startswith("kind,code,domain,estimate") and "agency=A1;channel=online" in csv_response.text
    )
    assert (
        await world.client.get("/api/v1/waves/E1/estimates?series=probability", headers=world.auth("admin"))
    ).status_code == 409
    bad = await world.client.get("/api/v1/waves/E1/estimates?by=planet", headers=world.auth("admin"))
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    assert bad.json()["errors"][0]["field"] == "by"


async def test_codes_are_backfilled_for_older_responses(world: World, engine: Engine) -> None:
    # Issue #12, "GETs never write": older responses get their codes when the database is migrated
    # (``sipas db migrate``), no longer on the first GET; the GET then counts every one of them.
    await _sipas_2017_wave(world, responses=40)
    await Submission.update({Submission.codes: None}).where(Submission.id > 0)
    await migrate(engine)
    assert await Submission.count().where(Submission.codes.is_null()) == 0
    body = (await world.client.get("/api/v1/waves/E1/estimates", headers=world.auth("admin"))).json()
    assert body["rows"] == 40
    assert json.dumps(body)  # serialisable


async def test_a_get_of_estimates_writes_nothing(world: World, engine: Engine) -> None:
    await _sipas_2017_wave(world, responses=40)
    ids = sorted(r["id"] for r in await Submission.select(Submission.id))
    await Submission.update({Submission.codes: None}).where(Submission.id.is_in(ids[:10]))
    before = await Submission.select(Submission.id, Submission.codes).order_by(Submission.id)
    for query in ("", "?series=self-selected&by=agency&by=channel", "?format=csv"):
        response = await world.client.get(f"/api/v1/waves/E1/estimates{query}", headers=world.auth("admin"))
        assert response.status_code == 200
    assert await Submission.select(Submission.id, Submission.codes).order_by(Submission.id) == before
    await migrate(engine)  # the migration writes the codes, once
    assert await Submission.count().where(Submission.codes.is_null()) == 0
    body = (await world.client.get("/api/v1/waves/E1/estimates", headers=world.auth("admin"))).json()
    assert body["rows"] == 40


async def test_index_intervals_are_logit_by_default_and_wald_on_request(world: World) -> None:
    """Element and overall indices: the logit interval (inside 0-100, asymmetric around the estimate) by
    default; `index_ci=wald` gives the symmetric Wald interval with the same estimate and SE."""
    await _sipas_2017_wave(world, responses=80)
    auth = world.auth("statistician")
    logit = (await world.client.get("/api/v1/waves/E1/estimates", headers=auth)).json()
    wald = (await world.client.get("/api/v1/waves/E1/estimates?index_ci=wald", headers=auth)).json()
    pairs = list(zip(logit["indices"], wald["indices"], strict=True))
    assert pairs
    for lo, wa in pairs:
        assert (lo["index"], lo["domain"]) == (wa["index"], wa["domain"])
        assert lo["estimate"] == wa["estimate"] and lo["se"] == wa["se"]
        assert lo["ci_method"].startswith("logit-") and wa["ci_method"].startswith("wald-")
        assert 0 <= lo["ci_low"] <= lo["estimate"] <= lo["ci_high"] <= 100
        assert wa["estimate"] - wa["ci_low"] == pytest.approx(wa["ci_high"] - wa["estimate"], rel=1e-9)
        if 0 < lo["estimate"] < 100 and lo["se"] > 0:
            assert lo["ci_high"] - lo["estimate"] != pytest.approx(lo["estimate"] - lo["ci_low"], rel=1e-6)
    # Criterion shares keep their own interval choice (`ci`), untouched by `index_ci`.
    assert logit["criteria"] == wald["criteria"]
    bad = await world.client.get("/api/v1/waves/E1/estimates?index_ci=normal", headers=auth)
    assert bad.status_code == 400 and bad.headers["content-type"].startswith("application/problem+json")
