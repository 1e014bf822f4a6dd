"""The interviewer screens in Chromium at tablet size: sign in, a contact, a callback, the interview."""

from __future__ import annotations

import urllib.request
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from tests.browser.conftest import SCREENS, Server

pytestmark = pytest.mark.browser

VN = timezone(timedelta(hours=7))
POINT_INDEX = 5  # a demo service point no other browser test moves onto its own wave


def phone_wave(server: Server) -> dict[str, Any]:
    """A counter-3 wave with the phone channel on one demo service point, and two contacts."""
    point = dict(server.demo["service_points"][POINT_INDEX])
    interviewer = next(s for s in server.demo["staff"] if s["role"] == "interviewer")
    server.api(
        "POST",
        "/api/v1/waves",
        {
            "code": "PHONE-T",
            "name_vi": "Khảo sát qua điện thoại",
            "name_en": "Phone survey",
            "questionnaire": "counter-3",
            "questionnaire_version": 1,
            "period_start": "2026-01-01",
            "period_end": "2026-12-31",
            "channels": ["online", "phone"],
            "agencies": [point["agency"]],
            "service_points": [point["code"]],
        },
    )
    server.api("POST", "/api/v1/waves/PHONE-T/status", {"status": "open"})
    csv = (
        "code,agency,phone,service_point,assigned_to\n"
        f"T-001,{point['agency']},0912 345 678,{point['code']},{interviewer['email']}\n"
        f"T-002,{point['agency']},0243 825 1234,,{interviewer['email']}\n"
    )
    req = urllib.request.Request(
        server.url + "/api/v1/waves/PHONE-T/contacts/import",
        method="POST",
        data=csv.encode(),
        headers={"Content-Type": "text/csv", **server.admin},
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        assert resp.status == 201
    return interviewer


def test_interviewer_callback_then_interview(server: Server, tablet: Any) -> None:
    interviewer = phone_wave(server)
    page = tablet
    page.goto(server.url + "/i")
    assert page.url.endswith("/i/login")
    assert page.locator("html").get_attribute("lang") == "vi"
    page.get_by_label("Thư điện tử").fill(interviewer["email"])
    page.get_by_label("Mật khẩu").fill("wrong password")
    page.get_by_role("button", name="Đăng nhập").click()
    assert "Thư điện tử hoặc mật khẩu không đúng." in page.locator(".error-summary").inner_text()
    page.get_by_label("Mật khẩu").fill(interviewer["password"])
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(server.url + "/i")
    assert page.locator("h1").inner_text() == "Danh sách liên hệ cần gọi"
    page.screenshot(path=str(SCREENS / "interviewer-list-tablet.png"), full_page=True)

    page.get_by_role("link", name="T-001").click()
    assert page.locator("h1").inner_text() == "Liên hệ T-001"
    tel = page.locator(".iv-phone a")
    assert tel.get_attribute("href") == "tel:+84912345678" and tel.inner_text() == "0912 345 678"
    page.screenshot(path=str(SCREENS / "interviewer-contact-tablet.png"), full_page=True)

    # a callback without its time: a Vietnamese error, linked to the field
    page.get_by_label("Kết quả cuộc gọi").select_option("2.211")
    page.get_by_role("button", name="Lưu kết quả cuộc gọi").click()
    assert "Vui lòng nhập ngày giờ hẹn gọi lại." in page.locator(".error-summary").inner_text()
    assert page.evaluate("document.activeElement.id") == "error-summary"
    page.screenshot(path=str(SCREENS / "interviewer-contact-error-tablet.png"), full_page=True)
    when = (datetime.now(UTC) + timedelta(days=1)).astimezone(VN).replace(hour=9, minute=30)
    page.get_by_label("Ngày giờ hẹn gọi lại").fill(when.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Ghi chú").fill("Anh hẹn gọi lại buổi sáng")
    page.get_by_role("button", name="Lưu kết quả cuộc gọi").click()
    assert "Đã lưu kết quả cuộc gọi." in page.locator(".notice").inner_text()
    assert page.locator(".iv-dl").get_by_text("Hẹn gọi lại", exact=True).count() >= 1
    assert "09:30 " + when.strftime("%d/%m/%Y") in page.locator(".iv-dl").inner_text()
    assert "Anh hẹn gọi lại buổi sáng" in page.locator(".iv-table").inner_text()
    page.screenshot(path=str(SCREENS / "interviewer-contact-callback-tablet.png"), full_page=True)
    page.get_by_role("link", name="← Danh sách liên hệ").click()
    assert "Hẹn gọi lại" in page.locator("tr", has=page.get_by_role("link", name="T-001")).inner_text()
    page.get_by_role("link", name="T-001").click()

    # the interview itself
    page.get_by_role("link", name="Bắt đầu phỏng vấn").click()
    assert page.locator(".progress").inner_text() == "Bước 1/2"
    assert "Phỏng vấn qua điện thoại, liên hệ T-001" in page.locator(".top").inner_text()
    page.screenshot(path=str(SCREENS / "interviewer-form-tablet.png"), full_page=False)
    page.locator(".choices label").first.click()
    page.locator("button.primary").click()
    assert "Xem lại" in page.locator("h1").inner_text()
    page.screenshot(path=str(SCREENS / "interviewer-review-tablet.png"), full_page=True)
    before = server.count("channel = 'phone'")
    page.locator("button.primary").click()
    page.wait_for_url(server.url + "/i?done=T-001")
    assert "Đã lưu phiếu phỏng vấn của liên hệ T-001" in page.locator(".notice").inner_text()
    row = page.locator("tr", has=page.get_by_role("link", name="T-001"))
    assert "Hoàn thành" in row.inner_text()
    assert server.count("channel = 'phone'") == before + 1
    page.screenshot(path=str(SCREENS / "interviewer-list-done-tablet.png"), full_page=True)
