"""Scorecards from the database carry the perception items and top expectations, estimated with the
same design as the indices, and the response rate when the wave has a sample."""

from __future__ import annotations

import asyncio
import random
import uuid

import pytest

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


async def test_shares_read_in_sql_equal_the_row_by_row_estimate(world: World) -> None:
    """The database picks out only the share items, grouped by agency × cluster: the estimates are those
    of every stored response's JSON answers, row by row (the way they were read before), on both engines;
    an answer that is not a valid number of the scale counts as not answered."""
    import numpy as np

    from sampling import Design, estimate_proportions
    from survey_engine.tables import Submission

    await _sipas_2023_wave(world, responses=120)
    odd = await Submission.select(Submission.id, Submission.answers).limit(3).output(load_json=True)
    for row, bad in zip(odd, ("2", None, 11), strict=True):  # text, missing and off-scale answers
        answers = dict(row["answers"])
        answers.pop("Q5", None) if bad is None else answers.update({"Q5": bad, "Q10_1": bad})
        await Submission.update({Submission.answers: answers}).where(Submission.id == row["id"])
    perception, expectations, shares = await analysis.wave_shares("S1")
    rows = (
        await Submission.select(
            Submission.agency.code,
            Submission.service_point,
            Submission.submitted_at,
            Submission.received_at,
            Submission.answers,
        )
        .where(Submission.complete == True)  # noqa: E712 - Piccolo builds SQL from ==
        .output(load_json=True)
    )
    psu = [analysis.self_selected_psu(r["service_point"], r["submitted_at"], r["received_at"]) for r in rows]
    design = Design(weights=np.ones(len(rows)), psu=np.array(psu, dtype=object), lonely_psu="adjust")
    indicators = {}
    for item in perception:
        values = [r["answers"].get(item.code) for r in rows]
        valid = {int(code) for code, _ in item.options}
        for v in sorted(valid):
            indicators[f"{item.code}={v}"] = np.array(
                [float(x == v) if type(x) is int and x in valid else np.nan for x in values]
            )
    for item in expectations:
        values = [r["answers"].get(item.code) for r in rows]
        indicators[f"{item.code}=top"] = np.array(
            [float(x in (3, 4)) if type(x) is int and 1 <= x <= 4 else np.nan for x in values]
        )
    agencies = np.array([r["agency.code"] for r in rows], dtype=object)
    expected = estimate_proportions(design, indicators, by={"agency": agencies})
    assert len(shares) == len(expected.estimates) == 2 * (6 + 10)
    for e in expected.estimates:
        code, option = e.variable.split("=", 1)
        got = shares[(code, option, e.domain["agency"])]
        assert got.n == e.n
        assert abs(got.estimate - 100 * e.estimate) < 1e-9 and abs(got.se - 100 * e.se) < 1e-9


async def test_shares_read_in_parts_equal_one_read(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL reads the self-selected shares in parts side by side (service points by remainder): the
    cells are those of one query, none split or lost (SQLite reads them in one query either way)."""
    from survey_engine.results import analysis_shares
    from survey_engine.tables import Wave

    await _sipas_2023_wave(world, responses=80)
    wave_id = (await Wave.select(Wave.id).where(Wave.code == "S1").first())["id"]
    items = ["Q5", "Q6", "Q10_1"]
    monkeypatch.setattr(analysis_shares, "PG_PARTS", 1)
    whole = await analysis_shares.read_share_cells(wave_id, items, [], probability=False)
    monkeypatch.setattr(analysis_shares, "PG_PARTS", 3)
    parts = await analysis_shares.read_share_cells(wave_id, items, [], probability=False)

    def responses(cells: list[tuple[object, ...]]) -> list[tuple[object, ...]]:
        """Each cell with its responses' answers in a fixed order (a cell's order is the database's)."""
        out = []
        for agency, psu, n, codes in cells:
            chunks = sorted(str(codes)[i : i + len(items)] for i in range(0, len(str(codes)), len(items)))
            out.append((agency, psu, n, tuple(chunks)))
        return sorted(out)

    assert len(whole) > 2 and responses(parts) == responses(whole)
    assert {c[0] for c in whole} == {"A1", "A2"}
