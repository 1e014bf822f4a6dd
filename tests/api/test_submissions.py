"""POST /api/v1/submissions: durable, idempotent, validated; every rejection stores nothing."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from typing import Any

import pytest

import api.collection.routes_submissions as submissions_route
from survey_engine.tables import KioskDevice, Submission
from tests.api.conftest import World, create_open_wave, point_token


def _body(service_token: str, **extra: Any) -> dict[str, Any]:
    body = {
        "id": str(uuid.uuid4()),
        "token": service_token,
        "answers": {"RATING": 3},
        "channel": "online",
        "language": "vi",
        "started_at": "2026-11-22T08:00:00+07:00",
        "submitted_at": "2026-11-22T08:02:30+07:00",
    }
    body.update(extra)
    return body


async def test_accepted_then_replayed_then_conflicting(world: World) -> None:
    await create_open_wave(world)
    body = _body(await point_token(world))
    first = await world.client.post("/api/v1/submissions", json=body)
    assert first.status_code == 201, first.text
    assert first.json() == {"id": body["id"], "status": "accepted"}
    again = await world.client.post("/api/v1/submissions", json=body)
    assert again.status_code == 200 and again.json() == first.json()
    other = await world.client.post("/api/v1/submissions", json={**body, "answers": {"RATING": 1}})
    assert other.status_code == 409
    assert other.json()["type"] == "urn:sipas:problem:idempotency-conflict"
    rows = await Submission.select().where(Submission.client_id == body["id"]).output(load_json=True)
    assert len(rows) == 1
    row = rows[0]
    assert row["answers"] == {"RATING": 3} and row["channel"] == "online" and row["duration_seconds"] == 150
    assert row["questionnaire_version"] == 1


@pytest.mark.parametrize("fast", [True, False])
async def test_one_id_in_any_spelling_is_one_submission(
    world: World, fast: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 11, item 9: the same UUID without dashes or in upper case was stored a second time."""
    monkeypatch.setattr(submissions_route, "FAST_PATH_ENABLED", fast)
    await create_open_wave(world)
    token = await point_token(world)
    body = _body(token)
    canonical = body["id"]
    first = await world.client.post("/api/v1/submissions", json=body)
    assert first.status_code == 201 and first.json()["id"] == canonical
    for spelling in (canonical.replace("-", ""), canonical.replace("-", "").upper(), canonical.upper()):
        again = await world.client.post("/api/v1/submissions", json={**body, "id": spelling})
        assert again.status_code == 200, (spelling, again.text)
        assert again.json() == {"id": canonical, "status": "accepted"}
    other_body = await world.client.post(
        "/api/v1/submissions", json={**body, "id": canonical.replace("-", ""), "answers": {"RATING": 1}}
    )
    assert other_body.status_code == 409  # the body hash still decides
    # first sent without dashes: stored (and answered) lower case with dashes
    later = _body(token)
    bare = str(later["id"]).replace("-", "").upper()
    created = await world.client.post("/api/v1/submissions", json={**later, "id": bare})
    assert created.status_code == 201 and created.json()["id"] == later["id"]
    assert (await world.client.post("/api/v1/submissions", json=later)).status_code == 200
    rows = await Submission.select(Submission.client_id).order_by(Submission.id)
    assert [r["client_id"] for r in rows] == [canonical, later["id"]]


async def test_concurrent_submissions_share_commits_and_each_is_stored_once(world: World) -> None:
    await create_open_wave(world)
    token = await point_token(world)
    bodies = [_body(token) for _ in range(60)]
    bodies += bodies[:20]  # replays racing the originals
    responses = await asyncio.gather(*(world.client.post("/api/v1/submissions", json=b) for b in bodies))
    assert sorted(r.status_code for r in responses).count(201) == 60
    assert all(r.status_code in (200, 201) for r in responses)
    assert await Submission.count() == 60
    committer = world.app.state.services.submissions.committer
    assert committer.rows == 60


