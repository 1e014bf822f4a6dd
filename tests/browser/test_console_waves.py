"""Waves and fieldwork in the staff console, in Chromium: an administrator creates and opens a wave; a
statistician imports a frame (a bad file first), previews a plan, draws and sees fieldwork progress."""

from __future__ import annotations

import urllib.error
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import SCREENS, Server

pytestmark = pytest.mark.browser

WAVE = "WV-BR"


@pytest.fixture
def desktop(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN")
    page = ctx.new_page()
    yield page
    ctx.close()


def sign_in(page: Any, server: Server, role: str, target: str) -> None:
    person = next(s for s in server.demo["staff"] if s["role"] == role)
    page.goto(f"{server.url}/staff/login?next={target}")
    page.locator("#email").fill(person["email"])
    page.locator("#password").fill(person["password"])
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"**{target}")


def shoot(page: Any, name: str) -> None:
    page.screenshot(path=str(SCREENS / f"console-waves-{name}.png"), full_page=True)


_AGENCIES = (("BR-SOTP", "Sở Tư pháp (thử)", "Justice (test)"), ("BR-SOYT", "Sở Y tế (thử)", "Health (test)"))
_tokens: dict[str, str] = {}


def agencies(server: Server) -> list[str]:
    """Two agencies of this module's own, each with a counter, so no demo service point changes wave."""
    if not _tokens:
        for code, vi, en in _AGENCIES:
            server.api(
                "POST", "/api/v1/agencies", {"code": code, "name_vi": vi, "name_en": en, "level": "province"}
            )
            point = server.api(
                "POST",
                "/api/v1/service-points",
                {
                    "code": f"{code}-QUAY",
                    "agency": code,
                    "name_vi": f"Quầy tiếp nhận {vi}",
                    "name_en": f"{en} counter",
                    "kind": "counter",
                },
            )
            _tokens[code] = point["token"]
    return [code for code, _, _ in _AGENCIES]


def ensure_wave(server: Server) -> None:
    """The journey's wave, made through the API when the administrator's test did not run first."""
    try:
        server.api("GET", f"/api/v1/waves/{WAVE}")
        return
    except urllib.error.HTTPError as exc:  # 404: not created yet
        assert exc.code == 404
    chosen = agencies(server)
    server.api(
        "POST",
        "/api/v1/waves",
        {
            "code": WAVE,
            "name_vi": "Khảo sát theo mẫu hồ sơ 2026",
            "name_en": "Dossier sample survey 2026",
            "questionnaire": "counter-3",
            "questionnaire_version": 1,
            "period_start": "2026-01-01",
            "period_end": "2026-12-31",
            "channels": ["online", "phone"],
            "agencies": chosen,
            "service_points": [f"{code}-QUAY" for code in chosen],
        },
    )
    server.api("POST", f"/api/v1/waves/{WAVE}/status", {"status": "open"})


def test_admin_creates_and_opens_a_wave(server: Server, desktop: Any) -> None:
    chosen = agencies(server)
    page = desktop
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, server, "admin", "/staff/waves")
    shoot(page, "list-desktop")
    page.get_by_role("link", name="Tạo đợt khảo sát").click()
    page.locator("#code").fill(WAVE)
    page.locator("#name_vi").fill("Khảo sát theo mẫu hồ sơ 2026")
    page.locator("#name_en").fill("Dossier sample survey 2026")
    page.locator("#questionnaire").select_option("counter-3@1")
    page.locator("#period_start").fill("2026-01-01")
    page.locator("#period_end").fill("2026-12-31")
    page.locator("input[name=channels][value=phone]").check()
    for code in chosen:
        page.locator(f"input[name=agencies][value='{code}']").check()
    shoot(page, "new-desktop")
    page.get_by_role("button", name="Tạo đợt (bản nháp)").click()
    page.wait_for_url(f"**/staff/waves/{WAVE}?done=wave_created")
    assert "Bản nháp" in page.locator("h1").inner_text()
    page.get_by_role("button", name="Mở đợt khảo sát").click()  # confirmed by the dialog handler
    page.wait_for_url(f"**/staff/waves/{WAVE}?done=wave_opened")
    assert page.locator(".c-done").inner_text() == "Đã mở đợt khảo sát."
    assert "Đóng đợt khảo sát" in page.locator("main").inner_text()
    shoot(page, "detail-desktop")
    page.set_viewport_size({"width": 1024, "height": 768})
    shoot(page, "detail-tablet")
    wave = server.api("GET", f"/api/v1/waves/{WAVE}")
    assert wave["status"] == "open" and wave["agencies"] == agencies(server)
    assert wave["service_points"] and wave["channels"] == ["online", "kiosk", "phone"]


