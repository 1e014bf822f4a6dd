"""Console pages for administrators: accounts and roles, password resets, lockouts, the audit log."""

from __future__ import annotations

import re

from survey_engine.administration.staff import MAX_FAILED_LOGINS
from tests.api.conftest import PASSWORD, World
from tests.support.console import Console, text_of


def _secret(html: str) -> str:
    return re.search(r'<code class="c-secret" id="new-password">([^<]+)</code>', html).group(1)  # type: ignore[union-attr]


async def test_only_administrators_reach_the_user_and_audit_pages(world: World) -> None:
    for role in ("statistician", "agency", "interviewer"):
        console = Console(world, role)
        for path in ("/staff/users", f"/staff/users/{world.user_ids['admin']}", "/staff/audit"):
            page = await console.get(path)
            assert page.status_code == 403, (role, path)
            assert "Không có quyền truy cập" in page.text
        refused = await console.post("/staff/users", {"email": "x@example.org", "role": "admin"})
        assert refused.status_code == 403
    assert (await world.client.get("/api/v1/users", headers=world.auth("admin"))).json()["total"] == 4


async def test_admin_lists_and_filters_accounts(world: World) -> None:
    admin = Console(world, "admin")
    page = await admin.get("/staff/users")
    assert page.status_code == 200
    text = text_of(page.text)
    for role in ("admin", "statistician", "agency", "interviewer"):
        assert f"{role}@example.org" in text
    assert "4 tài khoản" in text
    only = text_of((await admin.get("/staff/users", role="agency")).text)
    assert "agency@example.org" in only and "statistician@example.org" not in only and "1 tài khoản" in only


async def test_creating_an_account_shows_its_password_once_and_it_works(world: World) -> None:
    admin = Console(world, "admin")
    response = await admin.post(
        "/staff/users",
        {
            "email": "New.Officer@Example.org",
            "display_name": "Nguyễn Văn A",
            "role": "agency",
            "agency": "A2",
        },
    )
    assert response.status_code == 200
    assert "Đã tạo tài khoản." in text_of(response.text)
    password = _secret(response.text)
    login = await world.client.post(
        "/api/v1/auth/login", json={"email": "new.officer@example.org", "password": password}
    )
    assert login.status_code == 200
    me = await world.client.get(
        "/api/v1/agencies", headers={"Authorization": f"Bearer {login.json()['token']}"}
    )
    assert [a["code"] for a in me.json()["items"]] == ["A2"]
    listing = await admin.get("/staff/users")
    assert password not in listing.text  # shown in the answer to the POST only
    audit = text_of((await admin.get("/staff/audit", object_type="user")).text)
    assert "new.officer@example.org" in audit and password not in audit


async def test_bad_accounts_are_explained_per_field_and_not_created(world: World) -> None:
    admin = Console(world, "admin")
    for form, message in (
        ({"email": "not-an-address", "role": "statistician"}, "Thư điện tử không hợp lệ."),
        (
            {"email": "x@example.org", "role": "agency", "agency": ""},
            "Vai trò cán bộ cơ quan cần chọn cơ quan.",
        ),
        ({"email": "x@example.org", "role": "statistician", "agency": "A1"}, "Chỉ vai trò cán bộ cơ quan"),
        ({"email": "admin@example.org", "role": "admin"}, "Đã có tài khoản dùng thư điện tử này."),
        ({"email": "x@example.org", "role": "superuser"}, "Vai trò không hợp lệ."),
    ):
        response = await admin.post("/staff/users", form)
        assert response.status_code == 422, form
        assert message in text_of(response.text), form
        assert 'class="c-errors"' in response.text
    total = (await world.client.get("/api/v1/users", headers=world.auth("admin"))).json()["total"]
    assert total == 4


