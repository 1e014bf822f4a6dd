"""Shared steps of the one-stop integration tests: open counter waves, create keys, send NDJSON."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import msgspec
from httpx import Response

from survey_engine.tables import Agency, WebhookSubscription
from tests.api.conftest import World, create_open_wave


async def open_counter_waves(world: World) -> None:
    """counter-3 wave C3 and decree61-9 wave D61, both open at A1-Q1 and A2-Q1."""
    await create_open_wave(world, "C3")
    admin = world.auth("admin")
    response = await world.client.post(
        "/api/v1/questionnaires", json={"template": "decree61-9"}, headers=admin
    )
    assert response.status_code in (201, 409), response.text
    response = await world.client.post("/api/v1/questionnaires/decree61-9/publish", headers=admin)
    assert response.status_code == 200, response.text
    body = {
        "code": "D61",
        "name_vi": "Nghị định 61",
        "name_en": "Decree 61",
        "questionnaire": "decree61-9",
        "questionnaire_version": 1,
        "period_start": "2026-01-01",
        "period_end": "2026-12-31",
        "channels": ["online"],
        "agencies": ["A1", "A2"],
        "service_points": ["A1-Q1", "A2-Q1"],
    }
    response = await world.client.post("/api/v1/waves", json=body, headers=admin)
    assert response.status_code == 201, response.text
    response = await world.client.post("/api/v1/waves/D61/status", json={"status": "open"}, headers=admin)
    assert response.status_code == 200, response.text


async def new_key(world: World, agency: str | None = "A1", name: str = "Một cửa tỉnh") -> str:
    body: dict[str, Any] = {"name": name, **({"agency": agency} if agency else {"province": True})}
    response = await world.client.post("/api/v1/api-keys", json=body, headers=world.auth("admin"))
    assert response.status_code == 201, response.text
    return str(response.json()["key"])


def rating(point: str = "A1-Q1", value: int = 3, **extra: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "service_point": point,
        "questionnaire": "counter-3",
        "answers": {"RATING": value},
        "rated_at": datetime.now(UTC).isoformat(),
        **extra,
    }


def d61(point: str = "A1-Q1", scores: tuple[int, ...] = (2,) * 9, **extra: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "service_point": point,
        "questionnaire": "decree61-9",
        "answers": {f"D61_{k}": f"S{s}" for k, s in enumerate(scores, start=1)},
        "rated_at": datetime.now(UTC).isoformat(),
        **extra,
    }


def ndjson(lines: list[Any]) -> bytes:
    return b"".join(
        (line if isinstance(line, bytes) else msgspec.json.encode(line)) + b"\n" for line in lines
    )


async def send(world: World, key: str, lines: list[Any]) -> Response:
    return await world.client.post(
        "/api/v1/counter-ratings/bulk",
        content=ndjson(lines),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/x-ndjson"},
    )


async def listening(agency: str = "A1", events: str = "low_rating,comment") -> None:
    """An active webhook subscription of ``agency`` (written directly: these tests deliver nothing). Imports
    write only the events some active subscription wants."""
    agency_id = (await Agency.select(Agency.id).where(Agency.code == agency).first())["id"]
    now = datetime.now(UTC)
    await WebhookSubscription.insert(
        WebhookSubscription(
            agency=agency_id,
            url="https://example.org/hook",
            event_types=events,
            secret_salt="0" * 32,
            active=True,
            created_at=now,
            updated_at=now,
        )
    )
