"""Every staff endpoint against every role, and without authentication."""

from __future__ import annotations

import pytest

from tests.api.conftest import ROLES, World, create_open_wave

# (method, path, body, roles allowed). Bodies are valid, so an allowed role gets a 2xx.
AGENCY_BODY = {"code": "NEW", "name_vi": "Sở Mới", "name_en": "New Department", "level": "province"}
POINT_BODY = {
    "code": "A1-NEW",
    "agency": "A1",
    "name_vi": "Quầy mới",
    "name_en": "New counter",
    "kind": "counter",
}
USER_BODY = {"email": "new@example.org", "password": "another long password", "role": "statistician"}
ENDPOINTS: list[tuple[str, str, object, set[str]]] = [
    ("GET", "/api/v1/agencies", None, {"admin", "statistician", "agency"}),
    ("GET", "/api/v1/agencies/A1", None, {"admin", "statistician", "agency"}),
    ("POST", "/api/v1/agencies", AGENCY_BODY, {"admin"}),
    ("PATCH", "/api/v1/agencies/A1", {"name_en": "Justice"}, {"admin"}),
    ("GET", "/api/v1/service-points", None, {"admin", "statistician", "agency"}),
    ("GET", "/api/v1/service-points/A1-Q1", None, {"admin", "statistician", "agency"}),
    ("POST", "/api/v1/service-points", POINT_BODY, {"admin", "agency"}),
    ("PATCH", "/api/v1/service-points/A1-Q1", {"name_en": "Counter 1"}, {"admin", "agency"}),
    ("POST", "/api/v1/service-points/A1-Q1/rotate-token", None, {"admin", "agency"}),
    ("GET", "/api/v1/questionnaires", None, {"admin", "statistician", "agency"}),
    ("GET", "/api/v1/questionnaires/templates", None, {"admin", "statistician", "agency"}),
    ("GET", "/api/v1/questionnaires/counter-3", None, {"admin", "statistician", "agency"}),
    ("POST", "/api/v1/questionnaires", {"template": "decree61-9"}, {"admin", "statistician"}),
    ("POST", "/api/v1/questionnaires/counter-3/publish", None, {"admin", "statistician"}),
    ("GET", "/api/v1/questionnaires/counter-3/versions/1", None, {"admin", "statistician", "agency"}),
    ("GET", "/api/v1/waves", None, {"admin", "statistician", "agency"}),
    ("GET", "/api/v1/waves/W1", None, {"admin", "statistician", "agency"}),
    ("PATCH", "/api/v1/waves/W1", {"name_en": "Wave one"}, {"admin", "statistician"}),
    ("POST", "/api/v1/waves/W1/status", {"status": "closed"}, {"admin", "statistician"}),
    ("GET", "/api/v1/users", None, {"admin"}),
    ("POST", "/api/v1/users", USER_BODY, {"admin"}),
    ("GET", "/api/v1/audit-log", None, {"admin"}),
    ("GET", "/api/v1/auth/me", None, set(ROLES)),
    ("PATCH", "/api/v1/auth/me", {"display_name": "Me"}, set(ROLES)),
    ("POST", "/api/v1/auth/logout", None, set(ROLES)),
]


@pytest.mark.parametrize("method,path,body,allowed", ENDPOINTS, ids=[f"{m} {p}" for m, p, _, _ in ENDPOINTS])
async def test_each_role(world: World, method: str, path: str, body: object, allowed: set[str]) -> None:
    await create_open_wave(world)
    for role in (None, *ROLES):
        kwargs = {"json": body} if body is not None else {}
        response = await world.client.request(method, path, headers=world.auth(role), **kwargs)
        if role is None:
            assert response.status_code == 401, (role, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")
        elif role in allowed:
            assert response.status_code < 300, (role, response.status_code, response.text)
            if method == "POST" and path.endswith("logout"):
                continue
            # undo creations so that the next allowed role can repeat the same request
            if method == "POST" and path in ("/api/v1/agencies", "/api/v1/service-points"):
                code = body["code"]  # type: ignore[index]
                await world.client.delete(f"{path}/{code}", headers=world.auth("admin"))
            if method == "POST" and path == "/api/v1/users":
                await world.client.patch(
                    f"/api/v1/users/{response.json()['id']}",
                    json={"active": False},
                    headers=world.auth("admin"),
                )
                from survey_engine.tables import StaffUser

                await StaffUser.delete().where(StaffUser.email == "new@example.org")
            if method == "POST" and path == "/api/v1/questionnaires":
                await world.client.delete("/api/v1/questionnaires/decree61-9", headers=world.auth("admin"))
            if path.endswith("/status"):
                from survey_engine.tables import Wave

                await Wave.update({Wave.status: "open"}).where(Wave.code == "W1")
        else:
            assert response.status_code == 403, (role, response.status_code, response.text)
            assert response.json()["type"] == "urn:sipas:problem:forbidden"


async def test_logout_revokes_the_token(world: World) -> None:
    headers = world.auth("statistician")
    assert (await world.client.post("/api/v1/auth/logout", headers=headers)).status_code == 204
    assert (await world.client.get("/api/v1/agencies", headers=headers)).status_code == 401
