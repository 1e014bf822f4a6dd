"""Paper questionnaires in Chromium: a statistician prints a copy; two data-entry clerks key it with the
keyboard alone (the serial, then digits and Tab, Enter to save); their keyings differ, and a supervisor
reconciles them. Screenshots in /tmp/screens/paper-*.png."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import SCREENS, Server
from tests.support.paper import DEFINITION

pytestmark = pytest.mark.browser

WAVE = "PP-BR"
PASSWORD = "giay-nhap-lieu-2026!"
CLERKS = ("nhaplieu1@example.vn", "nhaplieu2@example.vn")


@pytest.fixture
def desktop(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN", accept_downloads=True)
    page = ctx.new_page()
    yield page
    ctx.close()


def shoot(page: Any, name: str) -> None:
    page.screenshot(path=str(SCREENS / f"paper-{name}.png"), full_page=True)


def sign_in(page: Any, server: Server, email: str, password: str, lands_on: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{server.url}/staff/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{lands_on}")


def staff_password(server: Server, role: str) -> tuple[str, str]:
    person = next(s for s in server.demo["staff"] if s["role"] == role)
    return person["email"], person["password"]


def query(server: Server, sql: str) -> list[tuple[Any, ...]]:
    con = sqlite3.connect(server.db, timeout=10)
    try:
        return list(con.execute(sql).fetchall())
    finally:
        con.close()


def setup_wave(server: Server) -> None:
    server.api("POST", "/api/v1/questionnaires", {"definition": DEFINITION})
    server.api("POST", "/api/v1/questionnaires/paper-test/publish")
    server.api(
        "POST",
        "/api/v1/agencies",
        {"code": "PP-AG", "name_vi": "UBND xã Giấy", "name_en": "Paper commune", "level": "commune"},
    )
    server.api(
        "POST",
        "/api/v1/service-points",
        {
            "code": "PP-QUAY",
            "agency": "PP-AG",
            "name_vi": "Bộ phận một cửa xã Giấy",
            "name_en": "One-stop desk",
            "kind": "counter",
        },
    )
    server.api(
        "POST",
        "/api/v1/waves",
        {
            "code": WAVE,
            "name_vi": "Khảo sát bằng phiếu giấy 2026",
            "name_en": "Paper survey 2026",
            "questionnaire": "paper-test",
            "questionnaire_version": 1,
            "period_start": "2026-01-01",
            "period_end": "2026-12-31",
            "channels": ["online", "paper"],
            "agencies": ["PP-AG"],
            "service_points": ["PP-QUAY"],
            "settings": {"paper_double_entry": True},
        },
    )
    server.api("POST", f"/api/v1/waves/{WAVE}/status", {"status": "open"})
    for email in CLERKS:
        server.api("POST", "/api/v1/users", {"email": email, "password": PASSWORD, "role": "data_entry"})


def key_copy(page: Any, serial: str, keys: list[str]) -> None:
    """Keyboard only: the serial field has the focus; type the serial, Enter, then each answer and Tab."""
    assert page.evaluate("document.activeElement.id") == "serial"
    page.keyboard.type(serial)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/staff/paper/{WAVE}/entry/{serial}")
    # The URL commits before the page has loaded and applied its autofocus: wait for the focus (on a busy
    # machine the check right after the URL could run first), then check it is the first answer's field.
    page.wait_for_function("document.activeElement && document.activeElement.id === 'k-Q1'", timeout=10_000)
    assert page.evaluate("document.activeElement.id") == "k-Q1"
    for n, value in enumerate(keys):
        if n:
            page.keyboard.press("Tab")
        page.keyboard.type(value)


PAPER_ROWS = (
    "select {columns} from submission s join wave w on w.id = s.wave "
    "where s.channel = 'paper' and w.code = '{wave}'"
)


def test_two_clerks_key_with_the_keyboard_and_a_supervisor_reconciles(server: Server, desktop: Any) -> None:
    setup_wave(server)
    page = desktop
    # a statistician prints one copy for the counter (the PDF downloads)
    email, password = staff_password(server, "statistician")
    sign_in(page, server, email, password, "/staff")
    page.goto(f"{server.url}/staff/paper/{WAVE}")
    page.locator("#point").select_option("PP-QUAY")
    with page.expect_download() as download:
        page.get_by_role("button", name="In phiếu (PDF)").click()
    assert download.value.suggested_filename == f"phieu-{WAVE}-B001.pdf"
    serial = query(server, "select serial from paper_copy order by id")[0][0]

    # clerk 1: keyboard only, from the sign-in to the saved keying
    sign_in(page, server, CLERKS[0], PASSWORD, "/staff/paper")
    page.keyboard.press("Tab")  # the wave list: reach the wave's link and open it with Enter
    page.get_by_role("link", name=f"{WAVE} · Khảo sát bằng phiếu giấy 2026").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/staff/paper/{WAVE}")
    key_copy(page, serial, ["1", "4", "2", "13", "Nhân viên nhiệt tình"])
    shoot(page, "1-clerk1-keyed")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/staff/paper/{WAVE}?done=paper_first")
    assert "chờ người thứ hai nhập lại" in page.locator(".c-done").inner_text()
    # the same clerk cannot key the copy a second time
    page.keyboard.type(serial)
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert "lần nhập thứ hai phải do người khác thực hiện" in page.locator("#serial-error").inner_text()
    shoot(page, "2-clerk1-refused")

    # clerk 2 reads question 2 as 5 (very satisfied): the keyings differ
    sign_in(page, server, CLERKS[1], PASSWORD, "/staff/paper")
    page.goto(f"{server.url}/staff/paper/{WAVE}")
    key_copy(page, serial, ["1", "5", "2", "31", "Nhân viên nhiệt tình"])
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/staff/paper/{WAVE}?done=paper_reconcile")
    shoot(page, "3-clerk2-differs")
    # (the shared browser server's demo wave holds paper responses of its own: count this wave's only)
    assert query(server, PAPER_ROWS.format(columns="count(*)", wave=WAVE))[0][0] == 0

    # the supervisor sees both values and decides with the keyboard
    sign_in(page, server, email, password, "/staff")
    page.goto(f"{server.url}/staff/paper/{WAVE}")
    page.get_by_role("link", name=f"{serial[:4]}-{serial[4:8]}-{serial[8:]}").click()
    page.wait_for_url(f"**/reconcile/{serial}")
    text = page.locator("main").inner_text()
    assert "4 Hài lòng" in text and "5 Rất hài lòng" in text and CLERKS[0] in text and CLERKS[1] in text
    assert page.evaluate("document.activeElement.id") == "pick-Q2-1"
    page.keyboard.press("Space")  # the first keying: 4 "Hài lòng"
    shoot(page, "4-supervisor-reconciles")
    page.get_by_role("button", name="Chốt và lưu phiếu").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/staff/paper/{WAVE}?done=paper_reconciled")
    shoot(page, "5-supervisor-done")
    rows = query(server, PAPER_ROWS.format(columns="s.answers", wave=WAVE))
    assert len(rows) == 1 and '"Q2":4' in rows[0][0]
    rates = page.locator("#pp-reconcile").inner_text()
    assert f"{CLERKS[1]}\t1\t5\t1\t20,0\xa0%" in rates  # clerk 2: 1 field wrong out of 5
