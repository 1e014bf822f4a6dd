"""Console pages for agencies and service points: lists, forms, roles, QR downloads, token rotation."""

from __future__ import annotations

import re
from datetime import date

from survey_engine.actors import SYSTEM
from survey_engine.administration.agencies import AgencyService, ServicePointService
from survey_engine.tables import AdminUnit, Agency, AuditLog, ServicePoint
from tests.api.conftest import World, create_open_wave
from tests.support.console import Console, text_of


async def _agency(code: str) -> dict | None:
    return await Agency.select(Agency.code, Agency.name_vi, Agency.active).where(Agency.code == code).first()


async def _token(code: str) -> str:
    row = await ServicePoint.select(ServicePoint.public_token).where(ServicePoint.code == code).first()
    assert row is not None
    return str(row["public_token"])


async def test_admin_lists_searches_and_pages_through_agencies(world: World) -> None:
    admin = Console(world, "admin")
    response = await admin.get("/staff/agencies")
    assert response.status_code == 200
    page = text_of(response.text)
    assert "Sở Tư pháp" in page and "Sở Y tế" in page and "Thêm cơ quan" in page
    assert 'aria-current="page"' in response.text  # the menu marks the section
    await ServicePointService().create(
        SYSTEM, {"code": "A2-Q2", "agency": "A2", "name_vi": "Quầy 2", "name_en": "Desk 2", "kind": "counter"}
    )
    counts = re.findall(
        r'/staff/agencies/(A\d)".*?<td class="num">(\d+)</td>',
        (await admin.get("/staff/agencies")).text,
        re.S,
    )
    assert counts == [("A1", "1"), ("A2", "2")]  # service points per agency
    found = text_of((await admin.get("/staff/agencies", q="A2")).text)
    assert "Sở Y tế" in found and "Sở Tư pháp" not in found
    nothing = text_of((await admin.get("/staff/agencies", q="ZZZ")).text)
    assert "Không tìm thấy cơ quan nào khớp với “ZZZ”." in nothing
    service = AgencyService()
    for i in range(30):
        await service.create(
            SYSTEM, {"code": f"B{i:02d}", "name_vi": f"Xã {i}", "name_en": f"C{i}", "level": "commune"}
        )
    first = await admin.get("/staff/agencies")
    assert "Trang 1/2 · 32 mục" in text_of(first.text) and 'href="/staff/agencies?page=2"' in first.text
    second = text_of((await admin.get("/staff/agencies", page="2")).text)
    assert "B29" in second and "B00" not in second and "Trang 2/2" in second
    odd = await admin.get("/staff/agencies", page="abc")  # a bad page number is page 1, not an error
    assert odd.status_code == 200 and "B00" in text_of(odd.text)


async def test_agency_user_sees_only_its_own_agency_and_points(world: World) -> None:
    agency = Console(world, "agency")
    listing = text_of((await agency.get("/staff/agencies")).text)
    assert "Sở Tư pháp" in listing and "Sở Y tế" not in listing and "Thêm cơ quan" not in listing
    own = await agency.get("/staff/agencies/A1")
    assert own.status_code == 200 and "A1-Q1" in own.text and "Thêm điểm phục vụ" in text_of(own.text)
    for path in ("/staff/agencies/A2", "/staff/agencies/points/A2-Q1", "/staff/agencies/points/A2-Q1/edit"):
        response = await agency.get(path)
        assert response.status_code == 404, path
        assert "Không tìm thấy" in text_of(response.text)
    assert (await agency.get("/staff/agencies/A1/edit")).status_code == 403  # agencies: admin only
    points = text_of((await agency.get("/staff/agencies/points")).text)
    assert "A1-Q1" in points and "A2-Q1" not in points
    before = await _token("A2-Q1")
    assert (await agency.post("/staff/agencies/points/A2-Q1/rotate")).status_code == 404
    edit = {"agency": "A2", "name_vi": "Đổi tên", "name_en": "Renamed", "kind": "counter", "active": "1"}
    assert (await agency.post("/staff/agencies/points/A2-Q1/edit", edit)).status_code == 404
    assert await _token("A2-Q1") == before
    row = await ServicePoint.select(ServicePoint.name_vi).where(ServicePoint.code == "A2-Q1").first()
    assert row == {"name_vi": "Quầy Sở Y tế"}
    changed = {"name_vi": "Bị đổi", "name_en": "Changed", "level": "province"}
    assert (await agency.post("/staff/agencies/A1/edit", changed)).status_code == 403
    assert (await _agency("A1"))["name_vi"] == "Sở Tư pháp"  # type: ignore[index]


