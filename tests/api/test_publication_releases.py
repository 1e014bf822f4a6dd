"""The release step: prepare (statistician), approve (another person, an administrator), publish, correct.

Real responses through the submissions API; every test runs on SQLite and, with TEST_DATABASE_URL, on
PostgreSQL.
"""

from __future__ import annotations

import hashlib
import json

import pytest

from survey_engine.results import analysis
from survey_engine.tables import AuditLog, ResultRelease, WaveAgency, WebhookEvent
from tests.api.conftest import World
from tests.support.published import SECRET_COMMENT, closed_wave, release, rename


@pytest.fixture
async def wave(world: World) -> World:
    await closed_wave(world, "P1", 2026, 120, 0.85, seed=3)
    return world


async def test_prepare_approve_publish_with_roles_and_audit(wave: World) -> None:
    world = wave
    base = "/api/v1/waves/P1/releases"
    # an agency user and an interviewer may not prepare; nothing is public before publication
    for role in ("agency", "interviewer"):
        assert (await world.client.post(base + "/", json={}, headers=world.auth(role))).status_code == 403
    assert (await world.client.get("/results/P1")).status_code == 404
    prepared = await world.client.post(base + "/", json={}, headers=world.auth("statistician"))
    assert prepared.status_code == 201, prepared.text
    draft = prepared.json()
    assert (
        draft["version"] == 1
        and draft["status"] == "draft"
        and draft["prepared_by"] == "statistician@example.org"
    )
    # the stored snapshot is the hashed bytes, and its numbers are the estimates of the wave
    row = await ResultRelease.select().where(ResultRelease.version == 1).first()
    assert row is not None
    assert (
        hashlib.sha256(row["snapshot"].encode()).hexdigest() == draft["snapshot_hash"] == row["snapshot_hash"]
    )
    snapshot = json.loads(row["snapshot"])
    stats = await analysis.wave_results("P1", ("agency",), "self-selected")
    assert stats.result is not None
    expected = stats.result.groups.estimates[stats.result.groups.find("SIPAS", {"agency": "A1"})]
    a1 = next(a for a in snapshot["agencies"] if a["code"] == "A1")
    assert a1["overall"]["estimate"] == pytest.approx(expected.estimate, rel=1e-12)
    assert a1["overall"]["ci_low"] == pytest.approx(expected.ci_low, rel=1e-12)
    assert a1["overall"]["n"] == expected.n
    a2 = next(a for a in snapshot["agencies"] if a["code"] == "A2")
    assert a2["overall"]["flag"] == "suppress" and a2["overall"]["estimate"] is None  # n = 20 < 30
    assert a2["overall"]["flag_reason"]
    assert SECRET_COMMENT not in row["snapshot"]
    assert snapshot["method"]["series"] == "self-selected" and snapshot["licence"]["id"] == "CC-BY-4.0"

    # a statistician cannot approve; an administrator can, but not when they prepared it themselves
    approve = base + "/1/approve"
    assert (await world.client.post(approve, headers=world.auth("statistician"))).status_code == 403
    publish = base + "/1/publish"
    early = await world.client.post(publish, headers=world.auth("admin"))
    assert early.status_code == 409 and early.json()["type"] == "urn:sipas:problem:release-state"
    approved = await world.client.post(approve, headers=world.auth("admin"))
    assert approved.status_code == 200 and approved.json()["approved_by"] == "admin@example.org"
    published = await world.client.post(publish, headers=world.auth("admin"))
    assert published.status_code == 200, published.text
    assert published.json()["status"] == "published" and published.json()["published_at"]
    again = await world.client.post(publish, headers=world.auth("admin"))
    assert again.status_code == 409
    # prepare again is refused now: a change is a correction
    assert (
        await world.client.post(base + "/", json={}, headers=world.auth("statistician"))
    ).status_code == 409

    entries = await AuditLog.select().where(AuditLog.object_type == "release").order_by(AuditLog.id)
    actions = [(e["action"], e["actor_email"]) for e in entries]
    assert actions == [
        ("release.prepare", "statistician@example.org"),
        ("release.approve", "admin@example.org"),
        ("release.publish", "admin@example.org"),
    ]
    details = entries[-1]["details"]
    details = json.loads(details) if isinstance(details, str) else details
    assert details["approved_by"] == "admin@example.org" and details["published_at"]
    assert (await world.client.get("/results/P1")).status_code == 200


async def test_the_preparer_never_approves(wave: World) -> None:
    world = wave
    base = "/api/v1/waves/P1/releases"
    assert (await world.client.post(base + "/", json={}, headers=world.auth("admin"))).status_code == 201
    response = await world.client.post(base + "/1/approve", headers=world.auth("admin"))
    assert response.status_code == 403
    assert "someone other" in response.json()["detail"]


