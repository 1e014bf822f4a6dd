from __future__ import annotations

from tests.api.conftest import World


async def test_health_reports_the_engine(world: World, database_url: str) -> None:
    response = await world.client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == ("postgresql" if database_url.startswith("postgresql") else "sqlite")
    assert body["version"]


async def test_openapi_lists_every_route(world: World) -> None:
    response = await world.client.get("/schema/openapi.json")
    assert response.status_code == 200
    paths = set(response.json()["paths"])
    for expected in (
        "/health",
        "/api/v1/auth/login",
        "/api/v1/auth/logout",
        "/api/v1/agencies",
        "/api/v1/agencies/{code}",
        "/api/v1/service-points",
        "/api/v1/service-points/{code}",
        "/api/v1/questionnaires",
        "/api/v1/questionnaires/{code}/publish",
        "/api/v1/waves",
        "/api/v1/waves/{code}/status",
        "/api/v1/users",
        "/api/v1/users/{user_id}",
        "/api/v1/forms/{token}",
        "/api/v1/audit-log",
    ):
        assert expected in paths, expected


async def test_security_headers(world: World) -> None:
    response = await world.client.get("/health")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
