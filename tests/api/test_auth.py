"""Login, tokens, sessions, lockout."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from survey_engine.tables import ApiToken, StaffUser
from tests.api.conftest import PASSWORD, World


async def test_login_gives_a_bearer_token_and_a_session_cookie(world: World) -> None:
    response = await world.client.post(
        "/api/v1/auth/login", json={"email": "ADMIN@example.org ", "password": PASSWORD}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and len(body["token"]) >= 40
    assert body["user"]["role"] == "admin"
    cookie = response.headers["set-cookie"]
    assert (
        "sipas_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    )
    # the cookie alone authenticates a browser
    assert (await world.client.get("/api/v1/agencies")).status_code == 200
    world.client.cookies.clear()
    assert (await world.client.get("/api/v1/agencies")).status_code == 401


async def test_only_hashes_of_tokens_and_passwords_are_stored(world: World) -> None:
    rows = await ApiToken.select(ApiToken.token_hash)
    assert all(world.tokens[r] not in [row["token_hash"] for row in rows] for r in world.tokens)
    user = (
        await StaffUser.select(StaffUser.password_hash).where(StaffUser.email == "admin@example.org").first()
    )
    assert user is not None and user["password_hash"].startswith("$argon2id$")
    assert PASSWORD not in user["password_hash"]


async def test_wrong_password_and_unknown_user_look_the_same(world: World) -> None:
    wrong = await world.client.post(
        "/api/v1/auth/login", json={"email": "admin@example.org", "password": "nope"}
    )
    unknown = await world.client.post(
        "/api/v1/auth/login", json={"email": "who@example.org", "password": "nope"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]
    assert wrong.json()["type"] == "urn:sipas:problem:unauthenticated"


async def test_account_locks_after_repeated_failures(world: World) -> None:
    for _ in range(10):
        response = await world.client.post(
            "/api/v1/auth/login", json={"email": "statistician@example.org", "password": "wrong password"}
        )
        assert response.status_code == 401
    response = await world.client.post(
        "/api/v1/auth/login", json={"email": "statistician@example.org", "password": PASSWORD}
    )
    assert response.status_code == 401
    assert "locked" in response.json()["detail"]


async def test_garbage_and_expired_tokens_are_401(world: World) -> None:
    assert (
        await world.client.get("/api/v1/agencies", headers={"Authorization": "Bearer nonsense"})
    ).status_code == 401
    assert (
        await world.client.get("/api/v1/agencies", headers={"Authorization": "Basic abc"})
    ).status_code == 401
    await ApiToken.update({ApiToken.expires_at: datetime.now(UTC) - timedelta(seconds=1)}).where(
        ApiToken.id > 0
    )
    response = await world.client.get("/api/v1/agencies", headers=world.auth("admin"))
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_deactivated_account_loses_access(world: World) -> None:
    user_id = world.user_ids["statistician"]
    response = await world.client.patch(
        f"/api/v1/users/{user_id}", json={"active": False}, headers=world.auth("admin")
    )
    assert response.status_code == 200 and response.json()["active"] is False
    assert (await world.client.get("/api/v1/agencies", headers=world.auth("statistician"))).status_code == 401


async def test_password_change(world: World) -> None:
    headers = world.auth("agency")
    bad = await world.client.post(
        "/api/v1/auth/password",
        json={"current_password": "wrong", "new_password": "a brand new password"},
        headers=headers,
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "current_password"
    ok = await world.client.post(
        "/api/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": "a brand new password"},
        headers=headers,
    )
    assert ok.status_code == 204
    login = await world.client.post(
        "/api/v1/auth/login", json={"email": "agency@example.org", "password": "a brand new password"}
    )
    assert login.status_code == 200
