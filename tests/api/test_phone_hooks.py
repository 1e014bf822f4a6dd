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


# -- issue 11, item 10: a phone interview that cannot complete its contact stores nothing ---------------


async def _contact_state(code: str) -> dict[str, object] | None:
    return (
        await Contact.select(Contact.status, Contact.submission_client_id).where(Contact.code == code).first()
    )


async def test_a_contact_not_assigned_to_the_submitter_is_refused_before_storing(world: World) -> None:
    token = await _phone_wave(world)
    # C1 is assigned to the interviewer; an administrator entering it used to get 404 after the commit
    admin = await world.client.post(
        "/api/v1/submissions", json=_phone_body(token), headers=world.auth("admin")
    )
    assert admin.status_code == 404 and admin.json()["type"] == "urn:sipas:problem:not-found"
    # C2 is assigned to nobody
    nobody = await world.client.post(
        "/api/v1/submissions", json=_phone_body(token, "C2"), headers=world.auth("statistician")
    )
    assert nobody.status_code == 404
    assert await Submission.count() == 0 and await CallAttempt.count() == 0
    assert await _contact_state("C1") == {"status": "pending", "submission_client_id": None}


async def test_a_contact_of_another_agency_or_point_is_refused_before_storing(world: World) -> None:
    from survey_engine.actors import SYSTEM
    from survey_engine.administration.agencies import ServicePointService

    token_a1 = await _phone_wave(world)
    admin = world.auth("admin")
    token_a2 = (await world.client.get("/api/v1/service-points/A2-Q1", headers=admin)).json()["token"]
    # C3 (agency A1, assigned to the interviewer) through agency A2's service point
    crossed = await world.client.post(
        "/api/v1/submissions", json=_phone_body(token_a2, "C3"), headers=world.auth("interviewer")
    )
    assert crossed.status_code == 422, crossed.text
    assert [(e["field"], e["code"]) for e in crossed.json()["errors"]] == [("contact", "other_agency")]
    # C1 names its service point A1-Q1: another counter of A1 (in the wave through its agency) is refused
    await ServicePointService().create(
        SYSTEM, {"code": "A1-Q2", "agency": "A1", "name_vi": "Quầy 2", "name_en": "Desk 2", "kind": "counter"}
    )
    token_q2 = (await world.client.get("/api/v1/service-points/A1-Q2", headers=admin)).json()["token"]
    other_point = await world.client.post(
        "/api/v1/submissions", json=_phone_body(token_q2, "C1"), headers=world.auth("interviewer")
    )
    assert other_point.status_code == 422, other_point.text
    assert other_point.json()["errors"][0]["code"] == "other_service_point"
    assert await Submission.count() == 0 and await CallAttempt.count() == 0
    assert await _contact_state("C3") == {"status": "pending", "submission_client_id": None}
    # its own agency's points are fine: C3 names none, C1 its own
    for token, code in ((token_q2, "C3"), (token_a1, "C1")):
        ok = await world.client.post(
            "/api/v1/submissions", json=_phone_body(token, code), headers=world.auth("interviewer")
        )
        assert ok.status_code == 201, ok.text
    assert await Submission.count() == 2


async def test_a_completed_contact_refuses_a_second_interview_before_storing(world: World) -> None:
    token = await _phone_wave(world)
    interviewer = world.auth("interviewer")
    first = _phone_body(token)
    assert (
        await world.client.post("/api/v1/submissions", json=first, headers=interviewer)
    ).status_code == 201
    second = await world.client.post("/api/v1/submissions", json=_phone_body(token), headers=interviewer)
    assert second.status_code == 409, second.text
    assert await Submission.count() == 1 and await CallAttempt.count() == 1
    # the first one again, its id spelt without dashes: a replay (200), nothing new
    bare = {**first, "id": str(first["id"]).replace("-", "").upper()}
    replay = await world.client.post("/api/v1/submissions", json=bare, headers=interviewer)
    assert replay.status_code == 200 and replay.json()["id"] == first["id"]
    assert await Submission.count() == 1 and await CallAttempt.count() == 1
    assert await _contact_state("C1") == {"status": "complete", "submission_client_id": first["id"]}