async def test_correction_is_a_new_version_and_the_old_stays(wave: World) -> None:
    world = wave
    assert await release(world, "P1") == 1
    base = "/api/v1/waves/P1/releases"
    missing = await world.client.post(
        base + "/corrections", json={"changelog_vi": "x"}, headers=world.auth("statistician")
    )
    assert missing.status_code in (400, 422)
    blank = {"changelog_vi": " ", "changelog_en": "Fixed"}
    assert (
        await world.client.post(base + "/corrections", json=blank, headers=world.auth("statistician"))
    ).status_code == 422
    entry = {"changelog_vi": "Sửa tên cơ quan", "changelog_en": "Agency name corrected"}
    # nothing changed since version 1: a correction would publish the same snapshot again
    same = await world.client.post(base + "/corrections", json=entry, headers=world.auth("statistician"))
    assert same.status_code == 409 and "unchanged" in same.json()["detail"]
    await rename(world, "A1", "Department of Justice (corrected)")
    assert await release(world, "P1", entry) == 2
    listed = await world.client.get(base + "/", headers=world.auth("statistician"))
    assert [(r["version"], r["status"]) for r in listed.json()] == [(2, "published"), (1, "published")]
    assert listed.json()[0]["changelog_en"] == "Agency name corrected"
    v1 = await world.client.get("/results/P1/v/1")
    assert v1.status_code == 200
    page = await world.client.get("/results/P1?lang=en")
    assert "Agency name corrected" in page.text and "Department of Justice (corrected)" in page.text
    assert "Department of Justice (corrected)" not in v1.text


async def test_open_wave_and_unknown_wave_are_refused(world: World) -> None:
    response = await world.client.post(
        "/api/v1/waves/NOPE/releases/", json={}, headers=world.auth("statistician")
    )
    assert response.status_code == 404
    response = await world.client.post(
        "/api/v1/waves/P1/releases/", json={"extra": 1}, headers=world.auth("statistician")
    )
    assert response.status_code in (400, 404, 422)


async def test_who_reads_drafts(wave: World) -> None:
    world = wave
    base = "/api/v1/waves/P1/releases"
    assert (
        await world.client.post(base + "/", json={}, headers=world.auth("statistician"))
    ).status_code == 201
    # the draft is for the people who review it; an agency user sees only what is public
    agency = await world.client.get(base + "/", headers=world.auth("agency"))
    assert agency.status_code == 200 and agency.json() == []
    assert (await world.client.get(base + "/1/snapshot", headers=world.auth("agency"))).status_code == 403
    assert (await world.client.get(base + "/", headers=world.auth("interviewer"))).status_code == 403
    assert (await world.client.get(base + "/")).status_code == 401
    review = await world.client.get(base + "/1/snapshot", headers=world.auth("admin"))
    assert review.status_code == 200
    assert review.json()["snapshot"]["wave"]["code"] == "P1"
    # the public does not see a draft, in any form
    for url in ("/results/P1", "/results/P1/results.json", "/results/agencies/A1/badge.svg"):
        assert (await world.client.get(url)).status_code == 404, url


async def test_a_failing_listener_does_not_undo_the_publication(wave: World) -> None:
    world = wave
    heard: list[tuple[str, int]] = []

    async def broken(record: object) -> None:
        raise RuntimeError("webhook down")

    async def listener(record: object) -> None:
        heard.append((record.wave, record.version))  # type: ignore[attr-defined]

    world.app.state.services.releases.on_published.extend([broken, listener])
    assert await release(world, "P1") == 1
    assert heard == [("P1", 1)]
    assert (await world.client.get("/results/P1")).status_code == 200


async def test_publishing_raises_one_results_published_event_per_agency(wave: World) -> None:
    """The webhooks hear of a publication (and of a correction) from the outbox, written with it."""
    world = wave
    assert await release(world, "P1") == 1
    rows = await WebhookEvent.select(WebhookEvent.payload, WebhookEvent.agency.code).where(
        WebhookEvent.event_type == "results_published"
    )  # (the responses and the closing raised their own events)
    by_agency = {r["agency.code"]: json.loads(r["payload"]) for r in rows}
    agencies = await WaveAgency.count().where(WaveAgency.wave.code == "P1")
    assert len(by_agency) == agencies > 0
    agency, data = sorted(by_agency.items())[0]
    assert data["wave"] == "P1" and data["version"] == 1 and data["correction"] is False
    assert data["pages"]["agency"] == f"/results/P1/agencies/{agency}"
    assert (await world.client.get(data["open_data"]["json"])).status_code == 200
    await rename(world, "A1", "Department of Justice (corrected)")
    entry = {"changelog_vi": "Sửa tên cơ quan", "changelog_en": "Agency name corrected"}
    assert await release(world, "P1", entry) == 2
    corrections = await WebhookEvent.select(WebhookEvent.payload).where(
        WebhookEvent.event_type == "results_published"
    )
    assert sorted(json.loads(r["payload"])["version"] for r in corrections) == [1] * agencies + [2] * agencies
