"""Every built-in questionnaire is scorable: a Decree 61 wave (total score 0–18) and the IKM example
(weighted mean × 25, bands A–D) are created, collected through the public submission endpoint and scored
by the same estimates endpoint as SIPAS, equal to `sampling` run on the rows decoded from the JSON answers.
Runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

import asyncio
import csv
import io
import random
import uuid

import numpy as np
import pytest

from reports.numbers import format_interval, format_number
from sampling import Design
from sampling.index_rules import estimate_rule
from survey_engine.actors import SYSTEM
from survey_engine.answer_codes import MISSING_CHAR, criteria_layout
from survey_engine.collection.kiosks import KioskDeviceService
from survey_engine.questionnaire import get_template
from survey_engine.results.analysis_cells import groups_of
from survey_engine.results.code_backfill import backfill_answer_codes, recode_scored_choices
from survey_engine.results.index_rule import scoring_rule
from survey_engine.simulate import simulate_answers
from survey_engine.tables import ServicePoint, Submission
from tests.api.conftest import World
from tests.api.test_reports import pdf_text
from tests.support.console import Console, text_of


async def _wave(world: World, template: str, responses: int, channels: tuple[str, str]) -> None:
    admin = world.auth("admin")
    created = await world.client.post("/api/v1/questionnaires", json={"template": template}, headers=admin)
    assert created.status_code == 201, created.text
    published = await world.client.post(f"/api/v1/questionnaires/{template}/publish", headers=admin)
    assert published.status_code == 200, published.text
    body = {
        "code": "R1",
        "name_vi": "Đợt",
        "name_en": "Wave",
        "questionnaire": template,
        "questionnaire_version": 1,
        "period_start": "2026-01-01",
        "period_end": "2026-12-31",
        "channels": list(channels),
        "agencies": ["A1", "A2"],
        "service_points": ["A1-Q1", "A2-Q1"],
    }
    assert (await world.client.post("/api/v1/waves", json=body, headers=admin)).status_code == 201
    opened = await world.client.post("/api/v1/waves/R1/status", json={"status": "open"}, headers=admin)
    assert opened.status_code == 200
    points = await ServicePoint.select(ServicePoint.code, ServicePoint.public_token).order_by(
        ServicePoint.code
    )
    tokens = [r["public_token"] for r in points]
    devices = [(await KioskDeviceService().register(SYSTEM, r["code"], "Máy quầy"))[1] for r in points]
    q = get_template(template)
    rng = random.Random(7)

    async def post(i: int) -> None:
        answers = simulate_answers(q, rng, 0.85 if i % 2 == 0 else 0.6)
        day = 1 + (i // 2) % 20
        body = {
            "id": str(uuid.uuid4()),
            "token": tokens[i % 2],
            "answers": answers,
            "channel": channels[i % 2],
            "started_at": f"2026-03-{day:02d}T09:00:00+00:00",
            "submitted_at": f"2026-03-{day:02d}T09:04:00+00:00",
        }
        kiosk = {"X-Kiosk-Device": devices[i % 2]} if channels[i % 2] == "kiosk" else {}
        response = await world.client.post("/api/v1/submissions", json=body, headers=kiosk)
        assert response.status_code == 201, response.text

    for start in range(0, responses, 30):
        await asyncio.gather(*(post(i) for i in range(start, min(start + 30, responses))))


async def _direct(template: str) -> dict[tuple[str, str], tuple[float, float, int]]:
    """The rule's estimates by `sampling` on rows: each criterion's value decoded from the JSON answers."""
    rows = await Submission.select(
        Submission.agency.code, Submission.service_point, Submission.submitted_at, Submission.answers
    ).output(load_json=True)
    q = get_template(template)
    layout = criteria_layout(q)
    values = {}
    for c in layout.criteria:
        item = q.item(c.code)
        if item.type == "single":
            score = {o.code: float(o.score or 0) for o in item.options or []}
            values[c.code] = np.array([score.get(r["answers"].get(c.code), np.nan) for r in rows])
        else:
            values[c.code] = np.array(
                [
                    float(v) if isinstance(v := r["answers"].get(c.code), int) and v > 0 else np.nan
                    for r in rows
                ]
            )
    psu = np.array([f"{r['service_point']}:{r['submitted_at'].date()}" for r in rows])
    design = Design(weights=np.ones(len(rows)), psu=psu, lonely_psu="adjust")
    result = estimate_rule(
        design,
        values,
        scoring_rule(layout, groups_of(layout)),
        by={"agency": np.array([r["agency.code"] for r in rows])},
    )
    return {
        (e.variable, e.domain["agency"]): (e.estimate, e.se, e.n)
        for e in (*result.criteria.estimates, *result.groups.estimates)
    }


def _agree(body: dict, direct: dict[tuple[str, str], tuple[float, float, int]]) -> None:
    for item in body["criteria"]:
        est, se, n = direct[(item["criterion"], item["domain"]["agency"])]
        assert item["estimate"] == pytest.approx(est, rel=1e-9) and item["se"] == pytest.approx(se, rel=1e-9)
        assert item["n"] == n
    for item in body["indices"]:
        est, se, n = direct[(item["index"], item["domain"]["agency"])]
        assert item["estimate"] == pytest.approx(est, rel=1e-9) and item["se"] == pytest.approx(se, rel=1e-9)
        assert item["n"] == n
        assert item["ci_low"] <= item["estimate"] <= item["ci_high"]


async def test_decree61_wave_is_collected_and_scored(world: World) -> None:
    await _wave(world, "decree61-9", 120, ("kiosk", "online"))
    response = await world.client.get("/api/v1/waves/R1/estimates", headers=world.auth("statistician"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["rows"] == await Submission.count()
    assert body["rule"]["code"] == "score_sum" and body["rule"]["scale"] == [0, 18]
    assert [(b["code"], b["min"]) for b in body["rule"]["bands"]] == [
        ("unacceptable", 0),
        ("acceptable", 10),
        ("good", 15),
        ("excellent", 18),
    ]
    assert body["measure"] == "total score 0-18"
    overall = {i["domain"]["agency"]: i for i in body["indices"] if i["kind"] == "overall"}
    assert overall["A1"]["label"]["en"] == "Total score"
    for item in overall.values():
        cut = max(low for low in (0, 10, 15, 18) if item["estimate"] >= low)
        assert item["band"] == {0: "unacceptable", 10: "acceptable", 15: "good", 18: "excellent"}[cut]
        assert 0 <= item["ci_low"] < item["estimate"] < item["ci_high"] <= 18
        assert item["ci_method"] == "logit-t"
    assert overall["A1"]["estimate"] != overall["A2"]["estimate"]
    _agree(body, await _direct("decree61-9"))
    for c in body["criteria"]:
        assert 0 <= c["ci_low"] <= c["estimate"] <= c["ci_high"] <= 2
    wald = await world.client.get(
        "/api/v1/waves/R1/estimates", params={"index_ci": "wald"}, headers=world.auth("statistician")
    )
    assert {i["ci_method"] for i in wald.json()["indices"]} == {"wald-t"}


async def test_ikm_example_is_scored_with_its_bands(world: World) -> None:
    await _wave(world, "ikm-9", 90, ("online", "kiosk"))
    headers = world.auth("statistician")
    body = (await world.client.get("/api/v1/waves/R1/estimates", headers=headers)).json()
    assert body["rule"]["code"] == "weighted_mean" and body["rule"]["scale"] == pytest.approx([25, 100])
    assert [b["code"] for b in body["rule"]["bands"]] == ["D", "C", "B", "A"]
    assert body["rule"]["source"]["en"].startswith("Regulation of the Minister PANRB No. 14 of 2017")
    _agree(body, await _direct("ikm-9"))
    bands = {b["code"]: b["min"] for b in body["rule"]["bands"]}
    for item in body["indices"]:
        if item["kind"] == "overall":
            expected = max((c for c, low in bands.items() if item["estimate"] >= low), key=bands.__getitem__)
            assert item["band"] == expected
            assert 25 <= item["ci_low"] < item["estimate"] < item["ci_high"] <= 100
        else:  # an element: its mean on 1-4 times 25
            assert "band" not in item
    by_point = await world.client.get(
        "/api/v1/waves/R1/estimates", params={"by": "channel", "format": "csv"}, headers=headers
    )
    table = list(csv.DictReader(io.StringIO(by_point.text)))
    assert {r["band"] for r in table if r["kind"] == "overall"} <= set(bands)
    assert all(r["band"] == "" for r in table if r["kind"] != "overall")


async def test_decree61_answers_stored_without_codes_are_recoded_on_migration(world: World) -> None:
    """Decree 61 answers stored before option answers had code characters ("." everywhere) are
    re-encoded once by the migration step, and the estimates then count them."""
    await _wave(world, "decree61-9", 20, ("kiosk", "online"))
    layout = criteria_layout(get_template("decree61-9"))
    stored = await Submission.select(Submission.id, Submission.codes)
    assert all(set(r["codes"]) != {MISSING_CHAR} for r in stored)
    await Submission.update({Submission.codes: MISSING_CHAR * len(layout.codes)}, force=True)
    assert await backfill_answer_codes() == len(stored)
    assert await backfill_answer_codes() == 0
    again = {r["id"]: r["codes"] for r in await Submission.select(Submission.id, Submission.codes)}
    assert again == {r["id"]: r["codes"] for r in stored}


async def test_a_recode_by_another_process_is_seen_at_once_by_the_kept_cells(world: World) -> None:
    """Cells kept while the answers had no code characters, then the re-encoding run by another process
    (``sipas db migrate`` beside the server): its change to the wave tells the kept cells to read again."""
    await _wave(world, "decree61-9", 30, ("kiosk", "online"))
    layout = criteria_layout(get_template("decree61-9"))
    await Submission.update({Submission.codes: MISSING_CHAR * len(layout.codes)}, force=True)
    headers = world.auth("statistician")
    blank = (await world.client.get("/api/v1/waves/R1/estimates", headers=headers)).json()
    assert all(c["n"] == 0 for c in blank["criteria"])
    assert await recode_scored_choices() == 30  # not backfill_answer_codes: this process keeps its cells
    body = (await world.client.get("/api/v1/waves/R1/estimates", headers=headers)).json()
    _agree(body, await _direct("decree61-9"))


@pytest.mark.parametrize("template", ["decree61-9", "ikm-9"])
async def test_console_pages_and_scorecard_show_the_rule(world: World, template: str) -> None:
    await _wave(world, template, 60, ("online", "kiosk"))
    body = (await world.client.get("/api/v1/waves/R1/estimates", headers=world.auth("statistician"))).json()
    overall = next(i for i in body["indices"] if i["kind"] == "overall" and i["domain"] == {"agency": "A1"})
    console = Console(world, "statistician")
    province = await console.get("/staff/results", wave="R1")
    assert province.status_code == 200, province.text
    listing = text_of(province.text)
    assert "Chỉ số chung các cơ quan" in listing and "Chỉ số SIPAS các cơ quan" not in listing
    assert format_number(overall["estimate"], "vi") in listing
    page = await console.get("/staff/results/R1/A1")
    assert page.status_code == 200, page.text
    text = text_of(page.text)
    assert format_number(overall["estimate"], "vi") in text
    assert format_interval(overall["ci_low"], overall["ci_high"], "vi") in text
    value = format_number(overall["estimate"], "vi")
    assert f"{overall['label']['vi']} {value}" in text and "Chỉ số SIPAS và các yếu tố" not in text
    assert f"{value} %" not in text  # a score, not a percentage
    if template == "ikm-9":
        band = {"A": "A — Rất tốt", "B": "B — Tốt", "C": "C — Kém", "D": "D — Không tốt"}[overall["band"]]
        assert f"Xếp loại: {band}" in text
        assert "Xếp loại theo quy định: D — Không tốt (Tidak baik) từ 25,00" in text
        assert "Nguồn quy tắc: Peraturan Menteri PANRB số 14 năm 2017" in text
    else:
        grade = {"unacceptable": "Không đạt", "acceptable": "Đạt", "good": "Tốt", "excellent": "Xuất sắc"}
        assert "thang điểm 0–18" in text and f"Xếp loại: {grade[overall['band']]}" in text
        assert "Nguồn quy tắc: Nghị định 61/2018/NĐ-CP" in text
    pdf = await world.client.get("/api/v1/waves/R1/scorecards/A1.pdf", headers=world.auth("statistician"))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    card = pdf_text(pdf.content)
    assert "Phiếu kết quả đánh giá sự phục vụ hành chính" in card and "Chỉ số SIPAS" not in card
    assert overall["label"]["vi"] in card and value in card and f"{value} %" not in card
    assert "Quy tắc NCHS 30/30 cho điểm trung bình" in card
    if template == "ikm-9":
        assert "Thang điểm: 25–100" in card and "Xếp loại:" in card
    else:
        assert "Thang điểm: 0–18" in card and "Xếp loại:" in card
    summary = await world.client.get(
        "/api/v1/waves/R1/province-summary.pdf", headers=world.auth("statistician")
    )
    assert summary.status_code == 200, summary.text
    words = pdf_text(summary.content)
    assert "Tổng hợp chỉ số chung các cơ quan trong tỉnh" in words and "SIPAS (%)" not in words
    assert overall["label"]["vi"] in words and "Quy tắc NCHS 30/30 cho điểm trung bình" in words
