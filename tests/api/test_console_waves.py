"""Console wave pages: list, create, open and close per role, progress and response rates (both databases)."""

from __future__ import annotations

import uuid

from survey_engine.collection.receipts import sign_receipt
from survey_engine.tables import Contact, FrameUnit, Wave, WeightRun
from tests.api.conftest import World, create_open_wave
from tests.api.test_fieldwork import SECRET, frame_csv, post_frame
from tests.support.console import Console, text_of

FORM = {
    "code": "W-NEW",
    "name_vi": "Đợt thử",
    "name_en": "Trial wave",
    "questionnaire": "counter-3@1",
    "period_start": "2026-02-01",
    "period_end": "2026-06-30",
    "channels": ["online", "phone"],
    "agencies": ["A1", "A2"],
    "all_points": "1",
    "unit_version": "2025-07",
    "kiosk_idle": "keep",
    "settings_json": '{"ghi_chu": "thử"}',
}


async def _published(world: World) -> None:
    admin = world.auth("admin")
    await world.client.post("/api/v1/questionnaires", json={"template": "counter-3"}, headers=admin)
    response = await world.client.post("/api/v1/questionnaires/counter-3/publish", headers=admin)
    assert response.status_code == 200, response.text


async def _submit(world: World, point: str, channel: str = "online", dossier: str | None = None) -> None:
    token = (await world.client.get(f"/api/v1/service-points/{point}", headers=world.auth("admin"))).json()[
        "token"
    ]
    body = {
        "id": str(uuid.uuid4()),
        "token": token,
        "answers": {"RATING": 3},
        "channel": channel,
        "language": "vi",
    }
    if dossier:  # the respondent's signed receipt (invitation letter)
        body["receipt"] = sign_receipt(SECRET, dossier, point)
    headers = world.auth("admin") if channel == "paper" else {}  # paper forms are typed in by staff
    response = await world.client.post("/api/v1/submissions", json=body, headers=headers)
    assert response.status_code == 201, response.text


async def test_list_per_role_with_status_filter_and_response_counts(world: World) -> None:
    await create_open_wave(world, code="W1")
    await create_open_wave(world, code="W2", agencies=("A2",))
    await _submit(world, "A1-Q1")
    await _submit(world, "A2-Q1")
    page = await Console(world, "admin").get("/staff/waves")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "W1" in text and "W2" in text and "Đang mở" in text
    assert 'href="/staff/waves/new"' in page.text
    mine = await Console(world, "agency").get("/staff/waves")
    assert mine.status_code == 200
    assert "/staff/waves/W1" in mine.text and "/staff/waves/W2" not in mine.text
    assert 'href="/staff/waves/new"' not in mine.text  # agency users read only
    counts = mine.text.split("/staff/waves/W1", 1)[1]
    assert '<td class="num">1</td>' in counts  # its own agency's response only
    closed = await Console(world, "admin").get("/staff/waves", status="closed")
    assert "Không có đợt khảo sát nào." in text_of(closed.text)
    assert (await Console(world, "interviewer").get("/staff/waves")).status_code == 403


async def test_create_a_wave_with_every_field_the_api_accepts(world: World) -> None:
    await _published(world)
    statistician = Console(world, "statistician")
    form_page = await statistician.get("/staff/waves/new")
    assert form_page.status_code == 200
    assert "counter-3, phiên bản 1" in text_of(form_page.text)
    response = await statistician.post("/staff/waves/new", FORM)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/staff/waves/W-NEW?done=wave_created"
    wave = (await world.client.get("/api/v1/waves/W-NEW", headers=world.auth("admin"))).json()
    assert wave["status"] == "draft" and wave["channels"] == ["online", "phone"]
    assert wave["agencies"] == ["A1", "A2"] and wave["service_points"] == ["A1-Q1", "A2-Q1"]
    assert wave["settings"] == {"ghi_chu": "thử", "kiosk_idle": "keep"}
    assert wave["period_start"] == "2026-02-01" and wave["questionnaire_version"] == 1
    detail = await statistician.get("/staff/waves/W-NEW", done="wave_created")
    text = text_of(detail.text)
    assert "Đã tạo đợt khảo sát (bản nháp)." in text and "Lưu lại như phiếu chưa hoàn thành" in text
    assert "Mở đợt khảo sát" in text


