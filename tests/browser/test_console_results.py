"""The results dashboard in Chromium: province chart, an agency's page, a channel filter, the scorecard
download; an agency officer at tablet size lands on its own agency. Screenshots at desktop and tablet size.

The demo wave starts empty (``sipas demo --responses 0``); responses go in through the submissions API as
forms send them: online answers at every demo service point and paper forms keyed in by staff, with one
agency kept small so that its index is suppressed and the page has to say why.
"""

from __future__ import annotations

import json
import random
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from survey_engine.questionnaire import get_template
from survey_engine.simulate import simulate_answers
from tests.browser.conftest import SCREENS, Server

pytestmark = pytest.mark.browser

SMALL_AGENCY = "X-DONGHOA"  # kept under 30 responses: suppressed, with its reason
_seeded: dict[str, int] = {}


@pytest.fixture
def desktop(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN", accept_downloads=True)
    page = ctx.new_page()
    yield page
    ctx.close()


def _post(server: Server, body: dict[str, Any], staff: bool) -> None:
    req = urllib.request.Request(
        server.url + "/api/v1/submissions",
        method="POST",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **(server.admin if staff else {})},
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        assert resp.status in (200, 201)


def seed_responses(server: Server) -> int:
    """About 1,300 responses to the demo wave (once per session)."""
    if "n" in _seeded:
        return _seeded["n"]
    q = get_template(server.demo["questionnaire"])
    rng = random.Random(2026)
    points = server.demo["service_points"]
    moods = {a: 0.62 + 0.3 * rng.random() for a in sorted({p["agency"] for p in points})}
    now = datetime.now(UTC).replace(microsecond=0)
    jobs = []
    for point in points:
        count = 12 if point["agency"] == SMALL_AGENCY else 70 + rng.randint(0, 30)
        for _ in range(count):
            when = now - timedelta(days=rng.randint(1, 20), minutes=rng.randint(0, 600))
            paper = rng.random() < 0.3
            body = {
                "id": str(uuid.uuid4()),
                "token": point["token"],
                "answers": simulate_answers(q, rng, moods[point["agency"]]),
                "channel": "paper" if paper else "online",
                "started_at": (when - timedelta(minutes=6)).isoformat(),
                "submitted_at": when.isoformat(),
            }
            jobs.append((body, paper))
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda job: _post(server, *job), jobs))
    _seeded["n"] = len(jobs)
    return len(jobs)


def sign_in(page: Any, server: Server, role: str, email: str | None = None) -> None:
    who = next(
        s for s in server.demo["staff"] if s["role"] == role and (email is None or s["email"] == email)
    )
    page.goto(server.url + "/staff/login?next=/staff/results")
    page.get_by_label("Thư điện tử").fill(who["email"])
    page.get_by_label("Mật khẩu").fill(who["password"])
    page.get_by_role("button", name="Đăng nhập").click()


def no_horizontal_overflow(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"page is {width}px wide"


def test_statistician_province_agency_filter_download(server: Server, desktop: Any) -> None:
    seed_responses(server)
    page = desktop
    sign_in(page, server, "statistician")
    page.wait_for_url(server.url + "/staff/results")
    assert page.locator("h1").inner_text() == "Kết quả khảo sát"
    assert page.get_by_label("Đợt khảo sát", exact=True).input_value() == server.demo["wave"]
    chart = page.locator("svg#rs-province-chart")
    assert chart.get_attribute("role") == "img"
    assert chart.locator("title").text_content() == "Chỉ số SIPAS theo cơ quan"
    assert "không phải mẫu xác suất" in page.locator(".rs-series").inner_text()
    # the small agency is suppressed, with its reason, in the chart and in the table
    small = page.locator("table.rs-table tr", has=page.get_by_role("link", name="UBND xã Đông Hòa"))
    assert "Không công bố" in small.inner_text() and "cỡ mẫu" in small.inner_text()
    assert "Không công bố: cỡ mẫu" in chart.inner_html()
    no_horizontal_overflow(page)
    page.screenshot(path=str(SCREENS / "console-results-province-desktop.png"), full_page=True)

    page.locator("table.rs-table").get_by_role("link", name="Sở Tư pháp", exact=True).click()
    page.wait_for_url("**/staff/results/AB-2026/SO-TP?series=self-selected")
    assert page.locator("h1").inner_text().startswith("Sở Tư pháp")
    assert page.locator("svg#rs-elements-chart").count() == 1
    overall = page.locator(".rs-big-value").inner_text()
    assert "," in overall and overall.endswith("%")  # 83,4 % in Vietnamese
    page.screenshot(path=str(SCREENS / "console-results-agency-desktop.png"), full_page=True)

    page.get_by_label("Kênh trả lời").select_option("paper")
    page.get_by_role("button", name="Áp dụng").click()
    page.wait_for_url("**channel=paper**")
    assert "Đang lọc: Kênh trả lời: Phiếu giấy" in page.locator(".c-warn").first.inner_text()
    assert page.get_by_label("Kênh trả lời").input_value() == "paper"
    no_horizontal_overflow(page)
    page.screenshot(path=str(SCREENS / "console-results-filtered-desktop.png"), full_page=True)

    with page.expect_download() as download:
        page.get_by_role("link", name="Phiếu điểm (PDF)").click()
    saved = Path(download.value.path())
    assert saved.read_bytes().startswith(b"%PDF")
    assert download.value.suggested_filename == "scorecard-AB-2026-SO-TP-vi.pdf"


def test_agency_officer_at_tablet_size(server: Server, tablet: Any) -> None:
    seed_responses(server)
    page = tablet
    sign_in(page, server, "agency", "so-tp@demo.sipas.vn")
    page.wait_for_url("**/staff/results/AB-2026/SO-TP?series=self-selected")
    assert page.locator("h1").inner_text().startswith("Sở Tư pháp")
    assert page.get_by_role("link", name="Tất cả cơ quan").count() == 0
    assert page.locator("svg#rs-elements-chart").is_visible()
    no_horizontal_overflow(page)
    page.screenshot(path=str(SCREENS / "console-results-agency-tablet.png"), full_page=True)
    # another agency's page is not found
    response = page.goto(server.url + "/staff/results/AB-2026/SO-YT")
    assert response is not None and response.status == 404
    assert page.locator("h1").inner_text() == "Không tìm thấy"


def test_province_chart_at_tablet_size(server: Server, tablet: Any) -> None:
    seed_responses(server)
    page = tablet
    sign_in(page, server, "admin")
    page.wait_for_url(server.url + "/staff/results")
    assert page.locator("svg#rs-province-chart").is_visible()
    no_horizontal_overflow(page)
    page.screenshot(path=str(SCREENS / "console-results-province-tablet.png"), full_page=True)
