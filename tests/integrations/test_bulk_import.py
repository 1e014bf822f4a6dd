"""Bulk import of counter ratings by a system API key: one validator, idempotent by id, line problems."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from survey_engine.collection.ingest_store import COPY_FROM_ROWS
from survey_engine.collection.receipts import dossier_hash
from survey_engine.integrations.counter_lines import VN
from survey_engine.tables import Agency, AuditLog, Province, Submission, WebhookEvent
from tests.api.conftest import World
from tests.integrations.helpers import d61, listening, new_key, open_counter_waves, rating, send


async def test_a_batch_stores_valid_lines_and_lists_the_others(world: World) -> None:
    await open_counter_waves(world)
    key = await new_key(world, "A1")
    good = [rating(value=3, dossier_code="HS-001", officer="CB01"), rating(value=1), d61(officer="CB01")]
    bad_answer = rating(value=5)
    other_agency = rating(point="A2-Q1")
    lines = [
        good[0],
        b"{not json",
        bad_answer,
        good[1],
        other_agency,
        {"id": "x", "service_point": "A1-Q1"},
        good[2],
        rating(point="NOPE"),
    ]
    response = await send(world, key, lines)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["accepted"] == 3 and body["duplicates"] == 0
    rejected = {r["line"]: r["problems"] for r in body["rejected"]}
    assert sorted(rejected) == [2, 3, 5, 6, 8]
    assert "not valid JSON" in rejected[2][0]["message"] and "item" not in rejected[2][0]
    assert rejected[3][0]["item"] == "answers.RATING"
    assert rejected[5][0]["item"] == "service_point"  # another agency's point: outside this key's scope
    assert {p["item"] for p in rejected[6]} >= {"id", "questionnaire", "answers", "rated_at"}

    rows = await Submission.select().where(Submission.channel == "onestop").order_by(Submission.id)
    assert len(rows) == 3
    first = rows[0]
    assert first["client_id"] == good[0]["id"] and first["officer"] == "CB01"
    secret = world.app.state.services.settings.secret_key
    assert first["dossier_hash"] == dossier_hash(secret, "HS-001")  # the keyed hash, never the code
    assert "HS-001" not in json.dumps([dict(r) for r in rows], default=str)
    assert rows[2]["codes"] is not None and rows[0]["codes"] == "3"

    # The same lines again: duplicates, nothing stored twice; the same id with another body is refused;
    # a dossier already rated in the wave is refused under a new id.
    again = await send(
        world, key, [good[0], good[1], {**good[1], "answers": {"RATING": 2}}, rating(dossier_code="hs-001")]
    )
    body = again.json()
    assert (body["accepted"], body["duplicates"]) == (0, 2)
    assert [(r["line"], r["problems"][0]["item"]) for r in body["rejected"]] == [
        (3, "id"),
        (4, "dossier_code"),
    ]
    assert await Submission.count().where(Submission.channel == "onestop") == 3

    # One audit row per request, with counts only.
    uses = await AuditLog.select().where((AuditLog.object_type == "api_key") & (AuditLog.action == "import"))
    assert len(uses) == 2
    details = uses[0]["details"]
    details = json.loads(details) if isinstance(details, str) else details
    assert details["accepted"] == 3 and details["lines"] == 8 and details["rejected"] == 5


async def test_a_province_key_reaches_every_agency(world: World) -> None:
    await open_counter_waves(world)
    key = await new_key(world, None)
    response = await send(world, key, [rating("A1-Q1"), rating("A2-Q1"), d61("A2-Q1", (0,) * 9)])
    assert response.json() == {"accepted": 3, "duplicates": 0, "rejected": []}


async def test_no_open_wave_is_a_line_problem(world: World) -> None:
    key = await new_key(world, "A1")
    body = (await send(world, key, [rating()])).json()
    assert body["accepted"] == 0 and body["rejected"][0]["problems"][0]["item"] == "questionnaire"


async def test_keys_and_staff_tokens_open_their_own_doors_only(world: World) -> None:
    await open_counter_waves(world)
    key = await new_key(world, "A1")
    staff = await world.client.post(
        "/api/v1/counter-ratings/bulk",
        content=b"",
        headers={**world.auth("admin"), "Content-Type": "application/x-ndjson"},
    )
    assert staff.status_code == 401
    assert (
        await world.client.get("/api/v1/agencies", headers={"Authorization": f"Bearer {key}"})
    ).status_code == 401
    wrong_type = await world.client.post(
        "/api/v1/counter-ratings/bulk",
        content=b"{}",
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    assert wrong_type.status_code == 415


async def test_a_revoked_key_stops_at_once(world: World) -> None:
    await open_counter_waves(world)
    key = await new_key(world, "A1")
    assert (await send(world, key, [rating()])).status_code == 200
    listed = (await world.client.get("/api/v1/api-keys", headers=world.auth("admin"))).json()
    assert key not in json.dumps(listed) and listed[0]["prefix"] == key[:10]
    revoked = await world.client.post(
        f"/api/v1/api-keys/{listed[0]['id']}/revoke", headers=world.auth("admin")
    )
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    refused = await send(world, key, [rating()])
    assert refused.status_code == 401 and refused.headers["content-type"].startswith(
        "application/problem+json"
    )


async def test_the_key_limit_counts_requests_in_the_database(world: World) -> None:
    await open_counter_waves(world)
    key = await new_key(world, "A1")
    world.app.state.services.api_keys.limit.per_minute = 2
    assert (await send(world, key, [rating()])).status_code == 200
    assert (await send(world, key, [rating()])).status_code == 200
    limited = await send(world, key, [rating()])
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1


async def test_only_administrators_manage_keys(world: World) -> None:
    for role in ("statistician", "agency", "interviewer"):
        response = await world.client.post(
            "/api/v1/api-keys", json={"name": "x", "province": True}, headers=world.auth(role)
        )
        assert response.status_code == 403
    both = await world.client.post(
        "/api/v1/api-keys", json={"name": "x", "province": True, "agency": "A1"}, headers=world.auth("admin")
    )
    assert both.status_code == 400 or both.status_code == 422
    unknown = await world.client.post(
        "/api/v1/api-keys", json={"name": "x", "agency": "ZZ"}, headers=world.auth("admin")
    )
    assert unknown.status_code in (400, 422)


async def test_request_limits_and_dates(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from api.integrations import routes_counter

    await open_counter_waves(world)
    key = await new_key(world, "A1")
    monkeypatch.setattr(routes_counter, "BULK_MAX_LINES", 3)
    too_many = await send(world, key, [rating() for _ in range(4)])
    assert too_many.status_code == 413 and await Submission.count() == 0  # nothing stored
    assert (await send(world, key, [rating() for _ in range(3)])).json()["accepted"] == 3
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    naive = datetime.now(VN).replace(tzinfo=None).isoformat()  # no offset: Vietnam time
    body = (
        await send(world, key, [rating(rated_at=future), rating(rated_at=naive), rating(rated_at="hôm qua")])
    ).json()
    assert body["accepted"] == 1
    assert [(r["line"], r["problems"][0]["item"]) for r in body["rejected"]] == [
        (1, "rated_at"),
        (3, "rated_at"),
    ]
    stored = await Submission.select(Submission.submitted_at).order_by(Submission.id, ascending=False).first()
    assert stored is not None and abs(stored["submitted_at"] - datetime.now(UTC)) < timedelta(minutes=5)


async def test_imported_low_ratings_raise_webhook_events_with_their_rows_only(world: World) -> None:
    """A counter rating at the lowest level raises a low-rating event in the same transaction as the row;
    a satisfied rating, a rejected line and a duplicate raise none (the agency hears of each rating once).
    Only events some active subscription wants are written: A2's low rating raises nothing."""
    await open_counter_waves(world)
    await listening("A1")
    key = await new_key(world, None)
    low = rating(value=1)
    response = await send(world, key, [low, rating(value=3), rating(value=7), rating("A2-Q1", value=1)])
    assert response.json()["accepted"] == 3
    events = await WebhookEvent.select(WebhookEvent.event_type, WebhookEvent.payload)
    assert [e["event_type"] for e in events] == ["low_rating"]
    data = json.loads(events[0]["payload"])
    assert data["submission"] == low["id"] and data["channel"] == "onestop"
    assert data["service_point"] == "A1-Q1" and data["questionnaire"].startswith("counter-3@")
    assert data["low_items"] == [{"item": "RATING", "ref": "1", "value": 1}]
    again = await send(world, key, [low])
    assert again.json()["duplicates"] == 1
    assert await WebhookEvent.count() == 1


