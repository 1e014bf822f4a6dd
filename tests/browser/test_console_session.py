"""The staff console in Chromium: sign-in, overview, accounts, audit log, language switch, role menus."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import SCREENS, Server

pytestmark = pytest.mark.browser


@pytest.fixture
def desktop(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN")
    page = ctx.new_page()
    yield page
    ctx.close()


def staff_of(server: Server, role: str) -> dict[str, str]:
    return next(s for s in server.demo["staff"] if s["role"] == role)


def sign_in(page: Any, server: Server, role: str, target: str = "/staff") -> None:
    person = staff_of(server, role)
    page.goto(server.url + target)
    page.get_by_label("Thư điện tử").fill(person["email"])
    page.get_by_label("Mật khẩu").fill(person["password"])
    page.get_by_role("button", name="Đăng nhập").click()


def test_admin_signs_in_creates_an_account_and_reads_the_audit_log(server: Server, desktop: Any) -> None:
    page = desktop
    page.goto(server.url + "/staff/users")
    assert "/staff/login" in page.url
    page.screenshot(path=str(SCREENS / "console-login-desktop.png"), full_page=True)
    sign_in(page, server, "admin", "/staff/users")
    page.wait_for_url(server.url + "/staff/users")  # back where the admin was going
    assert page.locator("h1").inner_text() == "Người dùng và phân quyền"
    page.get_by_label("Thư điện tử").fill("can.bo.moi@example.org")
    page.get_by_label("Họ và tên").fill("Nguyễn Thị Thu Hà")
    page.locator("select#role").select_option("agency")
    page.locator("select#agency").select_option(server.demo["agencies"][0])
    page.get_by_role("button", name="Tạo tài khoản").click()
    page.screenshot(path=str(SCREENS / "console-users-desktop.png"), full_page=True)
    assert "Đã tạo tài khoản." in page.locator(".c-warn").inner_text()
    assert len(page.locator("#new-password").inner_text()) >= 16
    page.screenshot(path=str(SCREENS / "console-users-desktop.png"), full_page=True)

    page.get_by_role("link", name="Nhật ký hoạt động").click()
    assert "can.bo.moi@example.org" in page.locator("table").inner_text()
    page.screenshot(path=str(SCREENS / "console-audit-desktop.png"), full_page=True)

    page.get_by_role("link", name="Tổng quan").click()
    assert page.locator("h2").first.inner_text() == "Đợt khảo sát đang mở"
    page.screenshot(path=str(SCREENS / "console-home-desktop.png"), full_page=True)
    page.get_by_role("link", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h2").first.inner_text() == "Open survey waves"
    page.get_by_role("link", name="Tiếng Việt").click()
    assert page.locator("html").get_attribute("lang") == "vi"
    page.get_by_role("button", name="Đăng xuất").click()
    assert "Ông/Bà đã đăng xuất." in page.locator(".c-done").inner_text()


def test_agency_officer_sees_its_menu_and_cannot_open_admin_pages(server: Server, tablet: Any) -> None:
    page = tablet
    sign_in(page, server, "agency")
    page.wait_for_url(server.url + "/staff")
    menu = page.locator("nav.c-nav").inner_text()
    assert "Kết quả" in menu and "Người dùng" not in menu and "Nhật ký hoạt động" not in menu
    page.screenshot(path=str(SCREENS / "console-home-tablet.png"), full_page=True)
    response = page.goto(server.url + "/staff/users")
    assert response is not None and response.status == 403
    assert page.locator("h1").inner_text() == "Không có quyền truy cập"
    page.goto(server.url + "/staff/password")
    page.get_by_label("Mật khẩu hiện tại").fill("wrong")
    page.locator("#new_password").fill("ngắn")
    page.get_by_label("Nhập lại mật khẩu mới").fill("ngắn")
    page.get_by_role("button", name="Lưu").click()
    summary = page.locator(".c-errors")
    assert "Mật khẩu mới cần ít nhất" in summary.inner_text()
    assert page.evaluate("document.activeElement.id") == "error-summary"
    page.screenshot(path=str(SCREENS / "console-password-tablet.png"), full_page=True)


def test_interviewer_signs_in_at_the_console_and_lands_on_the_call_list(server: Server, tablet: Any) -> None:
    page = tablet
    sign_in(page, server, "interviewer")
    page.wait_for_url(server.url + "/i")
    assert page.locator("h1").inner_text() == "Danh sách liên hệ cần gọi"
    page.goto(server.url + "/staff")
    menu = page.locator("nav.c-nav").inner_text()
    assert "Phỏng vấn qua điện thoại" in menu and "Kết quả" not in menu and "Đợt khảo sát" not in menu
    response = page.goto(server.url + "/staff/results")
    assert response is not None and response.status == 403
    page.screenshot(path=str(SCREENS / "console-interviewer-forbidden-tablet.png"), full_page=True)