async def test_statistician_reads_but_cannot_create_or_change(world: World) -> None:
    stat = Console(world, "statistician")
    listing = await stat.get("/staff/agencies")
    assert listing.status_code == 200 and "Thêm cơ quan" not in text_of(listing.text)
    detail = await stat.get("/staff/agencies/points/A2-Q1")
    assert detail.status_code == 200
    assert "Đổi mã truy cập" not in text_of(detail.text) and "Sửa thông tin" not in text_of(detail.text)
    for path in ("/staff/agencies/new", "/staff/agencies/A1/edit", "/staff/agencies/points/new"):
        response = await stat.get(path)
        assert response.status_code == 403, path
        assert "Không có quyền truy cập" in text_of(response.text)
    form = {"code": "S1", "name_vi": "Sở mới", "name_en": "New", "level": "province"}
    assert (await stat.post("/staff/agencies/new", form)).status_code == 403
    assert await _agency("S1") is None
    point = {"code": "S1-Q1", "agency": "A1", "name_vi": "Quầy", "name_en": "Counter", "kind": "counter"}
    assert (await stat.post("/staff/agencies/points/new", point)).status_code == 403
    assert not await ServicePoint.exists().where(ServicePoint.code == "S1-Q1")
    before = await _token("A1-Q1")
    assert (await stat.post("/staff/agencies/points/A1-Q1/rotate")).status_code == 403
    assert await _token("A1-Q1") == before
    interviewer = Console(world, "interviewer")
    assert (await interviewer.get("/staff/agencies")).status_code == 403


async def test_admin_creates_an_agency_with_every_field(world: World) -> None:
    admin = Console(world, "admin")
    form = await admin.get("/staff/agencies/new")
    assert form.status_code == 200
    assert 'list="parent-options"' in form.text and '<option value="A1">' in form.text
    data = {
        "code": "A1-X1",
        "name_vi": "UBND xã Tân Phú",
        "name_en": "Tan Phu Commune",
        "level": "commune",
        "parent": "A1",
        "unit": "",
        "unit_version": "",
    }
    response = await admin.post("/staff/agencies/new", data)
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/agencies/A1-X1?done=ag_agency_created"
    page = await admin.get("/staff/agencies/A1-X1", done="ag_agency_created")
    text = text_of(page.text)
    assert "Đã thêm cơ quan." in text and "UBND xã Tân Phú" in text and "Cấp xã" in text
    assert 'href="/staff/agencies/A1"' in page.text  # the parent, linked
    stored = await admin.world.client.get("/api/v1/agencies/A1-X1", headers=world.auth("admin"))
    assert stored.json() == {
        "code": "A1-X1",
        "name_vi": "UBND xã Tân Phú",
        "name_en": "Tan Phu Commune",
        "level": "commune",
        "parent": "A1",
        "unit": None,
        "unit_version": None,
        "active": True,
        "province": "default",  # the single-province deployment's tenant, taken by default
    }
    assert await AuditLog.exists().where((AuditLog.action == "create") & (AuditLog.object_key == "A1-X1"))


