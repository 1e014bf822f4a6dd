"""The staff console's sign-in, sign-out, password change, language switch, overview and errors."""

from __future__ import annotations

import re
import uuid

from api.web.console_base import NAV
from survey_engine.administration.staff import MAX_FAILED_LOGINS
from tests.api.conftest import PASSWORD, World, create_open_wave
from tests.support.console import Console, text_of


async def _login_nonce_and_csrf(world: World, path: str = "/staff/login") -> str:
    page = await world.client.get(path, follow_redirects=False)
    assert page.status_code == 200
    return re.search(r'name="_csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]


async def test_signed_out_pages_redirect_to_the_login_and_back(world: World) -> None:
    response = await world.client.get("/staff/password?from=menu", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/login?next=%2Fstaff%2Fpassword%3Ffrom%3Dmenu"
    page = await world.client.get(response.headers["location"], follow_redirects=False)
    assert page.status_code == 200
    assert 'lang="vi"' in page.text and "Đăng nhập trang quản trị" in page.text
    assert 'name="next" value="/staff/password?from=menu"' in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'none'")


async def test_login_sets_the_session_and_follows_next_only_inside_the_console(world: World) -> None:
    csrf = await _login_nonce_and_csrf(world)
    form = {
        "email": "admin@example.org",
        "password": PASSWORD,
        "_csrf": csrf,
        "next": "https://evil.example/",
    }
    response = await world.client.post("/staff/login", data=form, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/staff"
    assert "sipas_session" in response.headers["set-cookie"]
    home = await world.client.get("/staff", follow_redirects=False)
    assert home.status_code == 200
    assert "Xin chào, admin@example.org" in text_of(home.text)


async def test_login_without_its_csrf_token_is_refused(world: World) -> None:
    await world.client.get("/staff/login", follow_redirects=False)
    form = {"email": "admin@example.org", "password": PASSWORD, "_csrf": "forged"}
    response = await world.client.post("/staff/login", data=form, follow_redirects=False)
    assert response.status_code == 400
    assert "Trang đăng nhập đã hết hạn" in response.text
    assert "sipas_session" not in response.headers.get("set-cookie", "")


async def test_wrong_passwords_lock_the_account_with_a_clear_message(world: World) -> None:
    for _ in range(MAX_FAILED_LOGINS):
        csrf = await _login_nonce_and_csrf(world)
        form = {"email": "agency@example.org", "password": "not the password", "_csrf": csrf}
        response = await world.client.post("/staff/login", data=form, follow_redirects=False)
        assert response.status_code == 401
        assert "Thư điện tử hoặc mật khẩu không đúng." in text_of(response.text)
    csrf = await _login_nonce_and_csrf(world)
    form = {"email": "agency@example.org", "password": PASSWORD, "_csrf": csrf}
    response = await world.client.post("/staff/login", data=form, follow_redirects=False)
    assert response.status_code == 401
    assert "Tài khoản tạm thời bị khóa do đăng nhập sai 10 lần" in text_of(response.text)


async def test_interviewers_land_on_their_call_list(world: World) -> None:
    csrf = await _login_nonce_and_csrf(world)
    form = {"email": "interviewer@example.org", "password": PASSWORD, "_csrf": csrf}
    response = await world.client.post("/staff/login", data=form, follow_redirects=False)
    assert response.headers["location"] == "/i"


async def test_logout_needs_the_csrf_token_and_ends_the_session(world: World) -> None:
    admin = Console(world, "admin")
    refused = await admin.post("/staff/logout", {"_csrf": "forged"})
    assert refused.status_code == 400
    assert (await admin.get("/staff")).status_code == 200
    response = await admin.post("/staff/logout")
    assert response.status_code == 303 and response.headers["location"] == "/staff/login?out=1"
    assert (await admin.get("/staff")).status_code == 303
    api = await world.client.get("/api/v1/agencies", headers=world.auth("admin"), follow_redirects=False)
    assert api.status_code == 401  # the same token: signing out of the console revokes it


async def test_password_change_checks_every_field_then_changes_it(world: World) -> None:
    agency = Console(world, "agency")
    response = await agency.post(
        "/staff/password",
        {"current_password": PASSWORD, "new_password": "short", "confirm_password": "short"},
    )
    assert response.status_code == 422
    assert "Mật khẩu mới cần ít nhất" in text_of(response.text)
    response = await agency.post(
        "/staff/password",
        {
            "current_password": "wrong one",
            "new_password": "a long new passphrase",
            "confirm_password": "a long new passphrase",
        },
    )
    assert response.status_code == 422 and "Mật khẩu hiện tại không đúng." in text_of(response.text)
    response = await agency.post(
        "/staff/password",
        {
            "current_password": PASSWORD,
            "new_password": "a long new passphrase",
            "confirm_password": "different",
        },
    )
    assert response.status_code == 422 and "không khớp" in text_of(response.text)
    response = await agency.post(
        "/staff/password",
        {
            "current_password": PASSWORD,
            "new_password": "a long new passphrase",
            "confirm_password": "a long new passphrase",
        },
    )
    assert response.status_code == 303 and response.headers["location"] == "/staff/password?done=password"
    done = await agency.get("/staff/password", done="password")
    assert "Đã đổi mật khẩu." in text_of(done.text)
    login = await world.client.post(
        "/api/v1/auth/login", json={"email": "agency@example.org", "password": "a long new passphrase"}
    )
    assert login.status_code == 200


async def test_language_switch_is_remembered_and_only_returns_inside_the_console(world: World) -> None:
    response = await world.client.get(
        "/staff/lang", params={"to": "en", "back": "/staff/password"}, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == "/staff/password"
    assert "sipas_lang=en" in response.headers["set-cookie"]
    evil = await world.client.get(
        "/staff/lang", params={"to": "en", "back": "//evil.example/staff"}, follow_redirects=False
    )
    assert evil.headers["location"] == "/staff"
    admin = Console(world, "admin", lang="en")
    page = await admin.get("/staff/password")
    assert 'lang="en"' in page.text and "Change password" in page.text


async def test_menus_follow_the_role(world: World) -> None:
    for role in ("admin", "statistician", "agency", "interviewer"):
        page = await Console(world, role).get("/staff")
        assert page.status_code == 200
        nav = re.search(r'<nav class="c-nav".*?</nav>', page.text, flags=re.S).group(0)  # type: ignore[union-attr]
        shown = set(re.findall(r'href="([^"]+)"', nav))
        expected = {item.href for item in NAV if role in item.roles}
        assert shown == expected, role


async def test_overview_counts_an_agency_users_own_responses_only(world: World) -> None:
    await create_open_wave(world)
    for point, count in (("A1-Q1", 2), ("A2-Q1", 3)):
        token = (
            await world.client.get(f"/api/v1/service-points/{point}", headers=world.auth("admin"))
        ).json()
        for _ in range(count):
            body = {
                "id": str(uuid.uuid4()),
                "token": token["token"],
                "answers": {"RATING": 3},
                "channel": "online",
                "language": "vi",
                "started_at": "2026-11-22T08:00:00+07:00",
                "submitted_at": "2026-11-22T08:02:30+07:00",
            }
            assert (await world.client.post("/api/v1/submissions", json=body)).status_code == 201

    def responses(html: str) -> str:
        # Anchored on the row's link: a bare "W1" can also occur inside a random token in the page head.
        row = re.search(r'<tr><th scope="row"><a href="/staff/waves/W1">.*?</tr>', html, flags=re.S).group(0)  # type: ignore[union-attr]
        return text_of(row).split()[-1]

    admin_page = await Console(world, "admin").get("/staff")
    assert "Đợt khảo sát đang mở" in admin_page.text and responses(admin_page.text) == "5"
    agency_page = await Console(world, "agency").get("/staff")
    assert responses(agency_page.text) == "2"


async def test_unknown_console_pages_are_pages_not_json(world: World) -> None:
    page = await Console(world, "agency").get("/staff/no-such-page")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Không tìm thấy" in page.text
    signed_out = await world.client.get("/staff/no-such-page", follow_redirects=False)
    assert signed_out.status_code == 303


async def test_malformed_addresses_and_parameters_are_pages_not_500s(world: World) -> None:
    admin = Console(world, "admin")
    for path, params in (
        ("/staff/users/99999999999999999999", {}),
        ("/staff/users", {"role": "x" * 17}),
        ("/staff/audit", {"object_type": "x" * 33}),
        ("/staff/users", {"page": str(10**30)}),
    ):
        page = await admin.get(path, **params)
        assert page.status_code == 400, (path, params)
        assert page.headers["content-type"].startswith("text/html")
        assert "Yêu cầu không hợp lệ" in page.text
    revoke = await admin.post("/staff/kiosks/99999999999999999999/revoke")
    assert revoke.status_code == 400
    api = await world.client.get("/api/v1/users/99999999999999999999", headers=world.auth("admin"))
    assert api.status_code == 400 and api.headers["content-type"] == "application/problem+json"


def test_redirect_targets_stay_inside_the_console() -> None:
    from api.web.console_base import safe_back

    for good in ("/staff", "/staff/agencies?q=S%E1%BB%9F", "/staff/login?next=%2Fstaff%2Fusers"):
        assert safe_back(good) == good
    for bad in (
        "https://evil.example/staff",
        "//evil.example/staff",
        "/staff/../api/v1/users",
        "/staff/./x/../../api",
        "/staffer",
        "/api/v1/users",
        "/staff\\..\\api",
        "/staff//evil",
        "/staff/\x00",
    ):
        assert safe_back(bad) == "/staff", bad


async def test_language_switch_keeps_the_query_and_the_next_page(world: World) -> None:
    admin = Console(world, "admin")
    page = await admin.get("/staff/users", role="agency")
    link = re.search(r'href="(/staff/lang\?[^"]+)"', page.text).group(1).replace("&amp;", "&")  # type: ignore[union-attr]
    switched = await world.client.get(link, follow_redirects=False)
    assert switched.headers["location"] == "/staff/users?role=agency"
    login = await world.client.get("/staff/login", params={"next": "/staff/users?role=agency"})
    link = re.search(r'href="(/staff/lang\?[^"]+)"', login.text).group(1).replace("&amp;", "&")  # type: ignore[union-attr]
    switched = await world.client.get(link, follow_redirects=False)
    assert switched.headers["location"] == "/staff/login?next=%2Fstaff%2Fusers%3Frole%3Dagency"
