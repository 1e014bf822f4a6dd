"""Accounts stay safe to manage: a password change ends the account's other sessions and tokens, and the last
active administrator can be neither disabled nor demoted (through the API or the console, even when two
administrators act at the same moment)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from api.web.auth import SESSION_COOKIE
from api.web.console_base import CSRF_PURPOSE
from api.web.csrf import csrf_token
from survey_engine.actors import SYSTEM
from survey_engine.tables import AuditLog, StaffUser
from tests.api.conftest import PASSWORD, World

NEW_PASSWORD = "a brand new password"


async def _sign_in(world: World, email: str) -> tuple[str, str]:
    """A script's bearer token and a browser's session cookie from one more sign-in."""
    response = await world.client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    session = str(response.cookies[SESSION_COOKIE])
    world.client.cookies.clear()
    return response.json()["token"], session


async def _console_sign_in(world: World, email: str) -> str:
    page = await world.client.get("/staff/login")
    csrf = re.search(r'name="_csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    response = await world.client.post(
        "/staff/login", data={"email": email, "password": PASSWORD, "_csrf": csrf}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    session = str(world.client.cookies[SESSION_COOKIE])
    world.client.cookies.clear()
    return session


async def _me(world: World, token: str, cookie: bool = False) -> int:
    headers = {"Cookie": f"{SESSION_COOKIE}={token}"} if cookie else {"Authorization": f"Bearer {token}"}
    return (await world.client.get("/api/v1/auth/me", headers=headers)).status_code


# -- one's own password ----------------------------------------------------------------------------------


async def test_changing_ones_password_ends_the_other_sessions_and_tokens(world: World) -> None:
    email = "agency@example.org"
    making_the_change = world.tokens["agency"]
    other_token, other_session = await _sign_in(world, email)
    console = await _console_sign_in(world, email)
    assert [await _me(world, other_token), await _me(world, other_session, cookie=True)] == [200, 200]
    wrong = await world.client.post(
        "/api/v1/auth/password",
        json={"current_password": "not it", "new_password": NEW_PASSWORD},
        headers=world.auth("agency"),
    )
    assert wrong.status_code == 422
    assert await _me(world, other_token) == 200  # a refused change ends nothing
    changed = await world.client.post(
        "/api/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=world.auth("agency"),
    )
    assert changed.status_code == 204
    assert await _me(world, making_the_change) == 200  # the request's own token stays
    assert await _me(world, other_token) == 401
    assert await _me(world, other_session, cookie=True) == 401
    page = await world.client.get(
        "/staff", headers={"Cookie": f"{SESSION_COOKIE}={console}"}, follow_redirects=False
    )
    assert page.status_code == 303 and page.headers["location"].startswith("/staff/login")
    # other accounts keep theirs
    assert await _me(world, world.tokens["statistician"]) == 200


async def test_changing_ones_password_with_the_cookie_keeps_that_session(world: World) -> None:
    email = "statistician@example.org"
    _, session = await _sign_in(world, email)
    changed = await world.client.post(
        "/api/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers={"Cookie": f"{SESSION_COOKIE}={session}", "Sec-Fetch-Site": "same-origin"},
    )
    assert changed.status_code == 204
    assert await _me(world, session, cookie=True) == 200
    assert await _me(world, world.tokens["statistician"]) == 401


async def test_the_consoles_password_change_ends_the_other_sessions_not_its_own(world: World) -> None:
    email = "interviewer@example.org"
    session = await _console_sign_in(world, email)
    headers = {"Cookie": f"{SESSION_COOKIE}={session}"}
    secret = str(world.app.state.services.settings.secret_key)
    form = {
        "current_password": PASSWORD,
        "new_password": NEW_PASSWORD,
        "confirm_password": NEW_PASSWORD,
        "_csrf": csrf_token(secret, CSRF_PURPOSE, session),
    }
    response = await world.client.post("/staff/password", data=form, headers=headers, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].endswith("done=password")
    assert (await world.client.get("/staff/password", headers=headers)).status_code == 200  # still signed in
    assert await _me(world, world.tokens["interviewer"]) == 401  # the token of the earlier sign-in ended
    login = await world.client.post("/api/v1/auth/login", json={"email": email, "password": NEW_PASSWORD})
    assert login.status_code == 200


# -- the last active administrator -----------------------------------------------------------------------


async def _admin_state() -> list[tuple[str, str, bool]]:
    rows = await StaffUser.select(StaffUser.email, StaffUser.role, StaffUser.active).order_by(StaffUser.id)
    return [(str(r["email"]), str(r["role"]), bool(r["active"])) for r in rows]


async def test_the_last_active_administrator_cannot_disable_or_demote_itself(world: World) -> None:
    own = world.user_ids["admin"]
    before, audited = await _admin_state(), await AuditLog.count()
    for change in (
        {"active": False},
        {"role": "statistician"},
        {"role": "agency", "agency": "A1"},
        {"display_name": "Gone", "active": False},  # all or nothing: the name is not changed either
    ):
        response = await world.client.patch(f"/api/v1/users/{own}", json=change, headers=world.auth("admin"))
        assert response.status_code == 409, (change, response.text)
        problem = response.json()
        assert (
            problem["type"] == "urn:sipas:problem:conflict"
            and "last active administrator" in problem["detail"]
        )
    assert await _admin_state() == before and await AuditLog.count() == audited
    assert await _me(world, world.tokens["admin"]) == 200  # nothing revoked
    me = await world.client.get(f"/api/v1/users/{own}", headers=world.auth("admin"))
    assert me.json()["display_name"] == ""
    # other changes of the last administrator go through
    renamed = await world.client.patch(
        f"/api/v1/users/{own}", json={"display_name": "Quản trị", "active": True}, headers=world.auth("admin")
    )
    assert renamed.status_code == 200 and renamed.json()["display_name"] == "Quản trị"


async def test_an_administrator_may_step_down_while_another_remains(world: World) -> None:
    staff = world.app.state.services.staff
    second = await staff.create_user(SYSTEM, "admin2@example.org", PASSWORD, "admin", None)
    second_token, _ = await _sign_in(world, "admin2@example.org")
    own = world.user_ids["admin"]
    response = await world.client.patch(
        f"/api/v1/users/{own}", json={"role": "statistician"}, headers=world.auth("admin")
    )
    assert response.status_code == 200 and response.json()["role"] == "statistician"
    # now the second is the last one
    response = await world.client.patch(
        f"/api/v1/users/{second.id}",
        json={"active": False},
        headers={"Authorization": f"Bearer {second_token}"},
    )
    assert response.status_code == 409
    assert ("admin2@example.org", "admin", True) in await _admin_state()
    # a disabled administrator does not count: disabling it, or another account, is fine
    await StaffUser.update({StaffUser.role: "admin", StaffUser.active: False}).where(StaffUser.id == own)
    response = await world.client.patch(
        f"/api/v1/users/{own}", json={"active": False}, headers={"Authorization": f"Bearer {second_token}"}
    )
    assert response.status_code == 200


async def _two_admins_at_once(
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    act: Callable[[httpx.AsyncClient, str, int], Awaitable[Any]],
) -> list[httpx.Response]:
    """Two administrators each remove the other at the same moment.

    Both requests pass their sign-in and role checks before either change is made (a barrier in front of
    the service), as two requests served side by side by a server can; the test client would serve them
    one after the other.
    """
    staff = world.app.state.services.staff
    second = await staff.create_user(SYSTEM, "admin2@example.org", PASSWORD, "admin", None)
    tokens = {
        world.user_ids["admin"]: await _console_sign_in(world, "admin@example.org"),
        second.id: await _console_sign_in(world, "admin2@example.org"),
    }
    barrier = asyncio.Barrier(2)
    update_user = staff.update_user

    async def in_step(*args: Any, **kwargs: Any) -> Any:
        await barrier.wait()
        return await update_user(*args, **kwargs)

    monkeypatch.setattr(staff, "update_user", in_step)
    (a, token_a), (b, token_b) = tokens.items()
    transport = httpx.ASGITransport(app=world.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        return list(await asyncio.gather(act(client, token_a, b), act(client, token_b, a)))


async def test_two_administrators_disabling_each_other_leave_one_over_the_api(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def disable(client: httpx.AsyncClient, session: str, target: int) -> Any:
        headers = {"Cookie": f"{SESSION_COOKIE}={session}", "Sec-Fetch-Site": "same-origin"}
        return await client.patch(f"/api/v1/users/{target}", json={"active": False}, headers=headers)

    responses = await _two_admins_at_once(world, monkeypatch, disable)
    assert sorted(r.status_code for r in responses) == [200, 409], [r.text for r in responses]
    assert [r.json()["type"] for r in responses if r.status_code == 409] == ["urn:sipas:problem:conflict"]
    admins = [s for s in await _admin_state() if s[1] == "admin" and s[2]]
    assert len(admins) == 1


async def test_two_administrators_demoting_each_other_leave_one_in_the_console(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = str(world.app.state.services.settings.secret_key)

    async def demote(client: httpx.AsyncClient, session: str, target: int) -> Any:
        form = {
            "display_name": "",
            "role": "statistician",
            "agency": "",
            "active": "1",
            "_csrf": csrf_token(secret, CSRF_PURPOSE, session),
        }
        headers = {"Cookie": f"{SESSION_COOKIE}={session}"}
        return await client.post(f"/staff/users/{target}", data=form, headers=headers, follow_redirects=False)

    responses = await _two_admins_at_once(world, monkeypatch, demote)
    assert sorted(r.status_code for r in responses) == [303, 409], [r.text[:300] for r in responses]
    refused = next(r for r in responses if r.status_code == 409)
    assert refused.headers["content-type"].startswith("text/html")
    assert "last active administrator" in refused.text
    admins = [s for s in await _admin_state() if s[1] == "admin" and s[2]]
    assert len(admins) == 1


async def test_province_administrators_do_not_keep_the_deployment(world: World) -> None:
    """The last national administrator cannot step down while only a province's administrators remain
    (they cannot manage the deployment); a province's administrator can, since a national one remains."""
    staff = world.app.state.services.staff
    province_admin = await staff.create_user(
        SYSTEM, "tinh@example.org", PASSWORD, "admin", None, province_code="default"
    )
    province_token, _ = await _sign_in(world, "tinh@example.org")
    own = world.user_ids["admin"]
    before, audited = await _admin_state(), await AuditLog.count()
    for change in ({"active": False}, {"role": "statistician"}):
        response = await world.client.patch(f"/api/v1/users/{own}", json=change, headers=world.auth("admin"))
        assert response.status_code == 409, (change, response.text)
        detail = response.json()["detail"]
        assert "last active administrator of the deployment" in detail and "without a province" in detail
    assert await _admin_state() == before and await AuditLog.count() == audited
    # the province's administrator steps down: the national one still administers its province
    response = await world.client.patch(
        f"/api/v1/users/{province_admin.id}",
        json={"role": "statistician"},
        headers={"Authorization": f"Bearer {province_token}"},
    )
    assert response.status_code == 200, response.text
    assert ("tinh@example.org", "statistician", True) in await _admin_state()


