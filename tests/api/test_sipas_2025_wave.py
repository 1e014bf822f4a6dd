"""A wave on the sipas-2025 template: created from the built-in template, answered on the online form,
collected and scored."""

from __future__ import annotations

import asyncio
import random
import uuid

from survey_engine.questionnaire import get_template
from survey_engine.simulate import simulate_answers
from tests.api.conftest import World, point_token
from tests.api.test_pages import Form, first_choice_answers, stored

ELEMENTS = {"I_A", "I_B", "I_C", "I_D", "II_A", "II_B", "II_C", "II_D", "II_E"}


async def _open_wave(world: World) -> None:
    admin = world.auth("admin")
    templates = await world.client.get("/api/v1/questionnaires/templates", headers=admin)
    assert "sipas-2025" in templates.json()
    r = await world.client.post("/api/v1/questionnaires", json={"template": "sipas-2025"}, headers=admin)
    assert r.status_code == 201, r.text
    assert r.json()["draft"]["description"]["vi"].startswith("Câu chữ của phiếu khảo sát SIPAS hiện hành")
    r = await world.client.post("/api/v1/questionnaires/sipas-2025/publish", headers=admin)
    assert r.status_code == 200 and r.json()["label"] == "sipas-2025@1", r.text
    body = {
        "code": "N1",
        "name_vi": "Đợt SIPAS theo phiếu của Bộ",
        "name_en": "SIPAS wave on the ministry's questionnaire",
        "questionnaire": "sipas-2025",
        "questionnaire_version": 1,
        "period_start": "2026-01-01",
        "period_end": "2026-12-31",
        "channels": ["online"],
        "agencies": ["A1", "A2"],
        "service_points": ["A1-Q1", "A2-Q1"],
    }
    r = await world.client.post("/api/v1/waves", json=body, headers=admin)
    assert r.status_code == 201, r.text
    r = await world.client.post("/api/v1/waves/N1/status", json={"status": "open"}, headers=admin)
    assert r.status_code == 200, r.text


async def test_a_wave_on_sipas_2025_collects_and_is_scored(world: World) -> None:
    await _open_wave(world)
    tokens = [await point_token(world, "A1-Q1"), await point_token(world, "A2-Q1")]
    page = await world.client.get(f"/f/{tokens[0]}")
    assert page.status_code == 200 and "Phần A: Thông tin cá nhân người trả lời khảo sát" in page.text
    q = get_template("sipas-2025")
    rng = random.Random(25)

    async def post(i: int) -> None:
        body = {
            "id": str(uuid.uuid4()),
            "token": tokens[i % 2],
            "answers": simulate_answers(q, rng),
            "channel": "online",
            "submitted_at": f"2026-04-{1 + i % 28:02d}T10:00:00+00:00",
        }
        r = await world.client.post("/api/v1/submissions", json=body)
        assert r.status_code == 201, r.text

    for start in range(0, 120, 40):
        await asyncio.gather(*(post(i) for i in range(start, start + 40)))

    r = await world.client.get("/api/v1/waves/N1/estimates", headers=world.auth("statistician"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["rows"] == 120
    assert {(c["criterion"], c["domain"]["agency"]) for c in body["criteria"]} == {
        (c, a) for c in (it.code for it in q.items if it.element) for a in ("A1", "A2")
    }
    by_kind: dict[str, set[str]] = {}
    for index in body["indices"]:
        by_kind.setdefault(index["kind"], set()).add(index["index"])
        assert 0 <= index["estimate"] <= 100
    assert by_kind["element"] == ELEMENTS and by_kind["part"] == {"I", "II"} and len(by_kind["overall"]) == 1
    label = next(c["label"]["vi"] for c in body["criteria"] if c["criterion"] == "Q9_II_D_3")
    assert label == "Kết quả giải quyết thủ tục hành chính cho người dân đảm bảo tính công bằng"


async def test_the_online_form_walks_every_screen_of_sipas_2025(world: World) -> None:
    await _open_wave(world)
    q = get_template("sipas-2025")
    titles = {s.title.vi: s.code for s in q.sections}
    form = Form(world, await point_token(world, "A1-Q1"))
    await form.open()
    seen: list[str] = []
    while "Xem lại câu trả lời" not in form.html and len(seen) < 40:
        section = titles[form.h1()]
        seen.append(section)
        answers = first_choice_answers(section, q)
        if section == "S_Q8":  # dealt with a procedure at the ward's service point only
            answers = [(c, "1" if c == "Q8_4" else "0") for c, _ in answers]
        if section == "S_Q9_I_C":  # the published scope of each policy is shown as the item's help
            assert (
                "(Các quy định, các hoạt động thu hút đầu tư, kinh doanh, việc làm, tín dụng...)" in form.html
            )
        await form.post(answers)
        assert form.status == 200 and "Có lỗi cần sửa" not in form.html, (section, form.html[:3000])
    assert seen == [s.code for s in q.sections]  # Part II shown: Q8.4 was yes
    r = await form.post({}, action="submit")
    assert r.status_code == 303, form.html[:2000]
    (row,) = await stored()
    assert row["answers"]["A4"] == "PRIMARY" and row["answers"]["Q9_II_E_3"] == 4
