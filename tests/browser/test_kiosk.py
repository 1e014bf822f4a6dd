"""The kiosk in Chromium: reset after thank-you and after idle, offline queue delivered exactly once."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import SCREENS, Server, counter_point

expect = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed").expect

pytestmark = pytest.mark.browser


def rate(page: Any, value: str = "Rất hài lòng") -> None:
    page.locator("#k-start").click()
    page.locator("label", has_text=value).first.click()
    page.locator("#k-next").click()


def test_kiosk_thanks_then_reset(server: Server, tablet: Any) -> None:
    point = counter_point(server, 0)
    before = server.count("channel = 'kiosk'")
    tablet.goto(f"{point['kiosk_url']}?reset=2#device={point['device']}")
    assert "#device" not in tablet.url  # the pairing token leaves the address bar at once
    tablet.screenshot(path=str(SCREENS / "kiosk-tablet-start.png"))
    tablet.locator("#k-start").click()
    # validation in Vietnamese
    tablet.locator("#k-next").click()
    assert "Câu hỏi bắt buộc trả lời." in tablet.locator("#error-summary").inner_text()
    tablet.screenshot(path=str(SCREENS / "kiosk-tablet-question.png"))
    tablet.locator("label", has_text="Rất hài lòng").first.click()
    tablet.locator("#k-next").click()
    tablet.locator("#k-thanks").wait_for()
    tablet.screenshot(path=str(SCREENS / "kiosk-tablet-thanks.png"))
    tablet.locator("#k-start").wait_for(timeout=6000)  # back to the start by itself
    expect(tablet.locator("#k-status")).not_to_contain_text("chờ gửi", timeout=15000)
    assert server.count("channel = 'kiosk'") == before + 1
    assert tablet.evaluate("localStorage.getItem('sipas.kiosk.device')") == point["device"]


def test_kiosk_idle_discards(server: Server, tablet: Any) -> None:
    point = counter_point(server, 0)
    before = server.count()
    tablet.goto(f"{point['kiosk_url']}?idle=4#device={point['device']}")
    tablet.locator("#k-start").click()
    tablet.locator("label", has_text="Hài lòng").first.click()
    tablet.locator("#k-idle").wait_for(timeout=5000)  # countdown near the end
    assert "giây" in tablet.locator("#k-idle").inner_text()
    tablet.screenshot(path=str(SCREENS / "kiosk-tablet-idle.png"))
    tablet.locator("#k-start").wait_for(timeout=6000)
    tablet.wait_for_timeout(500)
    assert server.count() == before  # discarded (wave setting kiosk_idle = discard)


def test_kiosk_offline_queue_delivers_once(server: Server, browser: Any) -> None:
    point = counter_point(server, 1)
    ctx = browser.new_context(viewport={"width": 768, "height": 1024}, has_touch=True)
    page = ctx.new_page()
    try:
        before = server.count("channel = 'kiosk'")
        page.goto(f"{point['kiosk_url']}?reset=2#device={point['device']}")
        page.route("**/api/v1/submissions", lambda route: route.abort())
        for value in ("Rất hài lòng", "Không hài lòng"):
            rate(page, value)
            page.locator("#k-again").click()
        expect(page.locator("#k-status")).to_contain_text("đang chờ gửi: 2")
        page.screenshot(path=str(SCREENS / "kiosk-portrait-pending.png"))
        assert server.count("channel = 'kiosk'") == before
        # a reload keeps the queue (localStorage)
        page.reload()
        assert "đang chờ gửi: 2" in page.locator("#k-status").inner_text()
        page.unroute("**/api/v1/submissions")
        page.evaluate("window.dispatchEvent(new Event('online'))")
        expect(page.locator("#k-status")).not_to_contain_text("chờ gửi", timeout=15000)
        assert server.count("channel = 'kiosk'") == before + 2
        # a lost acknowledgement: the request reached the server but the answer did not reach the tablet
        seen = {"n": 0}

        def drop_answer(route: Any) -> None:
            seen["n"] += 1
            response = route.fetch()
            if seen["n"] == 1:
                route.abort()
            else:
                route.fulfill(response=response)

        page.route("**/api/v1/submissions", drop_answer)
        rate(page)
        expect(page.locator("#k-status")).not_to_contain_text("chờ gửi", timeout=15000)
        assert seen["n"] >= 2 and server.count("channel = 'kiosk'") == before + 3
    finally:
        ctx.close()


def test_kiosk_unregistered_device_keeps_queue(server: Server, browser: Any) -> None:
    point = counter_point(server, 2)
    ctx = browser.new_context(viewport={"width": 1024, "height": 768})
    page = ctx.new_page()
    try:
        before = server.count("channel = 'kiosk'")
        page.goto(f"{point['kiosk_url']}#device=not-a-registered-device")
        rate(page)
        expect(page.locator("#k-status")).to_contain_text("chưa được đăng ký")
        assert "đang chờ gửi: 1" in page.locator("#k-status").inner_text()
        assert server.count("channel = 'kiosk'") == before
        # staff pair the tablet properly: the kept response goes out
        page.goto(f"{point['kiosk_url']}#device={point['device']}")
        page.evaluate("window.dispatchEvent(new Event('online'))")
        expect(page.locator("#k-status")).not_to_contain_text("chờ gửi", timeout=15000)
        assert server.count("channel = 'kiosk'") == before + 1
    finally:
        ctx.close()
