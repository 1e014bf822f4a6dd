"""An agency user sees its own agency only: other agencies' objects answer 404, as if absent."""

from __future__ import annotations

from tests.api.conftest import World, create_open_wave


async def test_agency_user_sees_only_its_agency(world: World) -> None:
    headers = world.auth("agency")
    listing = (await world.client.get("/api/v1/agencies", headers=headers)).json()
    assert [a["code"] for a in listing["items"]] == ["A1"]
    assert listing["total"] == 1
    assert (await world.client.get("/api/v1/agencies/A2", headers=headers)).status_code == 404
    assert (await world.client.get("/api/v1/agencies/A1", headers=headers)).status_code == 200
    points = (await world.client.get("/api/v1/service-points", headers=headers)).json()
    assert [p["code"] for p in points["items"]] == ["A1-Q1"]
    for method in ("GET", "PATCH"):
        kwargs = {"json": {"name_en": "x"}} if method == "PATCH" else {}
        response = await world.client.request(
            method, "/api/v1/service-points/A2-Q1", headers=headers, **kwargs
        )
        assert response.status_code == 404
    rotate = await world.client.post("/api/v1/service-points/A2-Q1/rotate-token", headers=headers)
    assert rotate.status_code == 404


async def test_agency_user_cannot_create_points_for_another_agency(world: World) -> None:
    body = {"code": "A2-X", "agency": "A2", "name_vi": "Quầy", "name_en": "Counter", "kind": "counter"}
    response = await world.client.post("/api/v1/service-points", json=body, headers=world.auth("agency"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "agency"


async def test_agency_user_sees_only_its_part_of_a_wave(world: World) -> None:
    await create_open_wave(world, "W1", ("A1", "A2"))
    await create_open_wave(world, "W2", ("A2",))
    headers = world.auth("agency")
    waves = (await world.client.get("/api/v1/waves", headers=headers)).json()
    assert [w["code"] for w in waves["items"]] == ["W1"]
    assert waves["items"][0]["agencies"] == ["A1"]
    assert waves["items"][0]["service_points"] == ["A1-Q1"]
    assert (await world.client.get("/api/v1/waves/W2", headers=headers)).status_code == 404


async def test_agency_user_cannot_change_its_own_role(world: World) -> None:
    headers = world.auth("agency")
    own_id = world.user_ids["agency"]
    response = await world.client.patch(f"/api/v1/users/{own_id}", json={"role": "admin"}, headers=headers)
    assert response.status_code == 403
    response = await world.client.patch("/api/v1/auth/me", json={"role": "admin"}, headers=headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "unknown_field"
    me = (await world.client.get("/api/v1/auth/me", headers=headers)).json()
    assert me["role"] == "agency" and me["agency"] == "A1"