async def test_a_provinces_last_administrator_without_a_national_one_is_kept(world: World) -> None:
    """A deployment whose national administrators are all disabled: a province's last administrator is
    then the last one who can administer that province, and is kept."""
    staff = world.app.state.services.staff
    province_admin = await staff.create_user(
        SYSTEM, "tinh@example.org", PASSWORD, "admin", None, province_code="default"
    )
    province_token, _ = await _sign_in(world, "tinh@example.org")
    await StaffUser.update({StaffUser.active: False}).where(StaffUser.id == world.user_ids["admin"])
    response = await world.client.patch(
        f"/api/v1/users/{province_admin.id}",
        json={"active": False},
        headers={"Authorization": f"Bearer {province_token}"},
    )
    assert response.status_code == 409, response.text
    assert "last active administrator" in response.json()["detail"]
    assert ("tinh@example.org", "admin", True) in await _admin_state()


async def test_the_last_national_administrator_cannot_move_into_a_province(world: World) -> None:
    """Keeping the role but taking a province leaves the deployment without a national administrator too."""
    own = world.user_ids["admin"]
    before = await _admin_state()
    response = await world.client.patch(
        f"/api/v1/users/{own}", json={"province": "default"}, headers=world.auth("admin")
    )
    assert response.status_code == 409, response.text
    assert "last active administrator of the deployment" in response.json()["detail"]
    assert await _admin_state() == before
    own_row = await StaffUser.select(StaffUser.province).where(StaffUser.id == own).first()
    assert own_row == {"province": None}
    # with another national administrator, the move goes through
    await world.app.state.services.staff.create_user(SYSTEM, "admin2@example.org", PASSWORD, "admin", None)
    response = await world.client.patch(
        f"/api/v1/users/{own}", json={"province": "default"}, headers=world.auth("admin")
    )
    assert response.status_code == 200, response.text
    moved = await StaffUser.select(StaffUser.province).where(StaffUser.id == own).first()
    assert moved is not None and moved["province"] is not None
