"""The online form in Chromium: sipas-2023 end to end, Part II skip logic, Vietnamese validation."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import SCREENS, Server

pytestmark = pytest.mark.browser


def answer_screen(page: Any, experience: bool) -> None:
    """Answer every visible, unanswered question of the current screen (fourth option when there is one)."""
    for _ in range(6):  # revealed questions (Q2 → Q3_k) appear after a click
        boxes = page.locator(".q:not([hidden]) .choices")
        todo = [b for b in boxes.all() if b.locator("input:checked").count() == 0]
        if not todo:
            return
        for box in todo:
            item = box.get_attribute("data-item")
            labels = box.locator("label")
            if box.get_attribute("data-type") == "yesno":
                labels.nth(0 if experience and item == "Q8_2" else 1).click()
            else:
                labels.nth(min(3, labels.count() - 1) if labels.count() > 3 else 0).click()


def walk(page: Any, experience: bool, shots: str = "") -> list[str]:
    titles = []
    for n in range(30):
        heading = page.locator("h1").inner_text()
        if "Xem lại" in heading:
            return titles
        titles.append(heading)
        answer_screen(page, experience)
        if shots and n in (0, 2):
            page.screenshot(path=str(SCREENS / f"{shots}-screen{n + 1}.png"), full_page=True)
        page.locator("button.primary").click()
        page.wait_for_load_state()
        assert page.locator(".error-summary").count() == 0, page.content()[:3000]
    raise AssertionError("never reached the review screen")


def test_sipas_2023_happy_path_phone(server: Server, phone: Any) -> None:
    point = server.demo["service_points"][-1]
    before = server.count("channel = 'online'")
    phone.goto(point["online_url"])
    assert phone.locator("html").get_attribute("lang") == "vi"
    assert phone.locator(".progress").inner_text().startswith("Bước 1/")
    # validation in Vietnamese, summary on top, linked to the fields and focused
    phone.locator("button.primary").click()
    summary = phone.locator("#error-summary")
    assert "Có lỗi cần sửa" in summary.inner_text() and "Câu hỏi bắt buộc trả lời." in summary.inner_text()
    assert phone.evaluate("document.activeElement.id") == "error-summary"
    phone.screenshot(path=str(SCREENS / "online-phone-errors.png"), full_page=False)
    first_link = summary.locator("a").first
    target = first_link.get_attribute("href")
    first_link.click()
    assert phone.evaluate("document.activeElement.id") == target.lstrip("#")
    titles = walk(phone, experience=True, shots="online-phone")
    assert any("II.A" in t for t in titles)
    phone.screenshot(path=str(SCREENS / "online-phone-review.png"), full_page=False)
    final_state = phone.locator("input[name=_state]").get_attribute("value")
    phone.locator("button.primary", has_text="Gửi phiếu").click()
    phone.wait_for_url("**/thanks**")
    assert "Cảm ơn" in phone.locator("h1").inner_text()
    phone.screenshot(path=str(SCREENS / "online-phone-thanks.png"))
    assert server.count("channel = 'online'") == before + 1
    # the browser re-posting the final screen (reload, second tap) stores nothing twice
    again = phone.request.post(
        point["online_url"], form={"_state": final_state, "_action": "submit"}, max_redirects=0
    )
    assert again.status == 303
    assert server.count("channel = 'online'") == before + 1


@pytest.mark.parametrize("javascript", [True, False])
def test_part_two_hidden_when_experience_says_no(server: Server, browser: Any, javascript: bool) -> None:
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=javascript)
    page = ctx.new_page()
    try:
        point = server.demo["service_points"][-2]
        before = server.count("channel = 'online'")
        page.goto(point["online_url"] + "?lang=en")
        assert page.locator("html").get_attribute("lang") == "en"
        page.locator("button.lang").click()  # switch back to Vietnamese, remembered from now on
        assert page.locator("html").get_attribute("lang") == "vi"
        titles = walk(page, experience=False)
        assert not any("II." in t for t in titles), titles
        assert any("I.A" in t for t in titles)
        assert "II.A" not in page.locator("main").inner_text()
        page.locator("button.primary", has_text="Gửi phiếu").click()
        page.wait_for_url("**/thanks**")
        assert server.count("channel = 'online'") == before + 1
    finally:
        ctx.close()


def test_unknown_token_page(server: Server, phone: Any) -> None:
    response = phone.goto(server.url + "/f/khong-co-ma-nay")
    assert response.status == 404
    assert "Không tìm thấy phiếu khảo sát" in phone.locator("h1").inner_text()
    phone.screenshot(path=str(SCREENS / "online-phone-404.png"))
