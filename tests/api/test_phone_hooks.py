"""Phone interviews joined to the rest: a phone submission completes its contact; closing purges phones."""

from __future__ import annotations

import uuid

from survey_engine.tables import CallAttempt, Contact, Submission
from tests.api.conftest import World, create_open_wave
from tests.api.test_phone import CSV_OK, import_csv


async def _phone_wave(world: World) -> str:
    await create_open_wave(world, channels=("online", "kiosk", "phone"))
    assert (await import_csv(world, CSV_OK)).status_code == 201
    point = await world.client.get("/api/v1/service-points/A1-Q1", headers=world.auth("admin"))
    return str(point.json()["token"])


def _phone_body(token: str, contact: str | None = "C1") -> dict[str, object]:
    body: dict[str, object] = {
        "id": str(uuid.uuid4()),
        "token": token,
        "answers": {"RATING": 2},
        "channel": "phone",
        "language": "vi",
    }
    if contact is not None:
        body["contact"] = contact
    return body


async def test_phone_submission_completes_its_contact(world: World) -> None:
    token = await _phone_wave(world)
    body = _phone_body(token)
    response = await world.client.post("/api/v1/submissions", json=body, headers=world.auth("interviewer"))
    assert response.status_code == 201, response.text
    stored = await Submission.select(Submission.channel, Submission.interviewer).first()
    assert stored == {"channel": "phone", "interviewer": world.user_ids["interviewer"]}
    contact = (
        await Contact.select(Contact.status, Contact.submission_client_id).where(Contact.code == "C1").first()
    )
    assert contact == {"status": "complete", "submission_client_id": body["id"]}
    assert (await CallAttempt.select(CallAttempt.disposition).first())["disposition"] == "1.1"
    # a replay answers 200 and changes nothing
    again = await world.client.post("/api/v1/submissions", json=body, headers=world.auth("interviewer"))
    assert again.status_code == 200 and await CallAttempt.count() == 1


async def test_contact_must_be_the_interviewers_own_and_phone_only(world: World) -> None:
    token = await _phone_wave(world)
    # C2 is not assigned to this interviewer: as if it did not exist
    other = await world.client.post(
        "/api/v1/submissions", json=_phone_body(token, "C2"), headers=world.auth("interviewer")
    )
    assert other.status_code == 404
    online = {**_phone_body(token), "channel": "online"}
    assert (await world.client.post("/api/v1/submissions", json=online)).status_code == 422
    assert await Submission.count() == 0


async def test_closing_the_wave_purges_phone_numbers(world: World) -> None:
    await _phone_wave(world)
    assert await Contact.count().where(Contact.phone.is_not_null()) == 3
    closed = await world.client.post(
        "/api/v1/waves/W1/status", json={"status": "closed"}, headers=world.auth("admin")
    )
    assert closed.status_code == 200
    assert await Contact.count().where(Contact.phone.is_not_null()) == 0
    log = (await world.client.get("/api/v1/audit-log?object_type=wave", headers=world.auth("admin"))).json()
    assert log["items"][0]["details"]["phones_purged"] == 3
