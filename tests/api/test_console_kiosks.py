"""Console pages for kiosk devices: register (pairing link and QR shown once), list, revoke, per role."""

from __future__ import annotations

import base64
import re
import uuid
from datetime import UTC, datetime
from typing import Any

from survey_engine.actors import SYSTEM
from survey_engine.collection.kiosks import KioskDeviceService
from survey_engine.security import hash_token
from survey_engine.tables import KioskDevice, ServicePoint, Submission
from tests.api.conftest import World, create_open_wave
from tests.support.console import Console, text_of

PAIRING = re.compile(r"(http[^\s<\"]+/k/([A-Za-z0-9_-]+)#device=([A-Za-z0-9_-]+))")


async def test_agency_user_registers_a_kiosk_and_sees_the_pairing_code_once(world: World) -> None:
    agency = Console(world, "agency")
    form = await agency.get("/staff/kiosks/new", point="A1-Q1")
    assert form.status_code == 200
    assert '<option value="A1-Q1" selected>' in form.text and "A2-Q1" not in form.text
    response = await agency.post("/staff/kiosks/new", {"service_point": "A1-Q1", "name": "Máy quầy 3"})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    text = text_of(response.text)
    assert "Đã đăng ký thiết bị “Máy quầy 3” cho điểm phục vụ A1-Q1." in text
    assert "Mã ghép nối chỉ hiển thị một lần." in text
    match = PAIRING.search(response.text)
    assert match is not None
    url, point_token, device_token = match.groups()
    row = await ServicePoint.select(ServicePoint.public_token).where(ServicePoint.code == "A1-Q1").first()
    assert point_token == row["public_token"]  # type: ignore[index]
    assert url == f"{world.app.state.services.settings.base_url}/k/{point_token}#device={device_token}"
    stored = await KioskDevice.select(KioskDevice.name, KioskDevice.token_hash)
    assert stored == [{"name": "Máy quầy 3", "token_hash": hash_token(device_token)}]  # only the hash
    qr = re.search(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', response.text)
    assert qr is not None and base64.b64decode(qr.group(1)).startswith(b"\x89PNG")
    # The token works for the kiosk page's submissions and never appears again.
    listing = await agency.get("/staff/kiosks")
    assert device_token not in listing.text
    listed = text_of(listing.text)
    assert "Máy quầy 3" in listed and "Chưa kết nối" in listed and "Đang dùng" in listed


async def test_bad_registration_input_shows_vietnamese_errors_and_stores_nothing(world: World) -> None:
    admin = Console(world, "admin")
    response = await admin.post("/staff/kiosks/new", {"service_point": "", "name": "  "})
    assert response.status_code == 422
    text = text_of(response.text)
    assert "Vui lòng chọn điểm phục vụ." in text and "Vui lòng nhập tên thiết bị." in text
    assert 'href="#service_point"' in response.text
    long = await admin.post("/staff/kiosks/new", {"service_point": "A1-Q1", "name": "x" * 101})
    assert long.status_code == 422 and "Tên thiết bị tối đa 100 ký tự." in text_of(long.text)
    unknown = await admin.post("/staff/kiosks/new", {"service_point": "NOPE", "name": "Máy"})
    assert unknown.status_code == 422 and "Không có điểm phục vụ nào có mã “NOPE”." in text_of(unknown.text)
    stale = await admin.post("/staff/kiosks/new", {"service_point": "A1-Q1", "name": "Máy"}, csrf=False)
    assert stale.status_code == 400
    assert await KioskDevice.count() == 0


async def test_agency_user_cannot_register_or_revoke_for_another_agency(world: World) -> None:
    agency = Console(world, "agency")
    response = await agency.post("/staff/kiosks/new", {"service_point": "A2-Q1", "name": "Máy lạ"})
    assert response.status_code == 404 and "Không tìm thấy" in text_of(response.text)
    assert await KioskDevice.count() == 0
    other, _ = await KioskDeviceService().register(SYSTEM, "A2-Q1", "Máy Sở Y tế")
    listing = text_of((await agency.get("/staff/kiosks")).text)
    assert "Máy Sở Y tế" not in listing and "Chưa có thiết bị kiosk nào." in listing
    revoked = await agency.post(f"/staff/kiosks/{other.id}/revoke")
    assert revoked.status_code == 404
    row = await KioskDevice.select(KioskDevice.revoked_at).where(KioskDevice.id == other.id).first()
    assert row == {"revoked_at": None}


def _kiosk_body(point_token: str) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "token": point_token,
        "answers": {"RATING": 3},
        "channel": "kiosk",
        "language": "vi",
        "started_at": "2026-11-22T08:00:00+07:00",
        "submitted_at": "2026-11-22T08:02:30+07:00",
    }


