"""The no-JavaScript online form: screens, validation, display logic, idempotent submit, page weight."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest

from survey_engine.questionnaire import get_template
from survey_engine.tables import ServicePoint, Submission
from tests.api.conftest import World, create_open_wave

STATE = re.compile(r'name="_state" value="([^"]+)"')


async def token_of(point: str) -> str:
    row = await ServicePoint.select(ServicePoint.public_token).where(ServicePoint.code == point).first()
    return str(row["public_token"])


async def open_sipas_wave(world: World, code: str = "S1", agencies: tuple[str, ...] = ("A1",)) -> None:
    admin = world.auth("admin")
    r = await world.client.post("/api/v1/questionnaires", json={"template": "sipas-2023"}, headers=admin)
    assert r.status_code in (201, 409), r.text
    r = await world.client.post("/api/v1/questionnaires/sipas-2023/publish", headers=admin)
    assert r.status_code == 200, r.text
    body = {
        "code": code,
        "name_vi": "Đợt SIPAS",
        "name_en": "SIPAS wave",
        "questionnaire": "sipas-2023",
        "questionnaire_version": 1,
        "period_start": "2026-01-01",
        "period_end": "2026-12-31",
        "channels": ["online", "kiosk"],
        "agencies": list(agencies),
        "service_points": [f"{a}-Q1" for a in agencies],
    }
    r = await world.client.post("/api/v1/waves", json=body, headers=admin)
    assert r.status_code == 201, r.text
    r = await world.client.post(f"/api/v1/waves/{code}/status", json={"status": "open"}, headers=admin)
    assert r.status_code == 200, r.text


class Form:
    """A respondent without JavaScript: keeps the last page and posts its state back."""

    def __init__(self, world: World, token: str) -> None:
        self.world, self.token, self.html, self.status = world, token, "", 0

    async def open(self, query: str = "") -> str:
        r = await self.world.client.get(f"/f/{self.token}{query}")
        self.html, self.status = r.text, r.status_code
        return self.html

    @property
    def state(self) -> str:
        m = STATE.search(self.html)
        assert m, self.html[:2000]
        return unescape(m.group(1))

    async def post(self, answers: dict[str, Any] | list[tuple[str, str]], action: str = "next") -> Any:
        data: list[tuple[str, str]] = [("_state", self.state), ("_action", action)]
        pairs = answers if isinstance(answers, list) else list(answers.items())
        data += [(k, str(v)) for k, v in pairs]
        body: dict[str, list[str]] = {}
        for k, v in data:
            body.setdefault(k, []).append(v)
        r = await self.world.client.post(f"/f/{self.token}", data=body, follow_redirects=False)
        self.status = r.status_code
        if r.status_code == 200 or r.status_code >= 400:
            self.html = r.text
        return r

    def step(self) -> str:
        m = re.search(r'class="progress"[^>]*>([^<]+)<', self.html)
        return m.group(1) if m else ""

    def h1(self) -> str:
        m = re.search(r"<h1>([^<]+)</h1>", self.html)
        return unescape(m.group(1)) if m else ""


async def stored() -> list[dict[str, Any]]:
    return await Submission.select().output(load_json=True)


def first_choice_answers(
    section: str, q: Any, answers: dict[str, Any] | None = None
) -> list[tuple[str, str]]:
    """Answer every choice item of a section with its first option (yes for yes/no)."""
    out: list[tuple[str, str]] = []
    for it in q.items:
        if it.section != section or it.show_if is not None:
            continue
        if it.type in ("likert5", "likert4", "rating3"):
            out.append((it.code, "4" if it.type == "likert5" else "2"))
        elif it.type == "single" or it.type == "multi":
            out.append((it.code, it.options[0].code))
        elif it.type == "yesno":
            out.append((it.code, "1"))
    return out


async def test_counter_form_happy_path_and_idempotent_repost(world: World) -> None:
    await create_open_wave(world)
    form = Form(world, await token_of("A1-Q1"))
    html = await form.open()
    assert form.status == 200
    assert '<html lang="vi">' in html and "Bước 1/2" in html
    assert "<fieldset aria-describedby" not in html  # no error yet
    assert "Rất hài lòng" in html and "<legend>" in html
    # validation: the rating is required, message in Vietnamese, summary linked to the field
    await form.post({})
    assert "Có lỗi cần sửa" in form.html and "Câu hỏi bắt buộc trả lời." in form.html
    assert 'href="#RATING-0"' in form.html and 'aria-describedby="RATING-err"' in form.html
    await form.post({"RATING": "3", "COMMENT": "Cán bộ nhiệt tình <b>tốt</b>"})
    assert "Xem lại câu trả lời" in form.html and "Bước 2/2" in form.html
    assert "Cán bộ nhiệt tình &lt;b&gt;tốt&lt;/b&gt;" in form.html  # escaped
    final_state = form.state
    r = await form.post({}, action="submit")
    assert r.status_code == 303 and r.headers["location"].endswith("/thanks?lang=vi")
    # the same final post again (double click, browser re-post): nothing stored twice
    r2 = await world.client.post(
        f"/f/{form.token}", data={"_state": final_state, "_action": "submit"}, follow_redirects=False
    )
    assert r2.status_code == 303
    rows = await stored()
    assert len(rows) == 1
    assert rows[0]["answers"] == {"RATING": 3, "COMMENT": "Cán bộ nhiệt tình <b>tốt</b>"}
    assert rows[0]["channel"] == "online" and rows[0]["language"] == "vi"
    thanks = await world.client.get(r.headers["location"])
    assert thanks.status_code == 200 and "Cảm ơn" in thanks.text


async def test_a_control_character_in_a_comment_is_refused_on_its_screen(world: World) -> None:
    """Issue 11, item 5: the no-JavaScript form refuses what the JSON API refuses, naming the item."""
    await create_open_wave(world)
    form = Form(world, await token_of("A1-Q1"))
    await form.open()
    await form.post({"RATING": "3", "COMMENT": "Chờ lâu\x00quá"})
    assert form.status == 200 and "Bước 1/2" in form.html  # not on to the review
    assert "Văn bản có ký tự điều khiển không được phép." in form.html
    assert 'id="COMMENT-err"' in form.html and 'aria-invalid="true"' in form.html
    await form.post({"RATING": "3", "COMMENT": "Chờ lâu quá"})
    assert "Bước 2/2" in form.html
    assert (await form.post({}, action="submit")).status_code == 303
    assert [r["answers"] for r in await stored()] == [{"RATING": 3, "COMMENT": "Chờ lâu quá"}]


async def test_english_switch_is_remembered(world: World) -> None:
    await create_open_wave(world)
    form = Form(world, await token_of("A1-Q1"))
    await form.open("?lang=en")
    assert '<html lang="en">' in form.html and "Step 1 of 2" in form.html
    await form.post({"RATING": "2"})
    assert "Review your answers" in form.html and "Satisfied" in form.html
    await form.post({}, action="lang")
    assert '<html lang="vi">' in form.html and "Hài lòng" in form.html
    await form.post({}, action="back")
    assert "Bước 1/2" in form.html and 'value="2" checked' in form.html


async def test_back_keeps_answers_and_headers(world: World) -> None:
    await create_open_wave(world)
    form = Form(world, await token_of("A1-Q1"))
    r = await world.client.get(f"/f/{form.token}")
    assert r.headers["cache-control"] == "no-store"
    assert "default-src 'none'" in r.headers["content-security-policy"]
    assert "http://" not in r.text and "https://" not in r.text  # nothing from elsewhere


async def test_unknown_token_and_closed_wave(world: World) -> None:
    r = await world.client.get("/f/no-such-token")
    assert r.status_code == 404 and "text/html" in r.headers["content-type"]
    assert "Không tìm thấy phiếu khảo sát" in r.text and 'lang="vi"' in r.text
    await create_open_wave(world)
    token = await token_of("A1-Q1")
    form = Form(world, token)
    await form.open()
    r = await world.client.post(
        "/api/v1/waves/W1/status", json={"status": "closed"}, headers=world.auth("admin")
    )
    assert r.status_code == 200, r.text
    r = await world.client.get(f"/f/{token}")
    assert r.status_code == 410 and "Đợt khảo sát đã kết thúc" in r.text
    await form.post({"RATING": "3"})
    assert form.status == 410


async def test_tampered_state_restarts(world: World) -> None:
    await create_open_wave(world)
    form = Form(world, await token_of("A1-Q1"))
    await form.open()
    bad = form.state[:-3] + ("AAA" if not form.state.endswith("AAA") else "BBB")
    r = await world.client.post(f"/f/{form.token}", data={"_state": bad, "_action": "submit"})
    assert r.status_code == 200 and "Phiên trả lời đã hết hạn" in r.text
    assert await stored() == []
    # a state from another token is refused too
    other = Form(world, await token_of("A2-Q1"))
    r = await world.client.post(
        f"/f/{other.token}", data={"_state": form.state, "_action": "next", "RATING": "1"}
    )
    assert "Phiên trả lời đã hết hạn" in r.text


async def walk_sipas(form: Form, experience: bool) -> list[str]:
    """Answer every screen of sipas-2023; return the section titles seen."""
    q = get_template("sipas-2023")
    titles = {s.title.vi: s.code for s in q.sections}
    seen: list[str] = []
    for _ in range(40):
        if "Xem lại câu trả lời" in form.html:
            return seen
        section = titles[form.h1()]
        seen.append(section)
        answers = first_choice_answers(section, q)
        if section == "S_Q8":
            answers = [(c, "1" if experience and c == "Q8_2" else "0") for c, _ in answers]
        if section == "S_Q2_Q3":
            answers = [(c, v) for c, v in answers if c != "Q2"] + [("Q2", "TV_RADIO"), ("Q2", "PORTAL")]
            await form.post(answers)
            # without JavaScript the two revealed suitability items come on the same screen
            assert "Có thêm câu hỏi" in form.html and 'id="q-Q3_2"' in form.html
            assert 'id="q-Q3_4"' in form.html and 'id="q-Q3_1" hidden' in form.html
            answers += [("Q3_2", "3"), ("Q3_4", "2")]
        await form.post(answers)
        assert form.status == 200
        assert "Có lỗi cần sửa" not in form.html, (section, form.html[:3000])
    raise AssertionError("no review screen")


@pytest.mark.parametrize("experience", [True, False])
async def test_sipas_2023_part_two_follows_the_experience_screen(world: World, experience: bool) -> None:
    await open_sipas_wave(world)
    form = Form(world, await token_of("A1-Q1"))
    await form.open()
    seen = await walk_sipas(form, experience)
    part2 = [s for s in seen if s.startswith("S_Q9_II")]
    assert part2 == (["S_Q9_II_A", "S_Q9_II_B", "S_Q9_II_C", "S_Q9_II_D", "S_Q9_II_E"] if experience else [])
    assert ("II.A" in form.html) == experience
    r = await form.post({}, action="submit")
    assert r.status_code == 303, form.html[:2000]
    rows = await stored()
    assert len(rows) == 1
    answers = rows[0]["answers"]
    assert ("Q9_II_A_1" in answers) == experience
    assert answers["Q2"] == ["TV_RADIO", "PORTAL"] and answers["Q3_2"] == 3


async def test_changing_the_screen_answer_drops_part_two(world: World) -> None:
    await open_sipas_wave(world)
    form = Form(world, await token_of("A1-Q1"))
    await form.open()
    await walk_sipas(form, True)
    # from the review screen, edit the experience screen and say "no" everywhere
    await form.post({}, action="edit:S_Q8")
    assert form.h1().startswith("Trải nghiệm")
    q = get_template("sipas-2023")
    await form.post([(c, "0") for c, _ in first_choice_answers("S_Q8", q)])
    # the following screens (answers kept) skip Part II entirely
    titles = {s.title.vi: s.code for s in q.sections}
    after = []
    while "Xem lại câu trả lời" not in form.html:
        after.append(titles[form.h1()])
        assert 'value="4" checked' in form.html or after[-1] in ("S_Q10", "S_END")
        await form.post(first_choice_answers(after[-1], q))
    assert after == ["S_Q9_I_A", "S_Q9_I_B", "S_Q9_I_C", "S_Q9_I_D", "S_Q10", "S_END"]
    assert "II.A" not in form.html
    r = await form.post({}, action="submit")
    assert r.status_code == 303
    rows = await stored()
    assert len(rows) == 1 and not any(k.startswith("Q9_II") for k in rows[0]["answers"])


async def test_every_screen_validates_in_vietnamese(world: World) -> None:
    await open_sipas_wave(world)
    form = Form(world, await token_of("A1-Q1"))
    await form.open()
    q = get_template("sipas-2023")
    titles = {s.title.vi: s.code for s in q.sections}
    checked = 0
    for _ in range(30):
        if "Xem lại câu trả lời" in form.html:
            break
        section = titles[form.h1()]
        required = [it for it in q.items if it.section == section and it.required and it.show_if is None]
        if required and section != "S_Q2_Q3":
            await form.post({})
            assert "Có lỗi cần sửa" in form.html and titles[form.h1()] == section
            for it in required:
                assert f'id="{it.code}-err"' in form.html
            assert "Câu hỏi bắt buộc trả lời." in form.html
            checked += 1
        answers = first_choice_answers(section, q)
        if section == "S_Q8":
            answers = [(c, "1") for c, _ in answers]
        if section == "S_Q2_Q3":
            # an out-of-range value is refused with the engine's Vietnamese message
            bad = [(c, v) for c, v in answers if c != "Q3_1"]
            await form.post([*bad, ("Q2", "NOPE")])
            assert "Có lỗi cần sửa" in form.html and 'id="Q2-err"' in form.html
            answers = [*answers, ("Q3_1", "2")]  # Q2's first option reveals Q3_1, answered at once
        await form.post(answers)
    assert checked >= 10


async def test_page_weight_is_under_100_kb(world: World) -> None:
    await open_sipas_wave(world)
    token = await token_of("A1-Q1")
    html = (await world.client.get(f"/f/{token}")).content
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', html.decode())
    assert assets, "the page links its CSS and JS"
    total = len(html)
    for path in set(assets):
        r = await world.client.get(path)
        assert r.status_code == 200
        total += len(r.content)
    assert total < 100 * 1024, total
    kiosk_response = await world.client.get(f"/k/{token}")
    assert kiosk_response.status_code == 200
    kiosk = kiosk_response.content
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', kiosk.decode())
    total = len(kiosk) + sum([len((await world.client.get(p)).content) for p in set(assets)])
    assert total < 100 * 1024, total


async def test_receipt_is_checked_when_the_form_opens(world: World) -> None:
    from survey_engine.collection.receipts import sign_receipt

    await create_open_wave(world)
    token = await token_of("A1-Q1")
    secret = world.app.state.services.settings.secret_key
    receipt = sign_receipt(secret, "H56-0001", "A1-Q1")
    form = Form(world, token)
    await form.open(f"?r={receipt}")
    assert form.status == 200 and "_state" in form.html
    forged = Form(world, token)
    await forged.open(f"?r={receipt[:-4]}AAAA")
    assert forged.status == 400 and "Mã phiếu hẹn không hợp lệ" in forged.html
    other_point = Form(world, token)
    await other_point.open(f"?r={sign_receipt(secret, 'H56-0002', 'A2-Q1')}")
    assert other_point.status == 400
    # answer once through the form, then the same receipt is refused at once
    await form.post({"RATING": "3"})
    await form.post({}, action="submit")
    assert len(await stored()) == 1
    again = Form(world, token)
    await again.open(f"?r={receipt}")
    assert again.status == 409 and "Hồ sơ này đã được đánh giá" in again.html
