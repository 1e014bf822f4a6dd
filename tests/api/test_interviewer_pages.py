"""Interviewer screens (/i): sign in, call list, contact page, call attempts, phone questionnaire, CSRF."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta
from html import unescape
from typing import Any

import pytest

from api.fieldwork.pages_interviewer_base import VN
from api.web.csrf import csrf_token
from survey_engine.tables import CallAttempt, Contact, Submission
from tests.api.conftest import PASSWORD, World, create_open_wave
from tests.api.test_phone import CSV_OK, import_csv

HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def hidden(html: str) -> dict[str, str]:
    """The hidden fields of a page (the last form's value wins; tests pick the ones they need)."""
    return {name: unescape(value) for name, value in HIDDEN.findall(html)}


def form_fields(html: str, action: str) -> dict[str, str]:
    start = html.index(f'action="{action}"')
    end = html.index("</form>", start)
    return hidden(html[start:end])


async def sign_in(world: World, role: str = "interviewer", password: str = PASSWORD) -> Any:
    page = await world.client.get("/i/login")
    assert page.status_code == 200
    csrf = form_fields(page.text, "/i/login")["_csrf"]
    return await world.client.post(
        "/i/login",
        data={"_csrf": csrf, "email": f"{role}@example.org", "password": password},
        follow_redirects=False,
    )


@pytest.fixture
async def phone_wave(world: World) -> World:
    await create_open_wave(world, channels=("online", "kiosk", "phone"))
    response = await import_csv(world, CSV_OK)
    assert response.status_code == 201, response.text
    return world


def text_of(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


# -- sign in ----------------------------------------------------------------------------------------


async def test_sign_in_sets_the_api_session_and_lists_own_contacts(phone_wave: World) -> None:
    world = phone_wave
    anonymous = await world.client.get("/i", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/i/login"
    page = await world.client.get("/i/login")
    assert '<html lang="vi">' in page.text and 'for="email"' in page.text and 'for="password"' in page.text
    assert page.headers["cache-control"] == "no-store"
    assert "default-src 'none'" in page.headers["content-security-policy"]
    login_cookie = page.headers["set-cookie"]
    assert "sipas_login=" in login_cookie and "HttpOnly" in login_cookie and "SameSite=strict" in login_cookie

    wrong = await sign_in(world, password="wrong password")
    assert wrong.status_code == 401 and "Thư điện tử hoặc mật khẩu không đúng." in wrong.text
    assert "sipas_session" not in world.client.cookies

    ok = await sign_in(world)
    assert ok.status_code == 303 and ok.headers["location"] == "/i"
    cookie = next(v for k, v in ok.headers.multi_items() if k == "set-cookie" and "sipas_session=" in v)
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    # the same session works on the JSON API
    me = await world.client.get("/api/v1/auth/me")
    assert me.status_code == 200 and me.json()["email"] == "interviewer@example.org"

    listing = await world.client.get("/i")
    assert listing.status_code == 200 and listing.headers["cache-control"] == "no-store"
    body = text_of(listing.text)
    assert "Danh sách liên hệ cần gọi" in body
    assert ">C1<" in listing.text and ">C3<" in listing.text and ">C2<" not in listing.text
    assert "Sở Tư pháp" in body and "Chưa gọi" in body
    assert "912" not in listing.text and "tel:" not in listing.text  # no phone numbers in the list
    # signed in: the login page sends you on
    again = await world.client.get("/i/login", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == "/i"


async def test_login_needs_its_csrf_token_and_reports_a_locked_account(phone_wave: World) -> None:
    world = phone_wave
    await world.client.get("/i/login")
    forged = await world.client.post(
        "/i/login",
        data={"_csrf": "x", "email": "interviewer@example.org", "password": PASSWORD},
        follow_redirects=False,
    )
    assert forged.status_code == 400 and "sipas_session" not in world.client.cookies
    assert "Trang đăng nhập đã hết hạn" in forged.text
    # no login cookie at all (a cross-site form): refused even with a token minted for another nonce
    world.client.cookies.clear()
    secret = str(world.app.state.services.settings.secret_key)
    blind = await world.client.post(
        "/i/login",
        data={
            "_csrf": csrf_token(secret, "login", "guess"),
            "email": "interviewer@example.org",
            "password": PASSWORD,
        },
        follow_redirects=False,
    )
    assert blind.status_code == 400
    for _ in range(10):
        await sign_in(world, password="wrong password")
    locked = await sign_in(world)
    assert locked.status_code == 401 and "tạm thời bị khóa" in locked.text


async def test_roles_agency_forbidden_admin_read_only(phone_wave: World) -> None:
    world = phone_wave
    assert (await sign_in(world, "agency")).status_code == 303
    forbidden = await world.client.get("/i")
    assert forbidden.status_code == 403 and "Không có quyền truy cập" in forbidden.text
    assert (await world.client.get("/i/W1/C1")).status_code == 403
    world.client.cookies.clear()

    assert (await sign_in(world, "admin")).status_code == 303
    listing = await world.client.get("/i")
    assert listing.status_code == 200 and "(chỉ xem)" in listing.text
    assert all(f">{c}<" in listing.text for c in ("C1", "C2", "C3"))
    contact = await world.client.get("/i/W1/C1")
    assert contact.status_code == 200
    assert "tel:" not in contact.text and "912" not in contact.text
    assert "Bắt đầu phỏng vấn" not in contact.text and "/attempts" not in contact.text
    assert (await world.client.get("/i/W1/C1/form")).status_code == 403


async def test_contact_page_shows_the_phone_only_to_its_interviewer(phone_wave: World) -> None:
    world = phone_wave
    await sign_in(world)
    page = await world.client.get("/i/W1/C1")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert 'href="tel:+84912345678"' in page.text and "0912 345 678" in page.text
    assert "Bắt đầu phỏng vấn" in page.text and 'href="/i/W1/C1/form"' in page.text
    for group in (
        "Hoàn thành một phần",
        "Từ chối",
        "Không liên lạc được",
        "Hẹn gọi lại",
        "Không đủ điều kiện",
    ):
        assert f'<optgroup label="{group}">' in page.text
    assert 'type="datetime-local"' in page.text and 'maxlength="500"' in page.text
    assert 'value="1.1"' not in page.text  # a complete is recorded by submitting the questionnaire
    # C2 is not this interviewer's: as if it did not exist
    other = await world.client.get("/i/W1/C2")
    assert other.status_code == 404 and "tel:" not in other.text
    assert (await world.client.get("/i/W1/nope")).status_code == 404


# -- call attempts ------------------------------------------------------------------------------------


async def test_record_a_callback_with_csrf_and_vietnamese_validation(phone_wave: World) -> None:
    world = phone_wave
    await sign_in(world)
    page = await world.client.get("/i/W1/C1")
    csrf = form_fields(page.text, "/i/W1/C1/attempts")["_csrf"]
    url = "/i/W1/C1/attempts"

    missing = await world.client.post(url, data={"disposition": "3.13"}, follow_redirects=False)
    assert missing.status_code == 403 and await CallAttempt.count() == 0
    # a token for another contact's form is refused
    c3 = form_fields((await world.client.get("/i/W1/C3")).text, "/i/W1/C3/attempts")["_csrf"]
    crossed = await world.client.post(url, data={"_csrf": c3, "disposition": "3.13"}, follow_redirects=False)
    assert crossed.status_code == 403 and await CallAttempt.count() == 0
    # another site's form (Origin header) is refused even with the right token
    foreign = await world.client.post(
        url,
        data={"_csrf": csrf, "disposition": "3.13"},
        headers={"Origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert foreign.status_code == 403 and await CallAttempt.count() == 0
    cross_site = await world.client.post(
        url,
        data={"_csrf": csrf, "disposition": "3.13"},
        headers={"Sec-Fetch-Site": "cross-site", "Origin": "null"},
        follow_redirects=False,
    )
    assert cross_site.status_code == 403 and await CallAttempt.count() == 0

    nothing = await world.client.post(url, data={"_csrf": csrf, "disposition": ""})
    assert nothing.status_code == 400 and "Vui lòng chọn kết quả cuộc gọi." in nothing.text
    no_time = await world.client.post(url, data={"_csrf": csrf, "disposition": "2.211", "note": "gọi sau"})
    assert no_time.status_code == 400 and "Vui lòng nhập ngày giờ hẹn gọi lại." in no_time.text
    assert 'href="#callback_at"' in no_time.text and ">gọi sau</textarea>" in no_time.text
    past = await world.client.post(
        url, data={"_csrf": csrf, "disposition": "2.211", "callback_at": "2020-01-01T09:00"}
    )
    assert past.status_code == 400 and "phải ở trong tương lai" in past.text
    long_note = await world.client.post(url, data={"_csrf": csrf, "disposition": "3.13", "note": "x" * 501})
    assert long_note.status_code == 400 and "tối đa 500 ký tự" in long_note.text
    complete = await world.client.post(url, data={"_csrf": csrf, "disposition": "1.1"})
    assert complete.status_code == 400 and await CallAttempt.count() == 0

    when = (datetime.now(UTC) + timedelta(days=1)).astimezone(VN)
    local = when.strftime("%Y-%m-%dT%H:%M")
    saved = await world.client.post(
        url,
        data={"_csrf": csrf, "disposition": "2.211", "callback_at": local, "note": "Chị hẹn gọi buổi sáng"},
        follow_redirects=False,
    )
    assert saved.status_code == 303 and saved.headers["location"] == "/i/W1/C1?saved=1"
    row = (
        await Contact.select(Contact.status, Contact.callback_at, Contact.attempts)
        .where(Contact.code == "C1")
        .first()
    )
    assert row["status"] == "callback" and row["attempts"] == 1
    stored = row["callback_at"] if row["callback_at"].tzinfo else row["callback_at"].replace(tzinfo=UTC)
    assert stored == when.replace(second=0, microsecond=0)  # entered as Vietnam time (UTC+7)
    page = await world.client.get("/i/W1/C1?saved=1")
    body = text_of(page.text)
    assert "Đã lưu kết quả cuộc gọi." in body and "Chị hẹn gọi buổi sáng" in body
    assert when.strftime("%H:%M %d/%m/%Y") in body and "Hẹn gọi lại vào thời gian đã thống nhất" in body


async def test_list_puts_due_callbacks_first_and_filters_by_status(phone_wave: World) -> None:
    world = phone_wave
    await sign_in(world)
    now = datetime.now(UTC)
    await Contact.update({Contact.status: "callback", Contact.callback_at: now - timedelta(minutes=5)}).where(
        Contact.code == "C3"
    )
    await Contact.update({Contact.status: "callback", Contact.callback_at: now + timedelta(hours=3)}).where(
        Contact.code == "C1"
    )
    listing = await world.client.get("/i")
    assert listing.text.index(">C3<") < listing.text.index(">C1<")
    assert "1 liên hệ đã đến giờ hẹn gọi lại" in text_of(listing.text) and "Đến giờ gọi" in listing.text
    await Contact.update({Contact.status: "pending", Contact.callback_at: None}).where(Contact.code == "C1")
    listing = await world.client.get("/i")
    assert listing.text.index(">C3<") < listing.text.index(">C1<")  # due callback before a pending contact
    only = await world.client.get("/i?status=pending")
    assert (
        ">C1<" in only.text and ">C3<" not in only.text and '<option value="pending" selected>' in only.text
    )
    bogus = await world.client.get("/i?status=bogus")
    assert bogus.status_code == 200 and ">C1<" in bogus.text and ">C3<" in bogus.text


# -- the interview --------------------------------------------------------------------------------------


async def test_interview_is_stored_as_phone_and_completes_the_contact(phone_wave: World) -> None:
    world = phone_wave
    await sign_in(world)
    url = "/i/W1/C1/form"
    screen = await world.client.get(url)
    assert screen.status_code == 200 and "Bước 1/2" in screen.text
    assert "Phỏng vấn qua điện thoại, liên hệ C1" in screen.text and f'action="{url}"' in screen.text
    assert '<p class="exit"><a href="/i/W1/C1">Dừng phỏng vấn' in screen.text
    fields = hidden(screen.text)
    assert {"_state", "_csrf"} <= set(fields)

    # without the CSRF field: refused, nothing stored
    refused = await world.client.post(
        url, data={"_state": fields["_state"], "_action": "next", "RATING": "3"}
    )
    assert refused.status_code == 403
    # the state of this contact's form cannot be replayed on another contact (C3) with C3's CSRF token
    c3 = hidden((await world.client.get("/i/W1/C3/form")).text)
    crossed = await world.client.post(
        "/i/W1/C3/form",
        data={"_state": fields["_state"], "_csrf": c3["_csrf"], "_action": "next", "RATING": "3"},
    )
    assert crossed.status_code == 200 and "Phiên trả lời đã hết hạn" in crossed.text

    review = await world.client.post(url, data={**fields, "_action": "next", "RATING": "3", "COMMENT": "Tốt"})
    assert review.status_code == 200 and "Xem lại câu trả lời" in review.text
    fields = hidden(review.text)
    done = await world.client.post(url, data={**fields, "_action": "submit"}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/i?done=C1"

    stored = await Submission.select(Submission.channel, Submission.interviewer, Submission.client_id)
    assert len(stored) == 1
    assert stored[0]["channel"] == "phone" and stored[0]["interviewer"] == world.user_ids["interviewer"]
    contact = (
        await Contact.select(Contact.status, Contact.submission_client_id).where(Contact.code == "C1").first()
    )
    assert contact == {"status": "complete", "submission_client_id": stored[0]["client_id"]}
    assert [a["disposition"] for a in await CallAttempt.select(CallAttempt.disposition)] == ["1.1"]

    listing = await world.client.get("/i?done=C1")
    assert "Đã lưu phiếu phỏng vấn của liên hệ C1" in listing.text
    assert listing.text.index(">C3<") < listing.text.index(">C1<")  # completed contacts go last
    # a re-post of the same page stores nothing twice; the contact is closed for interviews
    again = await world.client.post(url, data={**fields, "_action": "submit"}, follow_redirects=False)
    assert again.status_code == 409 and await Submission.count() == 1 and await CallAttempt.count() == 1
    page = await world.client.get("/i/W1/C1")
    assert "Bắt đầu phỏng vấn" not in page.text and "không gọi thêm" in page.text
    assert (await world.client.get("/i?done=C3")).text.count("Đã lưu phiếu") == 0  # C3 is not complete


async def test_an_interview_for_another_agency_is_refused_before_storing(phone_wave: World) -> None:
    """Issue 11, item 10: C1 names service point A1-Q1; once that point belongs to agency A2, an interview
    through it would count for A2 while the contact is A1's. Refused with nothing stored."""
    world = phone_wave
    moved = await world.client.patch(
        "/api/v1/service-points/A1-Q1", json={"agency": "A2"}, headers=world.auth("admin")
    )
    assert moved.status_code == 200, moved.text
    await sign_in(world)
    url = "/i/W1/C1/form"
    fields = hidden((await world.client.get(url)).text)
    review = await world.client.post(url, data={**fields, "_action": "next", "RATING": "3"})
    assert "Xem lại câu trả lời" in review.text
    done = await world.client.post(
        url, data={**hidden(review.text), "_action": "submit"}, follow_redirects=False
    )
    assert done.status_code == 409 and "thuộc cơ quan khác" in text_of(done.text)
    assert await Submission.count() == 0 and await CallAttempt.count() == 0
    contact = await Contact.select(Contact.status).where(Contact.code == "C1").first()
    assert contact == {"status": "pending"}


async def test_interview_needs_a_phone_wave(world: World) -> None:
    await create_open_wave(world, channels=("online", "kiosk"))
    assert (await import_csv(world, CSV_OK)).status_code == 201
    await sign_in(world)
    page = await world.client.get("/i/W1/C1/form")
    assert page.status_code == 409 and "không thu thập ý kiến qua điện thoại" in page.text


# -- sign out, logs ---------------------------------------------------------------------------------


async def test_logout_needs_csrf_and_revokes_the_session(phone_wave: World) -> None:
    world = phone_wave
    await sign_in(world)
    listing = await world.client.get("/i")
    csrf = form_fields(listing.text, "/i/logout")["_csrf"]
    forged = await world.client.post("/i/logout", data={"_csrf": "nope"}, follow_redirects=False)
    assert forged.status_code == 303 and forged.headers["location"] == "/i"
    assert (await world.client.get("/i")).status_code == 200  # still signed in
    token = world.client.cookies["sipas_session"]
    out = await world.client.post("/i/logout", data={"_csrf": csrf}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/i/login?out=1"
    world.client.cookies.set("sipas_session", token)  # a copied cookie no longer works
    assert (await world.client.get("/i", follow_redirects=False)).status_code == 303
    assert (await world.client.get("/api/v1/auth/me")).status_code == 401


async def test_phone_numbers_are_never_logged(phone_wave: World, caplog: pytest.LogCaptureFixture) -> None:
    world = phone_wave
    caplog.set_level(logging.DEBUG)
    await sign_in(world)
    assert "tel:+84912345678" in (await world.client.get("/i/W1/C1")).text
    csrf = form_fields((await world.client.get("/i/W1/C1")).text, "/i/W1/C1/attempts")["_csrf"]
    await world.client.post("/i/W1/C1/attempts", data={"_csrf": csrf, "disposition": "3.13"})
    assert caplog.records  # something was logged (sign-in), just not the number
    assert "912345678" not in caplog.text and "0912 345 678" not in caplog.text