@pytest.mark.parametrize(
    "change,status,kind",
    [
        ({"answers": {"RATING": 7}}, 422, "urn:sipas:problem:validation"),
        ({"answers": {"RATING": True}}, 422, "urn:sipas:problem:validation"),
        ({"answers": {"NOPE": 1, "RATING": 2}}, 422, "urn:sipas:problem:validation"),
        ({"answers": {}}, 422, "urn:sipas:problem:validation"),
        ({"channel": "phone"}, 401, "urn:sipas:problem:unauthenticated"),
        ({"channel": "carrier-pigeon"}, 422, "urn:sipas:problem:validation"),
        ({"language": "fr"}, 422, "urn:sipas:problem:validation"),
        ({"id": "not-a-uuid-but-long-enough-to-pass-x"}, 422, "urn:sipas:problem:validation"),
        ({"token": "unknown-token"}, 404, "urn:sipas:problem:not-found"),
        ({"questionnaire_version": "counter-3@0"}, 409, "urn:sipas:problem:stale-questionnaire"),
        ({"extra_field": 1}, 422, "urn:sipas:problem:validation"),
        ({"submitted_at": "2026-11-22T07:00:00+07:00"}, 422, "urn:sipas:problem:validation"),
        ({"channel": "kiosk"}, 401, "urn:sipas:problem:unauthenticated"),
    ],
)
async def test_rejections_store_nothing(world: World, change: dict[str, Any], status: int, kind: str) -> None:
    await create_open_wave(world)
    response = await world.client.post("/api/v1/submissions", json=_body(await point_token(world), **change))
    assert response.status_code == status, response.text
    assert response.json()["type"] == kind
    assert await Submission.count() == 0


async def test_invalid_answers_are_listed_per_item_in_the_form_language(world: World) -> None:
    await create_open_wave(world)
    response = await world.client.post(
        "/api/v1/submissions",
        json=_body(await point_token(world), answers={"RATING": 9, "COMMENT": 5}, language="en"),
    )
    errors = response.json()["errors"]
    assert {e["field"] for e in errors} == {"RATING", "COMMENT"}
    vi = await world.client.post(
        "/api/v1/submissions", json=_body(await point_token(world), answers={"RATING": 9})
    )
    assert vi.json()["errors"][0]["message"] != errors[0]["message"]  # Vietnamese text for language vi


async def test_closed_wave_and_rotated_token(world: World) -> None:
    await create_open_wave(world)
    token = await point_token(world)
    assert (await world.client.post("/api/v1/submissions", json=_body(token))).status_code == 201
    await world.client.post("/api/v1/service-points/A1-Q1/rotate-token", headers=world.auth("admin"))
    world.app.state.services.submissions.forget()
    stale = await world.client.post("/api/v1/submissions", json=_body(token))
    assert stale.status_code == 404
    new_token = await point_token(world)
    await world.client.post("/api/v1/waves/W1/status", json={"status": "closed"}, headers=world.auth("admin"))
    closed = await world.client.post("/api/v1/submissions", json=_body(new_token))
    assert closed.status_code == 409 and closed.json()["type"] == "urn:sipas:problem:wave-closed"
    assert await Submission.count() == 1


async def test_closing_is_seen_even_through_the_form_cache(world: World) -> None:
    await create_open_wave(world)
    token = await point_token(world)
    services = world.app.state.services
    services.submissions.cache_seconds = 3600.0  # the cache would still say "open"
    assert (await world.client.post("/api/v1/submissions", json=_body(token))).status_code == 201
    await world.client.post("/api/v1/waves/W1/status", json={"status": "closed"}, headers=world.auth("admin"))
    response = await world.client.post("/api/v1/submissions", json=_body(token))
    assert response.status_code == 409  # rechecked inside the commit
    assert await Submission.count() == 1


async def test_dossier_code_allows_one_response(world: World) -> None:
    # A dossier code typed in by staff (a paper form); a respondent links a dossier with its receipt only.
    await create_open_wave(world, channels=("online", "kiosk", "paper"))
    token, staff = await point_token(world), world.auth("admin")
    first = _body(token, channel="paper", dossier_code="H56-0001")
    assert (await world.client.post("/api/v1/submissions", json=first, headers=staff)).status_code == 201
    again = _body(token, channel="paper", dossier_code=" h56-0001 ")
    again_response = await world.client.post("/api/v1/submissions", json=again, headers=staff)
    assert again_response.status_code == 409
    assert again_response.json()["type"] == "urn:sipas:problem:already-answered"
    rows = await Submission.select(Submission.dossier_hash)
    assert len(rows) == 1 and "H56" not in rows[0]["dossier_hash"]