async def test_paired_tablet_submits_until_the_device_is_revoked(world: World) -> None:
    await create_open_wave(world)
    agency = Console(world, "agency")
    paired = await agency.post("/staff/kiosks/new", {"service_point": "A1-Q1", "name": "Máy quầy 1"})
    match = PAIRING.search(paired.text)
    assert match is not None
    _, point_token, device_token = match.groups()
    kiosk = {"X-Kiosk-Device": device_token}
    ok = await world.client.post("/api/v1/submissions", json=_kiosk_body(point_token), headers=kiosk)
    assert ok.status_code == 201, ok.text
    listing = await agency.get("/staff/kiosks", point="A1-Q1")
    assert "Chưa kết nối" not in text_of(listing.text)  # the submission set its last-seen time
    device_id = int((await KioskDevice.select(KioskDevice.id).first())["id"])  # type: ignore[index]
    assert f'action="/staff/kiosks/{device_id}/revoke"' in listing.text
    assert 'data-confirm="Thu hồi thiết bị “Máy quầy 1”?' in listing.text
    stale = await agency.post(f"/staff/kiosks/{device_id}/revoke", csrf=False)
    assert stale.status_code == 400 and "Biểu mẫu đã hết hạn" in text_of(stale.text)
    assert (await KioskDevice.select(KioskDevice.revoked_at).first())["revoked_at"] is None  # type: ignore[index]
    response = await agency.post(f"/staff/kiosks/{device_id}/revoke", {"point": "A1-Q1"})
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/kiosks?point=A1-Q1&done=kiosk_revoked"
    page = await agency.get("/staff/kiosks", point="A1-Q1", done="kiosk_revoked")
    text = text_of(page.text)
    assert "Đã thu hồi thiết bị." in text and "Đã thu hồi lúc" in text and "/revoke" not in page.text
    refused = await world.client.post("/api/v1/submissions", json=_kiosk_body(point_token), headers=kiosk)
    assert refused.status_code == 401
    assert await Submission.count() == 1


async def test_last_seen_time_is_shown_in_vietnam_time(world: World) -> None:
    device, _ = await KioskDeviceService().register(SYSTEM, "A1-Q1", "Máy sảnh")
    seen = datetime(2026, 3, 5, 20, 30, tzinfo=UTC)  # 03:30 on 6 March in Vietnam
    await KioskDevice.update({KioskDevice.last_seen_at: seen}).where(KioskDevice.id == device.id)
    page = text_of((await Console(world, "admin").get("/staff/kiosks")).text)
    assert "03:30 06/03/2026" in page and "Chưa kết nối" not in page
    english = text_of((await Console(world, "admin", lang="en").get("/staff/kiosks")).text)
    assert "Last seen" in english and "In use" in english


async def test_roles_on_the_kiosk_pages(world: World) -> None:
    await KioskDeviceService().register(SYSTEM, "A2-Q1", "Máy Sở Y tế")
    stat = Console(world, "statistician")
    listing = await stat.get("/staff/kiosks")  # the API lets readers list devices
    assert listing.status_code == 200 and "Máy Sở Y tế" in listing.text
    assert "Đăng ký thiết bị" not in text_of(listing.text) and "/revoke" not in listing.text
    assert (await stat.get("/staff/kiosks/new")).status_code == 403
    refused = await stat.post("/staff/kiosks/new", {"service_point": "A1-Q1", "name": "Máy"})
    assert refused.status_code == 403 and "Không có quyền truy cập" in text_of(refused.text)
    assert (await stat.post("/staff/kiosks/1/revoke")).status_code == 403
    assert await KioskDevice.count() == 1
    assert (await Console(world, "interviewer").get("/staff/kiosks")).status_code == 403
    admin = Console(world, "admin")
    form = await admin.get("/staff/kiosks/new")
    assert "A1-Q1" in form.text and "A2-Q1" in form.text
    response = await admin.post("/staff/kiosks/new", {"service_point": "A2-Q1", "name": "Máy 2"})
    assert response.status_code == 200 and "#device=" in response.text
    assert await KioskDevice.count() == 2
