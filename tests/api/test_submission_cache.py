"""The submission form cache: an expired entry is renewed from one small query while nothing it depends on
has changed, and reloaded as soon as something has (without any in-process ``forget()``)."""

from __future__ import annotations

import pytest

import survey_engine.collection.submissions as submissions_module
from survey_engine.collection.forms import ServedForm
from survey_engine.tables import KioskDevice, ServicePoint, Wave, WaveAgency, WaveServicePoint
from tests.api.conftest import World, create_open_wave, online_body, point_token


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    original = submissions_module.form_for_token

    async def counting(token: str) -> ServedForm:
        calls.append(token)
        return await original(token)

    monkeypatch.setattr(submissions_module, "form_for_token", counting)
    return calls


async def test_unchanged_forms_are_renewed_without_reloading(world: World, loads: list[str]) -> None:
    await create_open_wave(world)
    token = await point_token(world)
    world.app.state.services.submissions.cache_seconds = 0.0  # every request finds its entry expired
    for _ in range(3):
        assert (await world.client.post("/api/v1/submissions", json=online_body(token))).status_code == 201
    assert loads == [token]


async def test_changes_are_seen_at_the_next_renewal(world: World, loads: list[str]) -> None:
    await create_open_wave(world)
    token = await point_token(world)
    world.app.state.services.submissions.cache_seconds = 0.0
    post = world.client.post
    assert (await post("/api/v1/submissions", json=online_body(token))).status_code == 201
    # another process changes the wave's channels: no forget() here
    await Wave.update({Wave.channels: ["kiosk"]}).where(Wave.code == "W1")
    refused = await post("/api/v1/submissions", json=online_body(token))
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "channel"
    await Wave.update({Wave.channels: ["online", "kiosk"]}).where(Wave.code == "W1")
    assert (await post("/api/v1/submissions", json=online_body(token))).status_code == 201
    # the point leaves the wave's own list, but its agency's wave still covers it: the same form
    point = await ServicePoint.select(ServicePoint.id, ServicePoint.agency).where(
        ServicePoint.code == "A1-Q1"
    )
    await WaveServicePoint.delete().where(WaveServicePoint.service_point == point[0]["id"])
    assert (await post("/api/v1/submissions", json=online_body(token))).status_code == 201
    assert len(loads) == 3
    # and once the agency leaves the wave too, there is no survey here any more
    await WaveAgency.delete().where(WaveAgency.agency == point[0]["agency"])
    gone = await post("/api/v1/submissions", json=online_body(token))
    assert gone.status_code == 404
    assert len(loads) == 4


async def test_device_revocation_elsewhere_bites_after_the_cache_time(world: World) -> None:
    await create_open_wave(world)
    created = await world.client.post(
        "/api/v1/kiosk-devices", json={"service_point": "A1-Q1", "name": "Tab"}, headers=world.auth("agency")
    )
    device = created.json()["token"]
    token = await point_token(world)
    world.app.state.services.submissions.cache_seconds = 0.0
    headers = {"X-Kiosk-Device": device}
    body = online_body(token, channel="kiosk")
    assert (await world.client.post("/api/v1/submissions", json=body, headers=headers)).status_code == 201
    # revoked by another process: this one's cache is not told
    await KioskDevice.update({KioskDevice.revoked_at: KioskDevice.created_at}).where(
        KioskDevice.id == created.json()["device"]["id"]
    )
    again = await world.client.post(
        "/api/v1/submissions", json=online_body(token, channel="kiosk"), headers=headers
    )
    assert again.status_code == 401