@pytest.mark.parametrize("channel", ["online", "kiosk"])
async def test_an_anonymous_dossier_code_is_refused_and_stores_nothing(
    world: World, channel: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 11, item 3: a guessed code would use up the citizen's dossier (their receipt then gets 409)
    or put answers into the probability sample; only a signed receipt or staff links a dossier."""
    from survey_engine.collection.receipts import sign_receipt

    await create_open_wave(world)
    device = await world.client.post(
        "/api/v1/kiosk-devices", json={"service_point": "A1-Q1", "name": "Tab"}, headers=world.auth("agency")
    )
    headers = {"X-Kiosk-Device": device.json()["token"]} if channel == "kiosk" else {}
    headers.update(world.auth("admin"))  # a bearer token does not make an online/kiosk response a staff entry
    token = await point_token(world)
    for fast in (True, False):  # the fast path, then the full handler
        monkeypatch.setattr(submissions_route, "FAST_PATH_ENABLED", fast)
        guessed = _body(token, channel=channel, dossier_code="H56-0001")
        response = await world.client.post("/api/v1/submissions", json=guessed, headers=headers)
        assert response.status_code == 422, response.text
        errors = [(e["field"], e["code"]) for e in response.json()["errors"]]
        assert errors == [("dossier_code", "not_allowed")]
    assert await Submission.count() == 0
    # the citizen's own signed receipt still links the dossier
    receipt = sign_receipt(world.app.state.services.settings.secret_key, "H56-0001", "A1-Q1")
    own = await world.client.post(
        "/api/v1/submissions", json=_body(token, channel=channel, receipt=receipt), headers=headers
    )
    assert own.status_code == 201, own.text
    assert await Submission.count().where(Submission.dossier_hash.is_not_null()) == 1


@pytest.mark.parametrize("fast", [True, False])
async def test_control_characters_in_a_text_answer_are_refused(
    world: World, fast: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 11, item 5: one NUL in a stored comment broke the XLSX export; refused at the door."""
    monkeypatch.setattr(submissions_route, "FAST_PATH_ENABLED", fast)
    await create_open_wave(world)
    token = await point_token(world)
    for bad in ("Chờ lâu\u0000quá", "x\u001b[31m", "x\u007f", "x\u0085"):
        body = _body(token, answers={"RATING": 3, "COMMENT": bad}, language="en")
        response = await world.client.post("/api/v1/submissions", json=body)
        assert response.status_code == 422, response.text
        errors = response.json()["errors"]
        assert [(e["field"], e["code"]) for e in errors] == [("COMMENT", "control_character")]
        assert errors[0]["message"] == "The text contains a control character that is not allowed."
    assert await Submission.count() == 0
    fine = _body(token, answers={"RATING": 3, "COMMENT": "Dòng 1\r\nDòng 2\tcột"})
    assert (await world.client.post("/api/v1/submissions", json=fine)).status_code == 201


async def test_rate_limit_answers_429_per_token(world: World) -> None:
    await create_open_wave(world)
    world.app.state.services.rate_limiter.per_minute = 2
    token_a1, token_a2 = await point_token(world), await point_token(world, "A2-Q1")
    codes = [
        (await world.client.post("/api/v1/submissions", json=_body(token_a1))).status_code for _ in range(3)
    ]
    assert codes == [201, 201, 429]
    limited = await world.client.post("/api/v1/submissions", json=_body(token_a1))
    assert int(limited.headers["retry-after"]) >= 1
    assert limited.json()["type"] == "urn:sipas:problem:rate-limited"
    # another service point is not affected
    assert (await world.client.post("/api/v1/submissions", json=_body(token_a2))).status_code == 201
    assert await Submission.count() == 3


async def test_kiosk_devices_register_submit_revoke(world: World) -> None:
    await create_open_wave(world)
    headers = world.auth("agency")
    created = await world.client.post(
        "/api/v1/kiosk-devices", json={"service_point": "A1-Q1", "name": "Máy tính bảng 1"}, headers=headers
    )
    assert created.status_code == 201, created.text
    device_token = created.json()["token"]
    assert created.json()["pairing_url"].endswith(f"#device={device_token}")
    stored = await KioskDevice.select(KioskDevice.token_hash).first()
    assert stored is not None and stored["token_hash"] != device_token
    token = await point_token(world)
    body = _body(token, channel="kiosk")
    ok = await world.client.post("/api/v1/submissions", json=body, headers={"X-Kiosk-Device": device_token})
    assert ok.status_code == 201
    listing = (await world.client.get("/api/v1/kiosk-devices", headers=headers)).json()
    assert listing["items"][0]["last_seen_at"] is not None
    # another agency cannot see or revoke it; a device of A1 cannot submit for A2's point
    other = await world.client.post(
        "/api/v1/kiosk-devices", json={"service_point": "A2-Q1", "name": "x"}, headers=headers
    )
    assert other.status_code == 404
    wrong_point = _body(await point_token(world, "A2-Q1"), channel="kiosk")
    response = await world.client.post(
        "/api/v1/submissions", json=wrong_point, headers={"X-Kiosk-Device": device_token}
    )
    assert response.status_code == 401
    device_id = created.json()["device"]["id"]
    revoked = await world.client.post(f"/api/v1/kiosk-devices/{device_id}/revoke", headers=headers)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    refused = await world.client.post(
        "/api/v1/submissions", json=_body(token, channel="kiosk"), headers={"X-Kiosk-Device": device_token}
    )
    assert refused.status_code == 401
    assert await Submission.count() == 1


async def test_phone_submissions_record_the_interviewer(world: World) -> None:
    await create_open_wave(world)
    admin = world.auth("admin")
    await world.client.patch("/api/v1/waves/W1", json={"name_en": "x"}, headers=admin)
    token = await point_token(world)
    # counter-3 wave collects online and kiosk only
    refused = await world.client.post(
        "/api/v1/submissions", json=_body(token, channel="phone"), headers=world.auth("interviewer")
    )
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "channel"
    agency = await world.client.post(
        "/api/v1/submissions", json=_body(token, channel="phone"), headers=world.auth("agency")
    )
    assert agency.status_code == 403


def test_body_hash_ignores_nothing_but_the_id() -> None:
    from survey_engine.collection.submissions import SubmissionRequest, request_body_hash

    base = SubmissionRequest(client_id="a", token="t", answers={"X": 1}, channel="online", language="vi")
    assert request_body_hash(base) == request_body_hash(replace(base, client_id="b"))
    assert request_body_hash(base) != request_body_hash(replace(base, answers={"X": 2}))
    assert request_body_hash(base) != request_body_hash(replace(base, language="en"))


async def test_receipt_code_allows_exactly_one_response(world: World) -> None:
    from survey_engine.collection.receipts import sign_receipt

    await create_open_wave(world, channels=("online", "kiosk", "paper"))
    token = await point_token(world)
    secret = world.app.state.services.settings.secret_key
    receipt = sign_receipt(secret, "000.00.12.H56-260101-0001", "A1-Q1")
    first = await world.client.post("/api/v1/submissions", json=_body(token, receipt=receipt))
    assert first.status_code == 201, first.text
    second = await world.client.post("/api/v1/submissions", json=_body(token, receipt=receipt))
    assert second.status_code == 409 and second.json()["type"] == "urn:sipas:problem:already-answered"
    # the same dossier typed by hand (staff, paper form) is the same dossier
    typed = await world.client.post(
        "/api/v1/submissions",
        json=_body(token, channel="paper", dossier_code="000.00.12.h56-260101-0001"),
        headers=world.auth("admin"),
    )
    assert typed.status_code == 409
    tampered = await world.client.post("/api/v1/submissions", json=_body(token, receipt=receipt[:-2] + "xx"))
    assert tampered.status_code == 422 and tampered.json()["errors"][0]["field"] == "receipt"
    elsewhere = sign_receipt(secret, "OTHER-1", "A2-Q1")
    wrong_point = await world.client.post("/api/v1/submissions", json=_body(token, receipt=elsewhere))
    assert wrong_point.status_code == 422
    assert await Submission.count() == 1


async def test_break_off_is_stored_as_incomplete(world: World) -> None:
    await create_open_wave(world)
    token = await point_token(world)
    partial = _body(token, answers={"COMMENT": "Chờ lâu quá"}, complete=False)
    response = await world.client.post("/api/v1/submissions", json=partial)
    assert response.status_code == 201, response.text
    row = await Submission.select(Submission.complete).where(Submission.client_id == partial["id"]).first()
    assert row is not None and row["complete"] is False
    # a complete response still needs its required items; a break-off still needs valid values
    missing = await world.client.post("/api/v1/submissions", json=_body(token, answers={"COMMENT": "x"}))
    assert missing.status_code == 422 and missing.json()["errors"][0]["code"] == "required"
    invalid = await world.client.post(
        "/api/v1/submissions", json=_body(token, answers={"RATING": 9}, complete=False)
    )
    assert invalid.status_code == 422
    empty = await world.client.post("/api/v1/submissions", json=_body(token, answers={}, complete=False))
    assert empty.status_code == 422
    assert await Submission.count() == 1


async def test_receipt_status_for_the_form_page(world: World) -> None:
    from survey_engine.collection.receipts import sign_receipt

    await create_open_wave(world)
    token = await point_token(world)
    services = world.app.state.services
    receipt = sign_receipt(services.settings.secret_key, "D-1", "A1-Q1")
    assert await services.submissions.receipt_status(token, receipt) == "ok"
    assert await services.submissions.receipt_status(token, receipt[:-3] + "abc") == "invalid"
    assert (
        await services.submissions.receipt_status(token, sign_receipt("y" * 40, "D-1", "A1-Q1")) == "invalid"
    )
    assert (
        await services.submissions.receipt_status(
            token, sign_receipt(services.settings.secret_key, "D-1", "A2-Q1")
        )
        == "invalid"
    )
    assert (
        await world.client.post("/api/v1/submissions", json=_body(token, receipt=receipt))
    ).status_code == 201
    assert await services.submissions.receipt_status(token, receipt) == "answered"
