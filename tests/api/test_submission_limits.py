"""Kiosk device revocation holds across server processes (issue 11, item 11).

A second application on the same database is what a second server process (or host) is: its own caches,
committer and connection.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from piccolo.engine.base import Engine

from api.app import create_app
from api.settings import Settings
from survey_engine.tables import Submission
from tests.api.conftest import World, create_open_wave


@pytest.fixture
async def other(world: World, settings: Settings, engine: Engine[Any]) -> AsyncIterator[World]:
    """A second application on the same database, with its own caches, committer and connection."""
    app = create_app(settings, engine)
    async with AsyncTestClient(app=app) as client:
        yield World(client=client, app=app, tokens=world.tokens, user_ids=world.user_ids)


async def _token(world: World, point: str = "A1-Q1") -> str:
    response = await world.client.get(f"/api/v1/service-points/{point}", headers=world.auth("admin"))
    return str(response.json()["token"])


def _body(token: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "token": token,
        "answers": {"RATING": 3},
        "channel": "online",
        "language": "vi",
        **extra,
    }


async def _device(world: World, point: str = "A1-Q1") -> tuple[int, str]:
    created = await world.client.post(
        "/api/v1/kiosk-devices", json={"service_point": point, "name": "Tab"}, headers=world.auth("agency")
    )
    assert created.status_code == 201, created.text
    return int(created.json()["device"]["id"]), str(created.json()["token"])


async def test_a_revocation_through_one_application_bites_at_once_in_another(
    world: World, other: World
) -> None:
    await create_open_wave(world)
    token = await _token(world)
    device_id, device = await _device(world)
    other.app.state.services.submissions.cache_seconds = 3600.0  # its device cache would still say "valid"
    headers = {"X-Kiosk-Device": device}
    kiosk = _body(token, channel="kiosk")
    assert (await other.client.post("/api/v1/submissions", json=kiosk, headers=headers)).status_code == 201
    revoked = await world.client.post(
        f"/api/v1/kiosk-devices/{device_id}/revoke", headers=world.auth("agency")
    )
    assert revoked.status_code == 200
    refused = await other.client.post(
        "/api/v1/submissions", json=_body(token, channel="kiosk"), headers=headers
    )
    assert refused.status_code == 401, refused.text
    assert refused.json()["type"] == "urn:sipas:problem:unauthenticated"
    assert "revoked" in refused.json()["detail"]
    assert await Submission.count() == 1