async def test_bad_agency_input_is_shown_in_vietnamese_and_nothing_is_stored(world: World) -> None:
    admin = Console(world, "admin")
    bad = {"code": "bad code!", "name_vi": "", "name_en": "x" * 301, "level": "planet", "parent": "NOPE"}
    response = await admin.post("/staff/agencies/new", bad)
    assert response.status_code == 422
    text = text_of(response.text)
    assert "Có lỗi cần sửa" in text
    assert "Mã chỉ gồm chữ cái không dấu" in text
    assert "Vui lòng nhập thông tin này." in text
    assert "Tối đa 300 ký tự." in text
    assert "Vui lòng chọn một mục trong danh sách." in text
    assert 'href="#code"' in response.text and 'aria-invalid="true"' in response.text
    assert 'value="bad code!"' in response.text  # what was typed stays in the form
    assert await Agency.count() == 2
    # Checks only the database can answer: the parent and the administrative unit must exist.
    unknown = {"code": "N1", "name_vi": "Sở mới", "name_en": "New", "level": "province", "parent": "NOPE"}
    response = await admin.post("/staff/agencies/new", {**unknown, "unit": "99"})
    assert response.status_code == 422
    text = text_of(response.text)
    assert "Không có cơ quan nào có mã “NOPE”." in text
    assert "Không có đơn vị hành chính nào có mã “99”" in text
    assert await _agency("N1") is None
    taken = await admin.post("/staff/agencies/new", {**unknown, "code": "A2", "parent": ""})
    assert taken.status_code == 422 and "Đã có cơ quan dùng mã này." in text_of(taken.text)
    reserved = await admin.post("/staff/agencies/new", {**unknown, "code": "new", "parent": ""})
    assert reserved.status_code == 422 and "Không dùng được mã “new”" in text_of(reserved.text)
    assert await Agency.count() == 2


async def test_admin_edits_and_deactivates_an_agency(world: World) -> None:
    admin = Console(world, "admin")
    form = await admin.get("/staff/agencies/A2/edit")
    assert form.status_code == 200 and 'value="Sở Y tế"' in form.text and "checked" in form.text
    data = {"name_vi": "Sở Y tế tỉnh", "name_en": "Provincial Health", "level": "province", "parent": "A1"}
    response = await admin.post("/staff/agencies/A2/edit", data)  # "active" unticked: deactivated
    assert response.status_code == 303 and response.headers["location"].endswith("done=ag_agency_saved")
    stored = await Agency.select(Agency.name_vi, Agency.active, Agency.parent.code).where(Agency.code == "A2")
    assert stored == [{"name_vi": "Sở Y tế tỉnh", "active": False, "parent.code": "A1"}]
    page = text_of((await admin.get("/staff/agencies/A2", done="ag_agency_saved")).text)
    assert "Đã lưu thông tin cơ quan." in page and "Ngừng hoạt động" in page
    own = await admin.post("/staff/agencies/A2/edit", {**data, "parent": "A2", "active": "1"})
    assert own.status_code == 422 and "không thể là cơ quan cấp trên của chính nó" in text_of(own.text)
    assert (await _agency("A2"))["active"] is False  # type: ignore[index]
    assert (await admin.get("/staff/agencies/NOPE/edit")).status_code == 404


async def test_an_agency_is_linked_to_an_administrative_unit_of_one_map_version(world: World) -> None:
    for version, name in (("2019-01", "Tỉnh cũ"), ("2025-07", "Tỉnh An Bình")):
        await AdminUnit.insert(
            AdminUnit(
                code="AB",
                unit_version=version,
                name_vi=name,
                name_en="An Binh",
                level="province",
                valid_from=date(2019, 1, 1),
            )
        )
    admin = Console(world, "admin")
    data = {"name_vi": "Sở Tư pháp", "name_en": "Justice", "level": "province", "active": "1"}
    response = await admin.post("/staff/agencies/A1/edit", {**data, "unit": "AB", "unit_version": "2025-07"})
    assert response.status_code == 303
    page = text_of((await admin.get("/staff/agencies/A1")).text)
    assert "AB · Tỉnh An Bình (2025-07)" in page
    form = await admin.get("/staff/agencies/A1/edit")
    assert 'value="AB"' in form.text and 'value="2025-07"' in form.text
    wrong = await admin.post("/staff/agencies/A1/edit", {**data, "unit": "AB", "unit_version": "1990-01"})
    assert wrong.status_code == 422 and "Không có đơn vị hành chính nào có mã “AB”" in text_of(wrong.text)
    cleared = await admin.post("/staff/agencies/A1/edit", {**data, "unit": ""})
    assert cleared.status_code == 303
    stored = await admin.world.client.get("/api/v1/agencies/A1", headers=world.auth("admin"))
    assert stored.json()["unit"] is None