async def test_chosen_service_points_only(world: World) -> None:
    await _published(world)
    form = {**FORM, "all_points": "", "service_points": ["A1-Q1"]}
    response = await Console(world, "admin").post("/staff/waves/new", form)
    assert response.status_code == 303, response.text
    wave = (await world.client.get("/api/v1/waves/W-NEW", headers=world.auth("admin"))).json()
    assert wave["service_points"] == ["A1-Q1"]


async def test_invalid_forms_are_shown_again_with_messages_and_store_nothing(world: World) -> None:
    await _published(world)
    admin = Console(world, "admin")
    bad = {**FORM, "code": "bad code!", "period_end": "2026-01-01", "channels": [], "settings_json": "[1"}
    response = await admin.post("/staff/waves/new", bad)
    assert response.status_code == 422
    text = text_of(response.text)
    assert "Có lỗi cần sửa" in text
    for message in (
        "Nhập mã gồm chữ cái không dấu",
        "Ngày kết thúc không được trước ngày bắt đầu.",
        "Chọn ít nhất một kênh.",
        "Nhập một đối tượng JSON hợp lệ",
    ):
        assert message in text
    assert 'href="#period_end"' in response.text and 'value="bad code!"' in response.text
    outside = {**FORM, "agencies": ["A1"], "all_points": "", "service_points": ["A2-Q1"]}
    response = await admin.post("/staff/waves/new", outside)
    assert response.status_code == 422
    assert "không thuộc các cơ quan đã chọn: A2-Q1" in text_of(response.text)
    missing_version = {**FORM, "questionnaire": "counter-3@9"}
    response = await admin.post("/staff/waves/new", missing_version)
    assert response.status_code == 422 and "Chọn một bảng hỏi đã công bố." in text_of(response.text)
    assert await Wave.count() == 0
    assert (await admin.post("/staff/waves/new", FORM)).status_code == 303
    again = await admin.post("/staff/waves/new", FORM)
    assert again.status_code == 409 and "Mã đợt này đã được dùng." in text_of(again.text)
    assert await Wave.count() == 1


async def test_roles_and_csrf_on_create_and_status(world: World) -> None:
    await _published(world)
    for role in ("agency", "interviewer"):
        console = Console(world, role)
        assert (await console.get("/staff/waves/new")).status_code == 403
        assert (await console.post("/staff/waves/new", FORM)).status_code == 403
    admin = Console(world, "admin")
    stale = await admin.post("/staff/waves/new", {**FORM, "_csrf": "forged"})
    assert stale.status_code == 400 and "Biểu mẫu đã hết hạn" in text_of(stale.text)
    no_token = await admin.post("/staff/waves/new", FORM, csrf=False)
    assert no_token.status_code == 400
    assert await Wave.count() == 0
    assert (await admin.post("/staff/waves/new", FORM)).status_code == 303
    denied = await Console(world, "agency").post("/staff/waves/W-NEW/status", {"status": "open"})
    assert denied.status_code in (403, 404)
    stale_status = await admin.post("/staff/waves/W-NEW/status", {"status": "open"}, csrf=False)
    assert stale_status.status_code == 400
    assert (await Wave.select(Wave.status).first())["status"] == "draft"


async def test_open_needs_agencies_and_a_closed_wave_stays_closed(world: World) -> None:
    await _published(world)
    admin = Console(world, "admin")
    form = {**FORM, "agencies": [], "all_points": ""}
    assert (await admin.post("/staff/waves/new", form)).status_code == 303
    refused = await admin.post("/staff/waves/W-NEW/status", {"status": "open"})
    assert refused.status_code == 409 and "Không thực hiện được" in text_of(refused.text)
    await create_open_wave(world, code="W1")
    closed = await admin.post("/staff/waves/W1/status", {"status": "closed"})
    assert closed.status_code == 303
    reopen = await admin.post("/staff/waves/W1/status", {"status": "open"})
    assert reopen.status_code == 409


