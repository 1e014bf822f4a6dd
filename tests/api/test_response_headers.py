"""Every response carries the security headers, including the router's own 404 and 405 answers, error
answers built by the exception handlers and the submission fast path's answers."""

from __future__ import annotations

import uuid

import httpx
import pytest

import api.collection.routes_submissions as submissions_route
from api.app import SECURITY_HEADERS
from tests.api.conftest import World, create_open_wave


def _assert_secured(response: httpx.Response) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (response.status_code, name, dict(response.headers))


def _assert_problem(response: httpx.Response, status: int, kind: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"] == f"urn:sipas:problem:{kind}"
    assert problem["status"] == status and problem["title"] and problem["detail"]


@pytest.mark.parametrize(
    "method,path,status,kind",
    [
        ("GET", "/no-such-path", 404, "not-found"),
        ("GET", "/api/v1/no-such-resource", 404, "not-found"),
        ("DELETE", "/health", 405, "method-not-allowed"),
        ("PUT", "/staff/agencies", 405, "method-not-allowed"),  # a console page
        ("DELETE", "/f/some-token", 405, "method-not-allowed"),  # the citizen form page
    ],
)
async def test_router_answers_carry_the_security_headers(
    world: World, method: str, path: str, status: int, kind: str
) -> None:
    response = await world.client.request(method, path)
    _assert_problem(response, status, kind)
    _assert_secured(response)
    if status == 405:
        assert response.headers["allow"]


async def test_error_answers_of_handlers_carry_them(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    big = {"code": "X", "name_vi": "x" * (1024 * 1024 + 10), "name_en": "x", "level": "province"}
    too_large = await world.client.post("/api/v1/agencies", json=big, headers=world.auth("admin"))
    _assert_problem(too_large, 413, "payload-too-large")
    _assert_secured(too_large)

    async def broken(*_: object, **__: object) -> object:
        raise RuntimeError("boom")

    monkeypatch.setattr(world.app.state.services.agencies, "list", broken)
    failed = await world.client.get("/api/v1/agencies", headers=world.auth("admin"))
    _assert_problem(failed, 500, "internal")
    _assert_secured(failed)


@pytest.mark.parametrize("fast", [True, False], ids=["fast-path", "handler"])
async def test_submission_answers_carry_them(
    world: World, fast: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(submissions_route, "FAST_PATH_ENABLED", fast)
    await create_open_wave(world)
    point = await world.client.get("/api/v1/service-points/A1-Q1", headers=world.auth("admin"))
    body = {
        "id": str(uuid.uuid4()),
        "token": point.json()["token"],
        "answers": {"RATING": 3},
        "channel": "online",
    }
    created = await world.client.post("/api/v1/submissions", json=body)
    assert created.status_code == 201
    _assert_secured(created)
    invalid = await world.client.post(
        "/api/v1/submissions", json={**body, "id": str(uuid.uuid4()), "answers": {"RATING": 9}}
    )
    _assert_problem(invalid, 422, "validation")
    _assert_secured(invalid)
    world.app.state.services.rate_limiter.per_minute = 1
    limited = [
        await world.client.post("/api/v1/submissions", json={**body, "id": str(uuid.uuid4())}) for _ in "ab"
    ]
    _assert_problem(limited[-1], 429, "rate-limited")
    _assert_secured(limited[-1])


async def test_a_page_keeps_its_own_stricter_headers(world: World) -> None:
    page = await world.client.get("/staff/login")
    assert page.status_code == 200
    _assert_secured(page)
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
    assert len(page.headers.get_list("x-frame-options")) == 1  # filled in only where missing
