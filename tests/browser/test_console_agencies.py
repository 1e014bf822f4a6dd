"""The console's agencies, service points and kiosk pages in Chromium: one journey per role that edits.

An administrator adds a service point, sees its QR codes and replaces its token; an agency officer
registers a kiosk tablet, sees the pairing QR once, then revokes the device. Screenshots at desktop and
tablet size go to /tmp/screens/console-agencies-*.png.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import SCREENS, Server

expect = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed").expect

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1366, "height": 900}
TABLET = {"width": 1024, "height": 768}


@pytest.fixture
def desktop(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport=DESKTOP, locale="vi-VN")
    page = ctx.new_page()
    yield page
    ctx.close()


def sign_in(page: Any, server: Server, role: str, email_prefix: str = "") -> dict[str, str]:
    person = next(
        s for s in server.demo["staff"] if s["role"] == role and s["email"].startswith(email_prefix)
    )
    page.goto(f"{server.url}/staff/login")
    page.locator("#email").fill(person["email"])
    page.locator("#password").fill(person["password"])
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{server.url}/staff")
    return person


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SCREENS / f"console-agencies-{name}.png"), full_page=True)


def qr_loaded(page: Any, selector: str) -> bool:
    """Wait until the QR image has arrived and decoded (the API renders it off the event loop)."""
    page.wait_for_function(
        "s => { const i = document.querySelector(s); return i && i.complete && i.naturalWidth > 100; }",
        arg=selector,
        timeout=10000,
    )
    return True


def test_admin_adds_a_service_point_sees_its_qr_and_replaces_the_token(server: Server, desktop: Any) -> None:
    page = desktop
    sign_in(page, server, "admin")
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role(
        "link", name="Cơ quan và điểm phục vụ"
    ).click()
    expect(page.locator("h1")).to_have_text("Cơ quan")
    shot(page, "list-desktop")
    page.locator("#q").fill("SO-TP")
    page.get_by_role("button", name="Tìm kiếm").click()
    page.get_by_role("link", name="SO-TP", exact=True).click()
    expect(page.locator("h1")).to_contain_text("Sở Tư pháp")
    page.get_by_role("link", name="Thêm điểm phục vụ").click()
    code = f"SO-TP-B{uuid.uuid4().hex[:6].upper()}"
    page.locator("#code").fill(code)
    page.locator("#name_vi").fill("Quầy tiếp nhận hồ sơ số 5")
    page.locator("#name_en").fill("Reception counter 5")
    page.get_by_role("button", name="Lưu").click()
    # the kind was not chosen: the error summary names it and nothing is stored yet
    expect(page.locator("#error-summary")).to_contain_text("Loại điểm phục vụ")
    shot(page, "point-form-error-desktop")
    page.locator("#kind").select_option("counter")
    page.get_by_role("button", name="Lưu").click()
    expect(page.locator(".c-done")).to_contain_text("Đã thêm điểm phục vụ.")
    assert qr_loaded(page, "#ch-online ~ .ag-qr-row img") and qr_loaded(page, "#ch-kiosk ~ .ag-qr-row img")
    old_url = page.locator('[data-url="online"]').inner_text()
    shot(page, "point-desktop")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Đổi mã truy cập").click()
    expect(page.locator(".c-done")).to_contain_text("Đã đổi mã truy cập.")
    new_url = page.locator('[data-url="online"]').inner_text()
    assert new_url != old_url and "/f/" in new_url
    assert qr_loaded(page, "#ch-online ~ .ag-qr-row img")
    shot(page, "point-rotated-desktop")
    page.set_viewport_size(TABLET)
    shot(page, "point-rotated-tablet")
    page.goto(f"{server.url}/staff/agencies/points")
    shot(page, "points-tablet")
    page.goto(f"{server.url}/staff/lang?to=en&back=/staff/agencies")
    expect(page.locator("h1")).to_have_text("Agencies")
    shot(page, "list-en-tablet")
    page.goto(f"{server.url}/staff/lang?to=vi&back=/staff/agencies/SO-TP/edit")
    expect(page.locator("h1")).to_contain_text("Sửa thông tin cơ quan")
    shot(page, "agency-edit-tablet")


def test_agency_officer_pairs_a_kiosk_then_revokes_it(server: Server, tablet: Any) -> None:
    page = tablet
    sign_in(page, server, "agency", "so-tp@")  # the officer of SO-TP
    page.get_by_role("link", name="Thiết bị kiosk").first.click()
    expect(page.locator("h1")).to_have_text("Thiết bị kiosk")
    page.get_by_role("link", name="Đăng ký thiết bị").click()
    options = page.locator("#service_point option").all_inner_texts()
    assert all(o.startswith("SO-TP") for o in options[1:]) and len(options) > 1  # its own points only
    name = f"Máy tính bảng {uuid.uuid4().hex[:4]}"
    page.locator("#service_point").select_option(index=1)
    page.locator("#name").fill(name)
    shot(page, "kiosk-form-tablet")
    page.get_by_role("button", name="Đăng ký thiết bị").click()
    expect(page.locator(".c-warn")).to_contain_text("Mã ghép nối chỉ hiển thị một lần.")
    assert "#device=" in page.locator("#pairing-url").inner_text()
    assert qr_loaded(page, ".kiosk-qr")
    shot(page, "kiosk-paired-tablet")
    page.get_by_role("link", name="Đã ghép nối xong, về danh sách thiết bị").click()
    row = page.locator("tr", has_text=name)
    expect(row).to_contain_text("Chưa kết nối")
    page.set_viewport_size(DESKTOP)
    shot(page, "kiosks-desktop")
    page.set_viewport_size(TABLET)
    shot(page, "kiosks-tablet")
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Thu hồi").click()
    expect(page.locator(".c-done")).to_contain_text("Đã thu hồi thiết bị.")
    expect(page.locator("tr", has_text=name)).to_contain_text("Đã thu hồi lúc")
    shot(page, "kiosks-revoked-tablet")
