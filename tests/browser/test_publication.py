"""Publication in Chromium: a statistician prepares and an administrator approves and publishes a wave's
results on the console, then a correction; a citizen walks the public pages at phone and desktop sizes,
each page checked with axe-core (WCAG 2.1 A and AA rules) and screenshotted.

The wave is the test's own (agencies PUB-A/B/C with their own service points), so the demo wave other
browser tests write to stays open. axe-core comes from tests/browser/node_modules (``npm ci`` in
tests/browser, which .ci/run does); without it these tests are skipped with that reason.
"""

from __future__ import annotations

import json
import random
import re
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from survey_engine.questionnaire import get_template
from survey_engine.simulate import simulate_answers
from tests.browser.conftest import SCREENS, Server
from tests.browser.test_console_results import sign_in

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
WAVE = "PUB-2026"
AGENCIES = (
    ("PUB-A", "Sở Xây dựng", "Department of Construction", 90),
    ("PUB-B", "Sở Công Thương", "Department of Industry and Trade", 70),
    ("PUB-C", "Sở Nội vụ", "Department of Home Affairs", 14),
)
COMMENT = "Y-KIEN-RIENG-9931"
_state: dict[str, Any] = {}


def _call(
    server: Server, method: str, path: str, body: Any = None, auth: dict[str, str] | None = None
) -> Any:
    req = urllib.request.Request(
        server.url + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json", **(auth if auth is not None else server.admin)},
    )
    with urllib.request.urlopen(req, timeout=60) as resp:
        return json.loads(resp.read() or b"null")


def closed_wave(server: Server) -> None:
    """The test's own wave with responses (PUB-C kept small: suppressed), closed. Once per session."""
    if _state.get("wave"):
        return
    for code, vi, en, _ in AGENCIES:
        _call(
            server,
            "POST",
            "/api/v1/agencies",
            {"code": code, "name_vi": vi, "name_en": en, "level": "province"},
        )
        _call(
            server,
            "POST",
            "/api/v1/service-points",
            {
                "code": f"{code}-Q",
                "agency": code,
                "name_vi": f"Quầy {vi}",
                "name_en": f"{en} desk",
                "kind": "counter",
            },
        )
    questionnaire = server.demo["questionnaire"]
    _call(
        server,
        "POST",
        "/api/v1/waves",
        {
            "code": WAVE,
            "name_vi": "Khảo sát công bố 2026",
            "name_en": "Published survey 2026",
            "questionnaire": questionnaire,
            "questionnaire_version": 1,
            "period_start": "2026-01-01",
            "period_end": "2026-06-30",
            "channels": ["online"],
            "agencies": [a[0] for a in AGENCIES],
            "service_points": [f"{a[0]}-Q" for a in AGENCIES],
        },
    )
    _call(server, "POST", f"/api/v1/waves/{WAVE}/status", {"status": "open"})
    q = get_template(questionnaire)
    rng = random.Random(11)
    texts = [it.code for it in q.items if it.type in ("text", "textarea")]
    jobs = []
    for code, _, _, count in AGENCIES:
        token = _call(server, "GET", f"/api/v1/service-points/{code}-Q")["token"]
        for i in range(count):
            answers = simulate_answers(q, rng, 0.7 + 0.2 * rng.random())
            answers.update({t: f"{COMMENT} {i}" for t in texts})
            day = 1 + i % 28  # spread over the month: service-point days are the clusters
            jobs.append(
                {
                    "id": str(uuid.uuid4()),
                    "token": token,
                    "answers": answers,
                    "channel": "online",
                    "started_at": f"2026-03-{day:02d}T09:00:00+07:00",
                    "submitted_at": f"2026-03-{day:02d}T09:06:00+07:00",
                }
            )
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda body: _call(server, "POST", "/api/v1/submissions", body, {}), jobs))
    _call(server, "POST", f"/api/v1/waves/{WAVE}/status", {"status": "closed"})
    _state["wave"] = WAVE


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.0/2.1 A and AA violations on the page as shown. The contexts that run it bypass
    the pages' CSP, which (rightly) refuses the injected script; the pages themselves run none."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
    )
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