async def test_forms_without_the_csrf_token_change_nothing(world: World) -> None:
    admin = Console(world, "admin")
    form = {"code": "C1", "name_vi": "Sở mới", "name_en": "New", "level": "province"}
    response = await admin.post("/staff/agencies/new", form, csrf=False)
    assert response.status_code == 400 and "Biểu mẫu đã hết hạn" in text_of(response.text)
    assert await _agency("C1") is None
    edit = {"name_vi": "Khác", "name_en": "Other", "level": "province", "_csrf": "forged"}
    assert (await admin.post("/staff/agencies/A1/edit", edit)).status_code == 400
    assert (await _agency("A1"))["name_vi"] == "Sở Tư pháp"  # type: ignore[index]
    before = await _token("A1-Q1")
    assert (await admin.post("/staff/agencies/points/A1-Q1/rotate", csrf=False)).status_code == 400
    assert await _token("A1-Q1") == before
    point = {"code": "C1-Q1", "agency": "A1", "name_vi": "Quầy", "name_en": "Counter", "kind": "counter"}
    assert (await admin.post("/staff/agencies/points/new", point, csrf=False)).status_code == 400
    assert not await ServicePoint.exists().where(ServicePoint.code == "C1-Q1")


async def test_agency_user_creates_and_edits_its_own_service_points(world: World) -> None:
    agency = Console(world, "agency")
    form = await agency.get("/staff/agencies/points/new")
    assert form.status_code == 200
    assert '<option value="A1" selected>' in form.text and '<option value="A2"' not in form.text
    data = {
        "code": "A1-Q2",
        "agency": "A1",
        "name_vi": "Bộ phận một cửa",
        "name_en": "One-stop",
        "kind": "service_centre",
    }
    response = await agency.post("/staff/agencies/points/new", data)
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/agencies/points/A1-Q2?done=ag_point_created"
    detail = text_of((await agency.get("/staff/agencies/points/A1-Q2", done="ag_point_created")).text)
    assert "Đã thêm điểm phục vụ." in detail and "Trung tâm phục vụ hành chính công" in detail
    # A forged post for another agency is refused like the API does, with a message on the field.
    forged = await agency.post("/staff/agencies/points/new", {**data, "code": "A2-Q9", "agency": "A2"})
    assert forged.status_code == 422 and "Không có cơ quan nào có mã “A2”." in text_of(forged.text)
    assert not await ServicePoint.exists().where(ServicePoint.code == "A2-Q9")
    bad = await agency.post("/staff/agencies/points/new", {"code": "", "agency": "A1", "kind": "shop"})
    assert bad.status_code == 422
    text = text_of(bad.text)
    assert "Vui lòng nhập thông tin này." in text and "Vui lòng chọn một mục trong danh sách." in text
    assert await ServicePoint.count() == 3
    taken = await agency.post("/staff/agencies/points/new", data)
    assert taken.status_code == 422 and "Đã có điểm phục vụ dùng mã này." in text_of(taken.text)
    edit = {"agency": "A1", "name_vi": "Bộ phận một cửa (tầng 1)", "name_en": "One-stop", "kind": "counter"}
    response = await agency.post("/staff/agencies/points/A1-Q2/edit", edit)
    assert response.status_code == 303 and response.headers["location"].endswith("done=ag_point_saved")
    row = await ServicePoint.select(ServicePoint.name_vi, ServicePoint.kind, ServicePoint.active).where(
        ServicePoint.code == "A1-Q2"
    )
    assert row == [{"name_vi": "Bộ phận một cửa (tầng 1)", "kind": "counter", "active": False}]
    moved = await agency.post("/staff/agencies/points/A1-Q2/edit", {**edit, "agency": "A2", "active": "1"})
    assert moved.status_code == 422 and "Không có cơ quan nào có mã “A2”." in text_of(moved.text)


