"""An application on a fresh database with two agencies and one account per role.

The ``app`` fixture reuses one application object per route structure (``api.app.structure_of``) for the
whole session, bound afresh to each test's settings and database (``api.app.bind``: new services, every
cache empty, nothing kept from the test before): building the routes costs a fifth of a second, bound
costs almost nothing. A test that needs its own application calls ``create_app`` itself.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from piccolo.engine.base import Engine

from api.app import bind, create_app, structure_of
from api.settings import Settings
from survey_engine.actors import SYSTEM
from survey_engine.administration.agencies import AgencyService, ServicePointService

PASSWORD = "correct horse battery"
ROLES = ("admin", "statistician", "agency", "interviewer")


@dataclass
class World:
    client: AsyncTestClient[Litestar]
    app: Litestar
    tokens: dict[str, str] = field(default_factory=dict)
    user_ids: dict[str, int] = field(default_factory=dict)

    def auth(self, role: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"} if role else {}


_SHARED_APPS: dict[tuple[Any, ...], Litestar] = {}


def shared_app(settings: Settings, engine: Engine) -> Litestar:
    """The session's application of this structure, bound to these settings and this database."""
    key = structure_of(settings)
    app = _SHARED_APPS.get(key)
    if app is None:
        app = _SHARED_APPS[key] = create_app(settings, engine)
    else:
        bind(app, settings, engine)
    return app


@pytest.fixture
async def app(settings: Settings, engine: Engine) -> Litestar:
    return shared_app(settings, engine)


@pytest.fixture
async def world(app: Litestar) -> AsyncIterator[World]:
    async with AsyncTestClient(app=app) as client:
        services = app.state.services
        agencies, points = AgencyService(), ServicePointService()
        for code, vi, en in (
            ("A1", "Sở Tư pháp", "Department of Justice"),
            ("A2", "Sở Y tế", "Department of Health"),
        ):
            await agencies.create(SYSTEM, {"code": code, "name_vi": vi, "name_en": en, "level": "province"})
            await points.create(
                SYSTEM,
                {
                    "code": f"{code}-Q1",
                    "agency": code,
                    "name_vi": f"Quầy {vi}",
                    "name_en": f"{en} counter",
                    "kind": "counter",
                },
            )
        world = World(client=client, app=app)
        for role in ROLES:
            email = f"{role}@example.org"
            user = await services.staff.create_user(
                SYSTEM, email, PASSWORD, role, "A1" if role == "agency" else None
            )
            world.user_ids[role] = user.id
            response = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
            assert response.status_code == 200, response.text
            world.tokens[role] = response.json()["token"]
        client.cookies.clear()  # tests choose their credentials explicitly
        yield world


async def create_open_wave(
    world: World,
    code: str = "W1",
    agencies: tuple[str, ...] = ("A1", "A2"),
    channels: tuple[str, ...] = ("online", "kiosk"),
) -> dict:
    admin = world.auth("admin")
    response = await world.client.post(
        "/api/v1/questionnaires", json={"template": "counter-3"}, headers=admin
    )
    assert response.status_code in (201, 409), response.text
    response = await world.client.post("/api/v1/questionnaires/counter-3/publish", headers=admin)
    assert response.status_code == 200, response.text
    body = {
        "code": code,
        "name_vi": "Đợt 1",
        "name_en": "Wave 1",
        "questionnaire": "counter-3",
        "questionnaire_version": 1,
        "period_start": "2026-01-01",
        "period_end": "2026-12-31",
        "channels": list(channels),
        "agencies": list(agencies),
        "service_points": [f"{a}-Q1" for a in agencies],
    }
    response = await world.client.post("/api/v1/waves", json=body, headers=admin)
    assert response.status_code == 201, response.text
    response = await world.client.post(f"/api/v1/waves/{code}/status", json={"status": "open"}, headers=admin)
    assert response.status_code == 200, response.text
    return response.json()


async def point_token(world: World, point: str = "A1-Q1") -> str:
    """The public token of a service point, as an administrator reads it."""
    response = await world.client.get(f"/api/v1/service-points/{point}", headers=world.auth("admin"))
    return str(response.json()["token"])


def online_body(token: str, **extra: Any) -> dict[str, Any]:
    """A valid online submission (one rating) with a fresh id; ``extra`` adds or replaces fields."""
    return {
        "id": str(uuid.uuid4()),
        "token": token,
        "answers": {"RATING": 3},
        "channel": "online",
        "language": "vi",
        **extra,
    }