@pytest.fixture
def phone_page(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(
        viewport={"width": 360, "height": 740},
        is_mobile=True,
        has_touch=True,
        locale="vi-VN",
        bypass_csp=True,
    )
    page = ctx.new_page()
    yield page
    ctx.close()


@pytest.fixture
def needs_axe() -> None:
    if not AXE.exists():
        pytest.skip(f"{AXE} is missing: run `npm ci` in tests/browser")


def _console_step(page: Any, server: Server, button: str) -> None:
    page.goto(f"{server.url}/staff/releases?wave={WAVE}")
    page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_load_state()


def test_1_statistician_and_administrator_release_and_correct(
    server: Server, browser: Any, needs_axe: None
) -> None:
    closed_wave(server)
    stat_ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN", bypass_csp=True)
    admin_ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN", bypass_csp=True)
    try:
        stat, admin = stat_ctx.new_page(), admin_ctx.new_page()
        sign_in(stat, server, "statistician")
        sign_in(admin, server, "admin")
        # nothing is public before publication
        assert stat.goto(f"{server.url}/results/{WAVE}").status == 404
        _console_step(stat, server, "Chuẩn bị bản công bố")
        assert "Bản nháp" in stat.content() and "Đã chuẩn bị bản nháp" in stat.content()
        assert axe_violations(stat) == []
        stat.screenshot(path=str(SCREENS / "publication-console-draft.png"), full_page=True)
        # the statistician sees no approve button; the administrator approves, then publishes
        assert stat.get_by_role("button", name="Duyệt", exact=True).count() == 0
        _console_step(admin, server, "Duyệt")
        assert "Đã duyệt" in admin.content()
        _console_step(admin, server, "Công bố")
        assert "Đã công bố" in admin.content()
        admin.screenshot(path=str(SCREENS / "publication-console-published.png"), full_page=True)
        assert stat.goto(f"{server.url}/results/{WAVE}").status == 200

        # a correction: a new version with its public changelog; version 1 stays readable
        _call(server, "PATCH", "/api/v1/agencies/PUB-A", {"name_vi": "Sở Xây dựng tỉnh"})
        stat.goto(f"{server.url}/staff/releases?wave={WAVE}")
        stat.get_by_label("Thay đổi (tiếng Việt)").fill("Sửa tên cơ quan trong bảng")
        stat.get_by_label("Thay đổi (tiếng Anh)").fill("Agency name corrected in the table")
        stat.get_by_role("button", name="Chuẩn bị bản đính chính").click()
        stat.wait_for_load_state()
        _console_step(admin, server, "Duyệt")
        _console_step(admin, server, "Công bố")
        assert axe_violations(admin) == []
        admin.screenshot(path=str(SCREENS / "publication-console-corrected.png"), full_page=True)
        audit = _call(server, "GET", "/api/v1/audit-log?object_type=release&limit=20")
        steps = [(e["action"], e["actor_email"]) for e in reversed(audit["items"])]
        stat_email = next(s["email"] for s in server.demo["staff"] if s["role"] == "statistician")
        admin_email = next(s["email"] for s in server.demo["staff"] if s["role"] == "admin")
        assert steps[-3:] == [
            ("release.prepare", stat_email),
            ("release.approve", admin_email),
            ("release.publish", admin_email),
        ]
    finally:
        stat_ctx.close()
        admin_ctx.close()
    _state["published"] = True


def _walk(page: Any, server: Server, size: str) -> None:
    """List → wave → agency → method, in Vietnamese then English; axe-core on every page."""
    checked = []

    def check(name: str) -> None:
        assert COMMENT not in page.content()
        violations = axe_violations(page)
        assert violations == [], (page.url, violations)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= page.viewport_size["width"], f"{page.url} is {width}px wide"
        page.screenshot(path=str(SCREENS / f"publication-{name}-{size}.png"), full_page=True)
        checked.append(page.url)

    page.goto(server.url + "/results")
    check("list")
    page.get_by_role("link", name="Khảo sát công bố 2026").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Khảo sát công bố 2026"
    assert "Phiên bản 2" in page.content() and "Sửa tên cơ quan trong bảng" in page.content()
    check("wave")
    table = page.locator("table.data")
    row = table.locator("tr", has_text="Sở Nội vụ")
    assert "Không công bố" in row.inner_text()  # 14 responses: suppressed, with the reason
    page.get_by_role("link", name="Sở Xây dựng tỉnh").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Sở Xây dựng tỉnh"
    check("agency")
    page.get_by_role("link", name="English").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Department of Construction"
    check("agency-en")
    page.get_by_role("link", name="How to read the figures").first.click()
    check("method-en")
    page.goto(f"{server.url}/results/{WAVE}/v/1?lang=en")
    assert "This is an earlier version" in page.content()
    check("wave-v1-en")


def test_2_citizen_reads_results_on_a_phone(server: Server, phone_page: Any, needs_axe: None) -> None:
    if not _state.get("published"):
        pytest.skip("the release test did not publish")
    _walk(phone_page, server, "phone")


def test_3_citizen_reads_results_on_a_desktop_without_javascript(
    server: Server, browser: Any, needs_axe: None
) -> None:
    if not _state.get("published"):
        pytest.skip("the release test did not publish")
    ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN", bypass_csp=True)
    try:
        page = ctx.new_page()
        _walk(page, server, "desktop")
        # the pages need no script: the same content with JavaScript off
        nojs = browser.new_context(viewport={"width": 1366, "height": 900}, java_script_enabled=False)
        p = nojs.new_page()
        p.goto(f"{server.url}/results/{WAVE}")
        assert re.search(r"Sở Xây dựng", p.content())
        nojs.close()
    finally:
        ctx.close()