async def test_points_list_filters_by_agency_and_search(world: World) -> None:
    admin = Console(world, "admin")
    listing = await admin.get("/staff/agencies/points")
    assert listing.status_code == 200 and "A1-Q1" in listing.text and "A2-Q1" in listing.text
    by_agency = await admin.get("/staff/agencies/points", agency="A2")
    assert "A2-Q1" in by_agency.text and "A1-Q1" not in by_agency.text
    assert '<option value="A2" selected>' in by_agency.text
    by_name = text_of((await admin.get("/staff/agencies/points", q="A1-Q")).text)
    assert "A1-Q1" in by_name and "A2-Q1" not in by_name
    none = text_of((await admin.get("/staff/agencies/points", q="nothing")).text)
    assert "Không tìm thấy điểm phục vụ nào" in none


async def test_point_detail_shows_addresses_qr_codes_and_downloads(world: World) -> None:
    admin = Console(world, "admin")
    token = await _token("A1-Q1")
    response = await admin.get("/staff/agencies/points/A1-Q1")
    assert response.status_code == 200
    base = world.app.state.services.settings.base_url
    assert f"{base}/f/{token}" in response.text and f"{base}/k/{token}" in response.text
    for channel in ("online", "kiosk"):
        assert f'src="/api/v1/service-points/A1-Q1/qr.png?channel={channel}"' in response.text
        assert f'href="/api/v1/service-points/A1-Q1/qr.svg?channel={channel}"' in response.text
    assert 'action="/api/v1/service-points/A1-Q1/poster.pdf"' in response.text
    assert 'data-confirm="Đổi mã truy cập? Mọi mã QR và áp phích đã in' in response.text
    # The download routes accept the console's session cookie (the same authentication as the API).
    png = await admin.get("/api/v1/service-points/A1-Q1/qr.png", channel="kiosk")
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG")
    svg = await admin.get("/api/v1/service-points/A1-Q1/qr.svg", channel="online")
    assert svg.status_code == 200 and svg.content.lstrip().startswith(b"<?xml")
    pdf = await admin.get("/api/v1/service-points/A1-Q1/poster.pdf", channel="online", size="A5", lang="vi")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    agency = Console(world, "agency")
    assert (await agency.get("/api/v1/service-points/A2-Q1/qr.png")).status_code == 404
    english = await Console(world, "admin", lang="en").get("/staff/agencies/points/A1-Q1")
    assert "Online form" in text_of(english.text) and 'lang="en"' in english.text


async def test_rotation_replaces_the_addresses_and_retires_the_old_token(world: World) -> None:
    await create_open_wave(world)
    agency = Console(world, "agency")
    old = await _token("A1-Q1")
    assert (await world.client.get(f"/f/{old}")).status_code == 200
    response = await agency.post("/staff/agencies/points/A1-Q1/rotate")
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/agencies/points/A1-Q1?done=ag_rotated"
    new = await _token("A1-Q1")
    assert new != old
    page = await agency.get("/staff/agencies/points/A1-Q1", done="ag_rotated")
    assert "Đã đổi mã truy cập." in text_of(page.text)
    assert f"/f/{new}" in page.text and f"/k/{new}" in page.text and old not in page.text
    assert (await world.client.get(f"/f/{old}")).status_code == 404
    assert (await world.client.get(f"/f/{new}")).status_code == 200
    assert await AuditLog.exists().where(
        (AuditLog.action == "rotate_token") & (AuditLog.object_key == "A1-Q1")
    )


async def test_detail_pages_link_agencies_and_points(world: World) -> None:
    admin = Console(world, "admin")
    page = await admin.get("/staff/agencies/A1")
    assert 'href="/staff/agencies/points/A1-Q1"' in page.text
    assert 'href="/staff/agencies/points/new?agency=A1"' in page.text
    assert 'href="/staff/agencies/A1/edit"' in page.text
    assert re.search(r"Quầy Sở Tư pháp", page.text)
    assert (await admin.get("/staff/agencies/NOPE")).status_code == 404
    assert (await admin.get("/staff/agencies/points/NOPE")).status_code == 404