async def test_a_large_batch_is_stored_whole_with_its_events_once(world: World) -> None:
    """Enough lines for the bulk paths (statements of many rows on SQLite, COPY on PostgreSQL, for the
    ratings and their outbox rows): every rating stored once with its event; a line repeated in the same
    request and the whole request sent again are duplicates; a malformed line in the middle stops nothing."""
    await open_counter_waves(world)
    await listening("A1")
    key = await new_key(world, "A1")
    lines = [
        rating(
            value=1, dossier_code=f"HS-{i:04d}", officer="CB01", answers={"RATING": 1, "COMMENT": f"số {i}"}
        )
        for i in range(COPY_FROM_ROWS + 100)
    ]
    body = [*lines[:300], b'{"id": 1}', *lines, lines[5]]
    response = await send(world, key, body)
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["accepted"], report["duplicates"]) == (len(lines), 301)
    assert [r["line"] for r in report["rejected"]] == [301]
    stored = await Submission.select(Submission.client_id, Submission.dossier_hash, Submission.answers)
    assert sorted(r["client_id"] for r in stored) == sorted(line["id"] for line in lines)
    secret = world.app.state.services.settings.secret_key
    by_id = {r["client_id"]: r for r in stored}
    sample = by_id[lines[42]["id"]]
    assert sample["dossier_hash"] == dossier_hash(secret, "HS-0042")
    answers = sample["answers"] if isinstance(sample["answers"], dict) else json.loads(sample["answers"])
    assert answers == {"COMMENT": "số 42", "RATING": 1}
    events = await WebhookEvent.select(WebhookEvent.event_id, WebhookEvent.event_type, WebhookEvent.payload)
    kinds: dict[str, set[str]] = {}
    for event in events:
        kinds.setdefault(event["event_type"], set()).add(json.loads(event["payload"])["submission"])
    assert kinds == {"low_rating": set(by_id), "comment": set(by_id)}  # each rating's two events, once
    assert len({e["event_id"] for e in events}) == len(events) == 2 * len(lines)
    comment = next(json.loads(e["payload"]) for e in events if e["event_type"] == "comment")
    assert comment["comment"].startswith("số ") and comment["low_rating"] is True

    again = (await send(world, key, body)).json()
    assert (again["accepted"], again["duplicates"]) == (0, len(body) - 1)
    assert await Submission.count() == len(lines) and await WebhookEvent.count() == len(events)


async def test_a_province_key_stops_at_its_provinces_border(world: World) -> None:
    """A key for a whole province imports that province's points only: another province's point is refused
    with the same words as an unknown one (a key does not learn what lies outside its scope)."""
    await open_counter_waves(world)
    home = await Agency.select(Agency.province.code).where(Agency.code == "A1").first()
    other = await Province.insert(
        Province(code="P2", name_vi="Tỉnh khác", name_en="Other", created_at=datetime.now(UTC))
    )
    await Agency.update({Agency.province: other[0]["id"]}).where(Agency.code == "A2")
    body = {"name": "Một cửa tỉnh", "province": True, "province_code": home["province.code"]}
    created = await world.client.post("/api/v1/api-keys", json=body, headers=world.auth("admin"))
    assert created.status_code == 201, created.text
    response = await send(world, str(created.json()["key"]), [rating(point="A1-Q1"), rating(point="A2-Q1")])
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["accepted"] == 1
    assert [(r["line"], r["problems"][0]["item"]) for r in result["rejected"]] == [(2, "service_point")]
    assert "within this key's scope" in result["rejected"][0]["problems"][0]["message"]