async def test_admin_changes_role_disables_and_resets_but_not_their_own_role(world: World) -> None:
    admin = Console(world, "admin")
    stat_id = world.user_ids["statistician"]
    response = await admin.post(
        f"/staff/users/{stat_id}",
        {"display_name": "Trần Thị B", "role": "agency", "agency": "A1", "active": "1"},
    )
    assert (
        response.status_code == 303
        and response.headers["location"] == f"/staff/users/{stat_id}?done=user_saved"
    )
    user = (await world.client.get(f"/api/v1/users/{stat_id}", headers=world.auth("admin"))).json()
    assert (user["role"], user["agency"], user["display_name"], user["active"]) == (
        "agency",
        "A1",
        "Trần Thị B",
        True,
    )
    # disabling revokes the account's tokens at once
    response = await admin.post(
        f"/staff/users/{stat_id}", {"display_name": "Trần Thị B", "role": "agency", "agency": "A1"}
    )
    assert response.status_code == 303
    assert (await world.client.get("/api/v1/agencies", headers=world.auth("statistician"))).status_code == 401
    # a new password, shown once, replaces the old one
    reset = await admin.post(f"/staff/users/{world.user_ids['interviewer']}/password")
    new = _secret(reset.text)
    old_login = await world.client.post(
        "/api/v1/auth/login", json={"email": "interviewer@example.org", "password": PASSWORD}
    )
    assert old_login.status_code == 401
    old_session = await world.client.get("/api/v1/phone/contacts", headers=world.auth("interviewer"))
    assert old_session.status_code == 401  # a reset ends the account's sessions and tokens
    new_login = await world.client.post(
        "/api/v1/auth/login", json={"email": "interviewer@example.org", "password": new}
    )
    assert new_login.status_code == 200
    # their own role and status are not in the form and are ignored if posted
    own = world.user_ids["admin"]
    page = await admin.get(f"/staff/users/{own}")
    assert "không thể tự đổi vai trò" in text_of(page.text) and 'name="role"' not in page.text
    await admin.post(f"/staff/users/{own}", {"display_name": "Quản trị", "role": "interviewer"})
    me = (await world.client.get(f"/api/v1/users/{own}", headers=world.auth("admin"))).json()
    assert me["role"] == "admin" and me["active"] is True


async def test_lockout_is_shown_and_can_be_lifted(world: World) -> None:
    for _ in range(MAX_FAILED_LOGINS):
        await world.client.post(
            "/api/v1/auth/login", json={"email": "agency@example.org", "password": "wrong guess"}
        )
    admin = Console(world, "admin")
    agency_id = world.user_ids["agency"]
    assert "Tạm khóa đến" in text_of((await admin.get("/staff/users")).text)
    page = await admin.get(f"/staff/users/{agency_id}")
    assert "Mở khóa đăng nhập" in page.text
    assert (await admin.post(f"/staff/users/{agency_id}/unlock")).status_code == 303
    login = await world.client.post(
        "/api/v1/auth/login", json={"email": "agency@example.org", "password": PASSWORD}
    )
    assert login.status_code == 200
    assert "unlock" in text_of((await admin.get("/staff/audit")).text)


async def test_changes_need_the_csrf_token(world: World) -> None:
    admin = Console(world, "admin")
    response = await admin.post(
        "/staff/users", {"email": "x@example.org", "role": "admin", "_csrf": "forged"}
    )
    assert response.status_code == 400 and "Biểu mẫu đã hết hạn" in text_of(response.text)
    stat_id = world.user_ids["statistician"]
    response = await admin.post(f"/staff/users/{stat_id}", {"role": "admin", "active": "1"}, csrf=False)
    assert response.status_code == 400
    user = (await world.client.get(f"/api/v1/users/{stat_id}", headers=world.auth("admin"))).json()
    assert user["role"] == "statistician"
    assert (await world.client.get("/api/v1/users", headers=world.auth("admin"))).json()["total"] == 4


async def test_audit_log_filters_by_object_type_and_pages(world: World) -> None:
    admin = Console(world, "admin")
    page = await admin.get("/staff/audit")
    text = text_of(page.text)
    assert "Nhật ký hoạt động" in text
    assert "agency A1" in text and "service_point A1-Q1" in text and "user admin@example.org" in text
    assert "role: agency" in text
    users_only = text_of((await admin.get("/staff/audit", object_type="user")).text)
    assert "service_point A1-Q1" not in users_only and "user agency@example.org" in users_only
    assert (await admin.get("/staff/users/999999")).status_code == 404