async def test_open_then_close_purges_phones_and_recomputes_weights_as_the_api_does(world: World) -> None:
    await _published(world)
    admin = Console(world, "admin")
    assert (await admin.post("/staff/waves/new", {**FORM, "code": "W1"})).status_code == 303
    detail = await admin.get("/staff/waves/W1")
    assert "Mở đợt khảo sát này?" in detail.text  # the confirmation the button asks
    opened = await admin.post("/staff/waves/W1/status", {"status": "open"})
    assert opened.status_code == 303 and opened.headers["location"].endswith("done=wave_opened")
    assert (await post_frame(world, frame_csv())).status_code == 201
    body = {"strata": ["agency"], "n": 24, "seed": 5, "allocation": "equal"}
    drawn = await world.client.post("/api/v1/waves/W1/draw", json=body, headers=world.auth("admin"))
    assert drawn.status_code == 201, drawn.text
    assert await Contact.count().where(Contact.phone.is_not_null()) > 0
    page = await admin.get("/staff/waves/W1")
    assert "xóa vĩnh viễn" in text_of(page.text)  # what closing does, said before the button
    closed = await admin.post("/staff/waves/W1/status", {"status": "closed"})
    assert closed.status_code == 303 and closed.headers["location"].endswith("done=wave_closed")
    assert await FrameUnit.count().where(FrameUnit.phone.is_not_null()) == 0
    assert await Contact.count().where(Contact.phone.is_not_null()) == 0
    runs = await WeightRun.select(WeightRun.trigger)
    assert [r["trigger"] for r in runs] == ["close"]
    after = await admin.get("/staff/waves/W1", done="wave_closed")
    assert "số điện thoại đã được xóa và trọng số đã được tính lại" in text_of(after.text)


async def test_progress_and_rates_per_agency_and_channel_counts(world: World) -> None:
    from survey_engine.collection.receipts import dossier_hash
    from survey_engine.tables import SampleUnit

    await create_open_wave(world, channels=("online", "paper"))
    assert (await post_frame(world, frame_csv())).status_code == 201
    body = {"strata": ["agency"], "n": 24, "seed": 5, "allocation": "equal", "response_rate": 0.5}
    assert (
        await world.client.post("/api/v1/waves/W1/draw", json=body, headers=world.auth("admin"))
    ).status_code == 201
    drawn = {r["dossier_hash"] for r in await SampleUnit.select(SampleUnit.dossier_hash)}
    codes = (f"H-A1-{f}-{i:04d}" for f in range(2) for i in range(60))
    a1 = [c for c in codes if dossier_hash(SECRET, c) in drawn]
    for code in a1[:3]:
        await _submit(world, "A1-Q1", dossier=code)
    await _submit(world, "A2-Q1", channel="paper")
    report = (await world.client.get("/api/v1/waves/W1/fieldwork", headers=world.auth("admin"))).json()
    a1_row = next(a for a in report["agencies"] if a["agency"] == "A1")
    page = await Console(world, "statistician").get("/staff/waves/W1")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "Tiến độ thực địa theo cơ quan" in text and "RR1" in text and "RR3" in text
    rr1 = f"{a1_row['rr1'] * 100:.1f}".replace(".", ",") + "\u00a0%"
    assert rr1 in page.text and "Sở Tư pháp" in text and "Sở Y tế" in text
    assert "Phiếu nhận được theo kênh" in text and "Phiếu giấy" in text
    mine = await Console(world, "agency").get("/staff/waves/W1")
    assert mine.status_code == 200
    mine_text = text_of(mine.text)
    assert "Sở Tư pháp" in mine_text and "Sở Y tế" not in mine_text and "A2-Q1" not in mine_text
    assert "Cơ quan của Ông/Bà" in mine_text
    assert "Đóng đợt khảo sát" not in mine_text and 'action="/staff/waves/W1/status"' not in mine.text
    english = await Console(world, "admin", lang="en").get("/staff/waves/W1")
    assert "Fieldwork progress by agency" in english.text and "Tiến độ" not in english.text


async def test_agency_users_get_404_for_waves_without_their_agency(world: World) -> None:
    await create_open_wave(world, code="W2", agencies=("A2",))
    response = await Console(world, "agency").get("/staff/waves/W2")
    assert response.status_code == 404 and "Không tìm thấy" in text_of(response.text)
    assert (await Console(world, "admin").get("/staff/waves/NOPE")).status_code == 404