def frame_file(tmp: Path, server: Server, bad: bool) -> Path:
    lines = ["dossier_code,agency,field,completed_on,phone"]
    fields = ("Hộ tịch", "Đất đai")
    day = (date.today() - timedelta(days=3)).isoformat()
    for a, agency in enumerate(agencies(server)):
        for f, field in enumerate(fields):
            for i in range(30 * (f + 1)):
                phone = f"09{a}{f}{i:06d}" if i % 2 else ""
                lines.append(f"BR-{a}-{f}-{i:04d},{agency},{field},{day},{phone}")
    if bad:
        lines[3] = lines[2]  # a repeated dossier
        lines.append(f"BR-X-1,KHONG-CO,Hộ tịch,{day},")
        lines.append(f"BR-X-2,{agencies(server)[0]},Hộ tịch,31/02/2026,")
    path = tmp / ("bad.csv" if bad else "frame.csv")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_statistician_imports_plans_draws_and_sees_progress(
    server: Server, tablet: Any, tmp_path: Path
) -> None:
    ensure_wave(server)
    page = tablet
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, server, "statistician", "/staff/fieldwork")
    page.get_by_role("link", name=WAVE).click()
    page.wait_for_url(f"**/staff/fieldwork/{WAVE}")
    page.locator("#file").set_input_files(str(frame_file(tmp_path, server, bad=True)))
    page.get_by_role("button", name="Kiểm tra và nhập").click()
    report = page.locator(".wv-report")
    report.wait_for()
    text = report.inner_text()
    assert "Dòng" in text and "Cột" in text and "Vấn đề" in text
    assert "Trùng mã hồ sơ" in text and "Không có cơ quan mã KHONG-CO." in text
    assert "Không có dòng nào được lưu" in page.locator("#error-summary").inner_text()
    shoot(page, "frame-report-tablet")
    page.locator("#file").set_input_files(str(frame_file(tmp_path, server, bad=False)))
    page.locator("#name").fill("Hồ sơ tháng 11")
    page.get_by_role("button", name="Kiểm tra và nhập").click()
    page.wait_for_url(f"**/staff/fieldwork/{WAVE}?done=fw_imported#fw-frame")
    assert "Hồ sơ trong khung mẫu: 180" in page.locator("main").inner_text()
    page.get_by_label("Theo cơ quan × lĩnh vực").check()
    page.get_by_label("Tỷ lệ trả lời dự kiến (%)").fill("60")
    page.locator("#n").fill("60")
    page.get_by_role("button", name="Xem trước").click()
    preview = page.locator("#fw-preview")
    preview.wait_for()
    margins = page.locator("table:has(caption:text('Sai số dự kiến (95 %)')) tbody tr")
    assert margins.count() == 2 and "điểm %" in margins.first.inner_text()
    seed = page.locator("#seed").input_value()
    assert seed.isdigit()
    shoot(page, "plan-preview-tablet")
    page.set_viewport_size({"width": 1366, "height": 900})
    shoot(page, "plan-preview-desktop")
    page.get_by_role("button", name="Rút mẫu với kế hoạch này").click()
    page.wait_for_url(f"**/staff/fieldwork/{WAVE}?done=fw_drawn#fw-sample")
    main = page.locator("main").inner_text()
    assert "Đã rút mẫu." in main and seed in main
    assert "Tiến độ thực địa theo cơ quan" in main and "Toàn đợt" in main
    shoot(page, "sample-desktop")
    page.set_viewport_size({"width": 1024, "height": 768})
    shoot(page, "sample-tablet")
    sample = server.api("GET", f"/api/v1/waves/{WAVE}/sample")
    assert sample["seed"] == int(seed) and sample["n"] == 60
    answer_online(server)
    page.reload()
    completes = page.locator(".wv-progress tfoot td").nth(1).inner_text()
    assert int(completes) > 0
    page.get_by_role("button", name="Tính trọng số").click()
    page.wait_for_url(f"**/staff/fieldwork/{WAVE}?done=fw_weights#fw-weights")
    weights = page.locator("section[aria-labelledby=fw-weights]").inner_text()
    assert "Hiệu ứng trọng số (1 + CV²)" in weights and "Trọng số lớn nhất" in weights
    page.locator("#fw-weights").scroll_into_view_if_needed()
    shoot(page, "weights-tablet")


def answer_online(server: Server) -> None:
    """A third of the frame's dossiers answer online (some of them were drawn)."""
    for a, agency in enumerate(agencies(server)):
        for f in range(2):
            for i in range(0, 30 * (f + 1), 3):
                # the dossier's receipt (its invitation letter): respondents link a dossier only so
                issued = server.api(
                    "POST",
                    f"/api/v1/service-points/{agency}-QUAY/receipts",
                    {"dossier_code": f"BR-{a}-{f}-{i:04d}"},
                )
                server.api(
                    "POST",
                    "/api/v1/submissions",
                    {
                        "id": str(uuid.uuid4()),
                        "token": _tokens[agency],
                        "answers": {"RATING": 3},
                        "channel": "online",
                        "language": "vi",
                        "receipt": issued["receipt"],
                    },
                )
