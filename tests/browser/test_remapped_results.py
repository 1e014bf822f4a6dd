"""Results across the 2025 merger in Chromium: a citizen reads a wave published on the old map shown on the
new one (units and successor agencies), and the trend on the new wave; an administrator records which
department continues which on the console. axe-core on every page; screenshots go to
/tmp/screens/remapped-*.png.

The test's own synthetic map (versions rm-2008 and rm-2025): communes RX and RY merge into RM; provinces RP
(4 500 people) and RP2 (1 500) merge into RQ, whose Department A continues the two old Departments A.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from survey_engine.questionnaire import get_template
from survey_engine.simulate import simulate_answers
from tests.browser.conftest import ROOT, SCREENS, Server
from tests.browser.test_console_agencies import sign_in
from tests.browser.test_publication import AXE, axe_violations

pytestmark = pytest.mark.browser

UNITS = """code,unit_version,level,name_vi,name_en,parent_code,valid_from,valid_to,population
RP,rm-2008,province,Tỉnh Rạng Phong,Rang Phong Province,,2008-08-01,2025-06-30,4500
RP2,rm-2008,province,Tỉnh Rạng Phong Hai,Rang Phong Two Province,,2008-08-01,2025-06-30,1500
RX,rm-2008,commune,Xã Rạch Xoài,Rach Xoai Commune,RP,2008-08-01,2025-06-30,3000
RY,rm-2008,commune,Xã Rạch Yên,Rach Yen Commune,RP,2008-08-01,2025-06-30,1000
RQ,rm-2025,province,Tỉnh Rạng Quang,Rang Quang Province,,2025-07-01,,
RM,rm-2025,commune,Xã Rạch Mới,Rach Moi Commune,RQ,2025-07-01,,
"""
SUCCESSIONS = """predecessor_version,predecessor_code,successor_version,successor_code,population_share
rm-2008,RX,rm-2025,RM,1
rm-2008,RY,rm-2025,RM,1
rm-2008,RP,rm-2025,RQ,1
rm-2008,RP2,rm-2025,RQ,1
"""
# code: (unit, version, level, name_vi, name_en, mood)
OLD = {
    "RM-UX": ("RX", "rm-2008", "commune", "UBND xã Rạch Xoài", "Rach Xoai People's Committee", 0.8),
    "RM-UY": ("RY", "rm-2008", "commune", "UBND xã Rạch Yên", "Rach Yen People's Committee", 0.4),
    "RM-TP-P": ("RP", "rm-2008", "province", "Sở Tư pháp Rạng Phong", "Rang Phong Dept. of Justice", 0.7),
    "RM-TP-P2": (
        "RP2",
        "rm-2008",
        "province",
        "Sở Tư pháp Rạng Phong Hai",
        "Rang Phong Two Dept. of Justice",
        0.3,
    ),
    "RM-YT-P": ("RP", "rm-2008", "province", "Sở Y tế Rạng Phong", "Rang Phong Dept. of Health", 0.6),
}
NEW = {
    "RM-UM": ("RM", "rm-2025", "commune", "UBND xã Rạch Mới", "Rach Moi People's Committee", 0.6),
    "RM-TP-Q": ("RQ", "rm-2025", "province", "Sở Tư pháp Rạng Quang", "Rang Quang Dept. of Justice", 0.8),
    "RM-YT-Q": ("RQ", "rm-2025", "province", "Sở Y tế Rạng Quang", "Rang Quang Dept. of Health", 0.5),
}
PER_AGENCY = 36
_state: dict[str, Any] = {}


def _cli(server: Server, *args: str) -> str:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "SIPAS_", "PICCOLO_CONF"))
    }
    env.update(
        DATABASE_URL=f"sqlite:///{server.db}",
        SIPAS_DATA_DIR=str(server.db.parent / "data"),
        SIPAS_BASE_URL=server.url,
        PYTHONPATH=str(ROOT),
    )
    done = subprocess.run(
        [sys.executable, "-m", "api.cli", *args], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _wave(server: Server, code: str, year: int, version: str, agencies: dict[str, tuple[Any, ...]]) -> None:
    questionnaire = server.demo["questionnaire"]
    server.api(
        "POST",
        "/api/v1/waves",
        {
            "code": code,
            "name_vi": f"Khảo sát sáp nhập {year}",
            "name_en": f"Merger survey {year}",
            "questionnaire": questionnaire,
            "questionnaire_version": 1,
            "period_start": f"{year}-01-01",
            "period_end": f"{year}-12-31",
            "channels": ["online"],
            "agencies": list(agencies),
            "service_points": [f"{a}-Q" for a in agencies],
            "unit_version": version,
        },
    )
    server.api("POST", f"/api/v1/waves/{code}/status", {"status": "open"})
    q = get_template(questionnaire)
    rng = random.Random(year)
    jobs = []
    for agency, spec in agencies.items():
        token = server.api("GET", f"/api/v1/service-points/{agency}-Q")["token"]
        for i in range(PER_AGENCY):
            day = 1 + i % 28
            jobs.append(
                {
                    "id": str(uuid.uuid4()),
                    "token": token,
                    "answers": simulate_answers(q, rng, spec[5]),
                    "channel": "online",
                    "started_at": f"{year}-03-{day:02d}T09:00:00+07:00",
                    "submitted_at": f"{year}-03-{day:02d}T09:06:00+07:00",
                }
            )
    no_auth = Server(server.url, server.db, server.demo, {})
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda body: no_auth.api("POST", "/api/v1/submissions", body), jobs))
    server.api("POST", f"/api/v1/waves/{code}/status", {"status": "closed"})
    emails = {s["role"]: s["email"] for s in server.demo["staff"]}
    _cli(
        server,
        "publish",
        "--wave",
        code,
        "--prepared-by",
        emails["statistician"],
        "--approved-by",
        emails["admin"],
    )


@pytest.fixture(scope="module")
def merged(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Server:
    """The map, its agencies and two published waves (old map, new map), once per module."""
    if _state.get("ready"):
        return server
    folder = tmp_path_factory.mktemp("remapped")
    for name, text in (("units.csv", UNITS), ("successions.csv", SUCCESSIONS)):
        (folder / name).write_text(text, encoding="utf-8")
    _cli(server, "units", "import", str(folder / "units.csv"))
    _cli(server, "units", "successions", "import", str(folder / "successions.csv"))
    for code, (unit, version, level, vi, en, _) in {**OLD, **NEW}.items():
        body = {
            "code": code,
            "name_vi": vi,
            "name_en": en,
            "level": level,
            "unit": unit,
            "unit_version": version,
        }
        server.api("POST", "/api/v1/agencies", body)
        point = {
            "code": f"{code}-Q",
            "agency": code,
            "name_vi": f"Quầy {vi}",
            "name_en": f"{en} desk",
            "kind": "counter",
        }
        server.api("POST", "/api/v1/service-points", point)
    for successor, predecessors in (("RM-TP-Q", ["RM-TP-P", "RM-TP-P2"]), ("RM-YT-Q", ["RM-YT-P"])):
        server.api(
            "PUT",
            f"/api/v1/agencies/{successor}/predecessors",
            {"items": [{"agency": p} for p in predecessors]},
        )
    _wave(server, "RM-OLD", 2024, "rm-2008", OLD)
    _wave(server, "RM-NEW", 2026, "rm-2025", NEW)
    _state["ready"] = True
    return server


@pytest.fixture
def contexts(browser: Any) -> Iterator[dict[str, Any]]:
    if not AXE.exists():
        pytest.skip(f"{AXE} is missing: run `npm ci` in tests/browser")
    phone = browser.new_context(
        viewport={"width": 360, "height": 740},
        is_mobile=True,
        has_touch=True,
        locale="vi-VN",
        bypass_csp=True,
    )
    desktop = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN", bypass_csp=True)
    yield {"phone": phone.new_page(), "desktop": desktop.new_page()}
    phone.close()
    desktop.close()


def _check(page: Any, name: str) -> None:
    page.screenshot(path=str(SCREENS / f"remapped-{name}.png"), full_page=True)
    violations = axe_violations(page)
    assert violations == [], (page.url, violations)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} is {width}px wide"


def test_citizen_reads_the_old_wave_on_the_new_map(merged: Server, contexts: dict[str, Any]) -> None:
    for size, page in contexts.items():
        page.goto(f"{merged.url}/results/RM-OLD")
        page.get_by_role("link", name="rm-2025").first.click()
        assert page.url.endswith("/results/RM-OLD/map/rm-2025")
        units = page.locator("tr[data-unit='RM']")
        assert "Rạch Xoài" in units.inner_text() and "75,0 %" in units.inner_text()
        justice = page.locator("tr[data-agency='RM-TP-Q']")
        assert "Sở Tư pháp Rạng Quang" in justice.inner_text()
        assert "Sở Tư pháp Rạng Phong (Tỉnh Rạng Phong): 75,0 %" in justice.inner_text()
        assert page.get_by_role(
            "heading", name="Cơ quan trên bản đồ rm-2025 kế tục các cơ quan trước đây"
        ).count()
        _check(page, f"old-on-new-{size}")
        page.goto(f"{merged.url}/results/RM-OLD/map/rm-2025?lang=en")
        assert "Rang Quang Dept. of Justice" in page.locator("tr[data-agency='RM-TP-Q']").inner_text()
        _check(page, f"old-on-new-en-{size}")
        page.goto(f"{merged.url}/results/RM-NEW?lang=en")
        row = page.locator("tr", has=page.locator("a[href*='/agencies/RM-TP-Q']"))
        assert "Computed from predecessor units on the rm-2008 map" in row.inner_text()
        _check(page, f"new-wave-en-{size}")


def test_administrator_records_which_department_continues_which(
    merged: Server, contexts: dict[str, Any]
) -> None:
    page = contexts["desktop"]
    sign_in(page, merged, "admin")
    page.goto(f"{merged.url}/staff/agencies/RM-YT-Q")
    assert "Sở Y tế Rạng Phong" in page.locator("#predecessors-heading + p + .c-table-wrap").inner_text()
    _check(page, "console-agency")
    page.get_by_role("link", name="Sửa cơ quan tiền thân").click()
    page.locator("#agency_1").fill("RM-YT-Q")
    page.get_by_role("button", name="Lưu").click()
    assert page.locator("#error-summary").is_visible()
    assert "Một cơ quan không thể kế tục chính nó." in page.locator("#agency_1-error").inner_text()
    _check(page, "console-predecessors-error")
    page.locator("#agency_1").fill("")
    page.locator("#share_0").fill("0,5")
    page.get_by_role("button", name="Lưu").click()
    page.wait_for_url(f"{merged.url}/staff/agencies/RM-YT-Q?done=ag_predecessors_saved")
    assert "Đã lưu các cơ quan tiền thân." in page.content()
    stored = merged.api("GET", "/api/v1/agencies/RM-YT-Q/predecessors")
    assert [(i["predecessor"]["code"], i["population_share"]) for i in stored["items"]] == [("RM-YT-P", 0.5)]
    _check(page, "console-agency-saved")
