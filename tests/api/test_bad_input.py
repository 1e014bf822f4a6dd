"""Rejected requests: problem details with per-field errors, and nothing stored."""

from __future__ import annotations

import pytest

from survey_engine.tables import Agency, AuditLog
from tests.api.conftest import World

GOOD = {"code": "NEW", "name_vi": "Sở Mới", "name_en": "New Department", "level": "province"}


async def _counts() -> tuple[int, int]:
    return await Agency.count(), await AuditLog.count()


@pytest.mark.parametrize(
    "body,field,code",
    [
        ({**GOOD, "level": 3}, "level", "invalid"),
        ({**GOOD, "surprise": True}, "surprise", "unknown_field"),
        ({k: v for k, v in GOOD.items() if k != "name_vi"}, "name_vi", "required"),
        ({**GOOD, "code": "bad code!"}, "code", "invalid"),
        (
            {**GOOD, "name_vi": "x" * 301},
            "name_vi",
            "invalid",
        ),  # SQLite would store it: checked at the boundary
        ({**GOOD, "parent": "NOPE"}, "parent", "invalid"),
    ],
)
async def test_invalid_agency_is_rejected_with_field_errors(
    world: World, body: dict, field: str, code: str
) -> None:
    before = await _counts()
    response = await world.client.post("/api/v1/agencies", json=body, headers=world.auth("admin"))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"] == "urn:sipas:problem:validation"
    assert problem["status"] == 422 and problem["title"] and problem["detail"]
    assert problem["errors"], problem
    if field:
        assert problem["errors"][0]["field"] == field
    assert problem["errors"][0]["code"] == code
    assert await _counts() == before


async def test_malformed_json_is_422(world: World) -> None:
    before = await _counts()
    response = await world.client.post(
        "/api/v1/agencies",
        content=b'{"code": "X", ',
        headers={**world.auth("admin"), "content-type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "malformed"
    assert await _counts() == before


async def test_body_over_one_mebibyte_is_413(world: World) -> None:
    before = await _counts()
    big = {**GOOD, "name_en": "x" * (1024 * 1024 + 10)}
    response = await world.client.post("/api/v1/agencies", json=big, headers=world.auth("admin"))
    assert response.status_code == 413
    assert response.json()["type"] == "urn:sipas:problem:payload-too-large"
    assert await _counts() == before


async def test_duplicate_code_is_409_and_stores_nothing(world: World) -> None:
    headers = world.auth("admin")
    assert (await world.client.post("/api/v1/agencies", json=GOOD, headers=headers)).status_code == 201
    before = await _counts()
    response = await world.client.post("/api/v1/agencies", json=GOOD, headers=headers)
    assert response.status_code == 409
    assert response.json()["type"] == "urn:sipas:problem:conflict"
    assert await _counts() == before


async def test_bad_query_parameters_are_400(world: World) -> None:
    response = await world.client.get("/api/v1/agencies?limit=100000", headers=world.auth("admin"))
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"].startswith("query")


async def test_weak_password_and_bad_role_agency_combination(world: World) -> None:
    headers = world.auth("admin")
    weak = {"email": "x@example.org", "password": "short", "role": "admin"}
    response = await world.client.post("/api/v1/users", json=weak, headers=headers)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "password"
    no_agency = {"email": "x@example.org", "password": "long enough password", "role": "agency"}
    response = await world.client.post("/api/v1/users", json=no_agency, headers=headers)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "agency"
    listing = (await world.client.get("/api/v1/users?limit=100", headers=headers)).json()
    assert "x@example.org" not in [u["email"] for u in listing["items"]]


async def test_unknown_route_and_method_are_problems(world: World) -> None:
    response = await world.client.get("/api/v1/nothing-here", headers=world.auth("admin"))
    assert response.status_code == 404
    assert response.json()["type"] == "urn:sipas:problem:not-found"
    response = await world.client.put("/api/v1/agencies", headers=world.auth("admin"))
    assert response.status_code == 405
