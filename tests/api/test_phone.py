"""Phone interviews over HTTP: contacts import, assignment, the interviewer's view, call attempts, purge."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from survey_engine.actors import SYSTEM
from survey_engine.collection.receipts import dossier_hash
from survey_engine.errors import Conflict, NotFound
from survey_engine.fieldwork.phone import PhoneService
from survey_engine.tables import AuditLog, CallAttempt, Contact, Wave
from tests.api.conftest import PASSWORD, World, create_open_wave

PHONE_1 = "0912 345 678"
PHONE_1_E164 = "+84912345678"
CSV_OK = (
    "code,agency,phone,service_point,dossier_code,assigned_to\n"
    f"C1,A1,{PHONE_1},A1-Q1,000.00.01.H01-261101-0001,interviewer@example.org\n"
    "C2,A2,+84 24 3825 1234,,,\n"
    "C3,A1,987654321,,,INTERVIEWER@example.org\n"
)
CSV_HEADERS = {"Content-Type": "text/csv"}


async def import_csv(world: World, text: str | bytes, wave: str = "W1", role: str = "admin") -> object:
    body = text.encode() if isinstance(text, str) else text
    return await world.client.post(
        f"/api/v1/waves/{wave}/contacts/import",
        content=body,
        headers={**world.auth(role), **CSV_HEADERS},
    )


async def second_interviewer(world: World) -> dict[str, str]:
    email = "interviewer2@example.org"
    await world.app.state.services.staff.create_user(SYSTEM, email, PASSWORD, "interviewer", None)
    response = await world.client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    world.client.cookies.clear()
    return {"Authorization": f"Bearer {response.json()['token']}"}


async def attempt(world: World, code: str, body: dict[str, object], role: str = "interviewer") -> object:
    return await world.client.post(
        f"/api/v1/phone/contacts/W1/{code}/attempts", json=body, headers=world.auth(role)
    )


@pytest.fixture
async def wave(world: World) -> World:
    await create_open_wave(world)
    response = await import_csv(world, CSV_OK)
    assert response.status_code == 201, response.text
    assert response.json() == {"wave": "W1", "imported": 3, "assigned": 2}
    return world


# -- import -----------------------------------------------------------------------------------------


async def test_import_stores_normalised_phones_and_hashes_dossier_codes(wave: World) -> None:
    rows = await Contact.select(Contact.code, Contact.phone, Contact.dossier_hash, Contact.status).order_by(
        Contact.code
    )
    assert [r["phone"] for r in rows] == [PHONE_1_E164, "+842438251234", "+84987654321"]
    assert all(r["status"] == "pending" for r in rows)
    secret = wave.app.state.services.settings.secret_key
    assert rows[0]["dossier_hash"] == dossier_hash(secret, "000.00.01.H01-261101-0001")
    assert rows[1]["dossier_hash"] is None


async def test_import_tolerates_a_bom_semicolons_and_blank_lines(world: World) -> None:
    await create_open_wave(world)
    text = "\ufeffcode;agency;phone\r\nX1;A1;0912000111\r\n\r\nX2;A2;84912000222\r\n"
    response = await import_csv(world, text)
    assert response.status_code == 201, response.text
    assert response.json()["imported"] == 2
    phones = {r["phone"] for r in await Contact.select(Contact.phone)}
    assert phones == {"+84912000111", "+84912000222"}


@pytest.mark.parametrize(
    ("text", "field", "code"),
    [
        ("code,agency,phone\nC9,A1,12345\n", "rows[0].phone", "invalid"),
        ("code,agency,phone\nC9,A1,\n", "rows[0].phone", "required"),
        ("code,agency,phone\nC9,A1,09123456789012\n", "rows[0].phone", "invalid"),
        ("code,agency,phone\nC9,ZZ,0912345678\n", "rows[0].agency", "unknown"),
        ("code,agency,phone\nC1,A1,0912345678\n", "rows[0].code", "duplicate"),
        ("code,agency,phone\nC9,A1,0912345678\nC9,A1,0912345679\n", "rows[1].code", "duplicate"),
        ("code,agency,phone\nbad code!,A1,0912345678\n", "rows[0].code", "invalid"),
        (
            "code,agency,phone,assigned_to\nC9,A1,0912345678,nobody@example.org\n",
            "rows[0].assigned_to",
            "unknown",
        ),
        (
            "code,agency,phone,assigned_to\nC9,A1,0912345678,agency@example.org\n",
            "rows[0].assigned_to",
            "unknown",
        ),
        ("code,agency,phone,service_point\nC9,A1,0912345678,A2-Q1\n", "rows[0].service_point", "invalid"),
        ("code,agency,phone,service_point\nC9,A1,0912345678,NOPE\n", "rows[0].service_point", "unknown"),
        ("code,agency\nC9,A1\n", "header", "required"),
        ("code,agency,phone,email\nC9,A1,0912345678,x@example.org\n", "header", "unknown_field"),
        ("code,agency,phone\nC9,A1\n", "rows[0]", "malformed"),
        ("code,agency,phone\n", "rows", "required"),
        ("", "header", "required"),
    ],
)
async def test_import_rejects_bad_rows_and_stores_nothing(
    wave: World, text: str, field: str, code: str
) -> None:
    before = await Contact.count()
    response = await import_csv(wave, text)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["type"] == "urn:sipas:problem:validation"
    assert {"field": field, "code": code} in [
        {"field": e["field"], "code": e["code"]} for e in problem["errors"]
    ]
    assert await Contact.count() == before


async def test_import_reports_every_bad_row_and_stores_none_of_the_good_ones(wave: World) -> None:
    before = await Contact.count()
    text = "code,agency,phone\nG1,A1,0912000001\nB1,A1,1\nG2,A2,0912000002\nB2,A3,0912000003\n"
    response = await import_csv(wave, text)
    assert response.status_code == 422
    fields = [e["field"] for e in response.json()["errors"]]
    assert fields == ["rows[1].phone", "rows[3].agency"]
    assert await Contact.count() == before


async def test_import_rejects_an_agency_outside_the_wave(world: World) -> None:
    await create_open_wave(world, "W2", ("A1",))
    response = await import_csv(world, "code,agency,phone\nC1,A2,0912345678\n", wave="W2")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "rows[0].agency"
    assert "not in this wave" in response.json()["errors"][0]["message"]
    assert await Contact.count() == 0


async def test_import_rejects_a_file_that_is_not_utf8(world: World) -> None:
    await create_open_wave(world)
    text = "code,agency,phone\nC1,A1,0912345678\nC2,A1,0912345679,Đà\n".encode("cp1258")
    response = await import_csv(world, text)
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "encoding"
    assert response.json()["errors"][0]["field"] == "rows[1]"
    assert await Contact.count() == 0


async def test_import_never_quotes_a_bad_phone_number_back(wave: World) -> None:
    response = await import_csv(wave, "code,agency,phone\nC9,A1,091234\n")
    assert response.status_code == 422
    assert "091234" not in response.text


async def test_import_wants_csv_and_a_known_open_wave(wave: World) -> None:
    response = await wave.client.post(
        "/api/v1/waves/W1/contacts/import", json={"csv": CSV_OK}, headers=wave.auth("admin")
    )
    assert response.status_code == 415
    assert (await import_csv(wave, CSV_OK, wave="NOPE")).status_code == 404
    await wave.client.post("/api/v1/waves/W1/status", json={"status": "closed"}, headers=wave.auth("admin"))
    assert (await import_csv(wave, "code,agency,phone\nC9,A1,0912345678\n")).status_code == 409


@pytest.mark.parametrize(("role", "status"), [(None, 401), ("agency", 403), ("interviewer", 403)])
async def test_import_is_for_admins_and_statisticians(world: World, role: str | None, status: int) -> None:
    await create_open_wave(world)
    assert (await import_csv(world, CSV_OK, role=role)).status_code == status  # type: ignore[arg-type]
    assert await Contact.count() == 0
    assert (await import_csv(world, CSV_OK, role="statistician")).status_code == 201


async def test_import_is_limited_to_one_mebibyte(wave: World) -> None:
    text = "code,agency,phone\n" + "".join(f"X{i},A1,09120{i:05d}\n" for i in range(60000))
    assert len(text) > 1024 * 1024
    response = await import_csv(wave, text)
    assert response.status_code == 413
    assert await Contact.count() == 3


async def test_the_import_body_is_documented_as_csv(wave: World) -> None:
    schema = (await wave.client.get("/schema/openapi.json")).json()
    operation = schema["paths"]["/api/v1/waves/{wave}/contacts/import"]["post"]
    assert list(operation["requestBody"]["content"]) == ["text/csv"]


async def test_the_audit_log_counts_rows_but_holds_no_phone_numbers(wave: World) -> None:
    entries = await AuditLog.select(AuditLog.action, AuditLog.details).where(
        AuditLog.object_type == "contacts"
    )
    assert entries and entries[0]["action"] == "import"
    assert "912345678" not in str(entries)


# -- assignment and the interviewer's view ------------------------------------------------------------


async def test_interviewer_sees_only_own_contacts_without_phone_numbers(wave: World) -> None:
    listing = await wave.client.get("/api/v1/phone/contacts", headers=wave.auth("interviewer"))
    assert listing.status_code == 200
    assert [c["code"] for c in listing.json()["items"]] == ["C1", "C3"]
    assert listing.json()["total"] == 2
    assert "phone" not in listing.json()["items"][0]
    assert "+84" not in listing.text and "912345678" not in listing.text
    other = await second_interviewer(wave)
    assert (await wave.client.get("/api/v1/phone/contacts", headers=other)).json()["items"] == []
    admin = await wave.client.get("/api/v1/phone/contacts?agency=A2", headers=wave.auth("admin"))
    assert [c["code"] for c in admin.json()["items"]] == ["C2"]
    assert "+84" not in admin.text


async def test_assignment_moves_contacts_between_interviewers(wave: World) -> None:
    other = await second_interviewer(wave)
    body = {"contacts": ["C1", "C2"], "interviewer": "interviewer2@example.org"}
    response = await wave.client.post(
        "/api/v1/waves/W1/contacts/assign", json=body, headers=wave.auth("admin")
    )
    assert response.status_code == 200, response.text
    assert response.json()["assigned"] == 2
    mine = (await wave.client.get("/api/v1/phone/contacts", headers=other)).json()["items"]
    assert [c["code"] for c in mine] == ["C1", "C2"]
    theirs = (await wave.client.get("/api/v1/phone/contacts", headers=wave.auth("interviewer"))).json()
    assert [c["code"] for c in theirs["items"]] == ["C3"]
    body = {"contacts": ["C3"], "interviewer": None}
    response = await wave.client.post(
        "/api/v1/waves/W1/contacts/assign", json=body, headers=wave.auth("statistician")
    )
    assert response.status_code == 200
    assert (await wave.client.get("/api/v1/phone/contacts", headers=wave.auth("interviewer"))).json()[
        "total"
    ] == 0


async def test_assignment_rejects_unknown_contacts_and_non_interviewers(wave: World) -> None:
    body = {"contacts": ["C2", "NOPE"], "interviewer": "interviewer@example.org"}
    response = await wave.client.post(
        "/api/v1/waves/W1/contacts/assign", json=body, headers=wave.auth("admin")
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["contacts[1]"]
    body = {"contacts": ["C2"], "interviewer": "agency@example.org"}
    response = await wave.client.post(
        "/api/v1/waves/W1/contacts/assign", json=body, headers=wave.auth("admin")
    )
    assert [e["field"] for e in response.json()["errors"]] == ["interviewer"]
    assert (await Contact.select(Contact.assigned_to).where(Contact.code == "C2").first())[
        "assigned_to"
    ] is None
    response = await wave.client.post(
        "/api/v1/waves/W1/contacts/assign", json={**body, "extra": 1}, headers=wave.auth("admin")
    )
    assert response.status_code == 422
    response = await wave.client.post(
        "/api/v1/waves/W1/contacts/assign", json=body, headers=wave.auth("interviewer")
    )
    assert response.status_code == 403


async def test_only_the_assigned_interviewer_sees_the_phone_number(wave: World) -> None:
    mine = await wave.client.get("/api/v1/phone/contacts/W1/C1", headers=wave.auth("interviewer"))
    assert mine.status_code == 200
    assert mine.json()["phone"] == PHONE_1_E164
    assert mine.json()["history"] == []
    admin = await wave.client.get("/api/v1/phone/contacts/W1/C1", headers=wave.auth("admin"))
    assert admin.status_code == 200 and admin.json()["phone"] is None
    unassigned = await wave.client.get("/api/v1/phone/contacts/W1/C2", headers=wave.auth("interviewer"))
    assert unassigned.status_code == 404
    other = await second_interviewer(wave)
    assert (await wave.client.get("/api/v1/phone/contacts/W1/C1", headers=other)).status_code == 404
    agency = await wave.client.get("/api/v1/phone/contacts/W1/C1", headers=wave.auth("agency"))
    assert agency.status_code == 403
    assert (await wave.client.get("/api/v1/phone/contacts/W1/C1")).status_code == 401
    assert (await wave.client.get("/api/v1/phone/contacts", headers=wave.auth("agency"))).status_code == 403
    assert (await wave.client.get("/api/v1/phone/contacts")).status_code == 401


# -- call attempts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("disposition", "outcome"),
    [
        ("1.2", "partial"),
        ("2.11", "refusal"),
        ("2.12", "refusal"),
        ("2.21", "non_contact"),
        ("2.22", "non_contact"),
        ("3.13", "non_contact"),
        ("2.33", "other"),
        ("3.11", "unknown"),
        ("4.30", "ineligible"),
    ],
)
async def test_an_attempt_sets_the_outcome_as_status(wave: World, disposition: str, outcome: str) -> None:
    response = await attempt(wave, "C1", {"disposition": disposition, "note": "gọi lúc 9 giờ"})
    assert response.status_code == 201, response.text
    assert response.json()["status"] == outcome
    assert response.json()["attempts"] == 1
    assert response.json()["callback_at"] is None
    stored = await CallAttempt.select().first()
    assert (stored["disposition"], stored["outcome"], stored["note"]) == (
        disposition,
        outcome,
        "gọi lúc 9 giờ",
    )


async def test_a_callback_needs_a_future_time_and_records_it(wave: World) -> None:
    response = await attempt(wave, "C1", {"disposition": "2.211"})
    assert response.status_code == 422
    assert response.json()["errors"][0] == {
        "field": "callback_at",
        "message": "required for a callback (2.211)",
        "code": "required",
    }
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    assert (await attempt(wave, "C1", {"disposition": "2.211", "callback_at": past})).status_code == 422
    naive = (datetime.now() + timedelta(days=1)).replace(tzinfo=None).isoformat()
    assert (await attempt(wave, "C1", {"disposition": "2.211", "callback_at": naive})).status_code == 422
    later = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    response = await attempt(wave, "C1", {"disposition": "2.211", "callback_at": later.isoformat()})
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "callback"
    assert datetime.fromisoformat(response.json()["callback_at"]) == later
    response = await attempt(wave, "C1", {"disposition": "3.13", "callback_at": later.isoformat()})
    assert response.status_code == 422  # a time only goes with an appointment
    response = await attempt(wave, "C1", {"disposition": "3.13"})
    assert (response.json()["status"], response.json()["attempts"], response.json()["callback_at"]) == (
        "non_contact",
        2,
        None,
    )
    detail = await wave.client.get("/api/v1/phone/contacts/W1/C1", headers=wave.auth("interviewer"))
    assert [h["disposition"] for h in detail.json()["history"]] == ["2.211", "3.13"]
    assert detail.json()["history"][0]["interviewer"] == "interviewer@example.org"


async def test_attempts_reject_bad_bodies(wave: World) -> None:
    assert (await attempt(wave, "C1", {"disposition": "9.9"})).status_code == 422
    response = await attempt(wave, "C1", {"disposition": "1.1"})
    assert response.status_code == 422 and response.json()["errors"][0]["code"] == "use_submission"
    assert (await attempt(wave, "C1", {"disposition": "2.11", "note": "x" * 501})).status_code == 422
    assert (await attempt(wave, "C1", {"disposition": "2.11", "extra": True})).status_code == 422
    assert await CallAttempt.count() == 0


async def test_attempts_are_for_the_assigned_interviewer_only(wave: World) -> None:
    assert (await attempt(wave, "C2", {"disposition": "2.11"})).status_code == 404
    assert (await attempt(wave, "C1", {"disposition": "2.11"}, role="admin")).status_code == 403
    assert (await attempt(wave, "C1", {"disposition": "2.11"}, role="agency")).status_code == 403
    response = await wave.client.post("/api/v1/phone/contacts/W1/C1/attempts", json={"disposition": "2.11"})
    assert response.status_code == 401
    assert await CallAttempt.count() == 0


async def test_no_attempts_after_ineligible_or_once_the_wave_is_closed(wave: World) -> None:
    assert (await attempt(wave, "C1", {"disposition": "4.30"})).status_code == 201
    assert (await attempt(wave, "C1", {"disposition": "2.11"})).status_code == 409
    await wave.client.post("/api/v1/waves/W1/status", json={"status": "closed"}, headers=wave.auth("admin"))
    assert (await attempt(wave, "C3", {"disposition": "2.11"})).status_code == 409
    listing = await wave.client.get("/api/v1/phone/contacts", headers=wave.auth("interviewer"))
    assert listing.json()["total"] == 0  # closed waves leave the interviewer's list


async def test_mark_complete_links_the_submission_once(wave: World) -> None:
    row = await Contact.select(Contact.id).where(Contact.code == "C1").first()
    phone = PhoneService()
    client_id = "7d2f1c1e-0000-4000-8000-000000000001"
    user = wave.user_ids["interviewer"]
    result = await phone.mark_complete(row["id"], client_id, user)
    assert result.status == "complete"
    assert await phone.mark_complete(row["id"], client_id, user) == result  # a retried submission
    stored = (
        await Contact.select(Contact.status, Contact.attempts, Contact.submission_client_id)
        .where(Contact.id == row["id"])
        .first()
    )
    assert stored == {"status": "complete", "attempts": 1, "submission_client_id": client_id}
    assert (await CallAttempt.select(CallAttempt.disposition).first())["disposition"] == "1.1"
    assert (await attempt(wave, "C1", {"disposition": "2.11"})).status_code == 409


async def test_mark_complete_refuses_other_interviewers_closed_waves_and_second_submissions(
    wave: World,
) -> None:
    ids = {r["code"]: r["id"] for r in await Contact.select(Contact.id, Contact.code)}
    phone, user = PhoneService(), wave.user_ids["interviewer"]
    with pytest.raises(NotFound):
        await phone.mark_complete(ids["C2"], "00000000-0000-4000-8000-000000000002", user)  # not assigned
    await phone.mark_complete(ids["C1"], "00000000-0000-4000-8000-000000000001", user)
    with pytest.raises(Conflict):
        await phone.mark_complete(ids["C1"], "00000000-0000-4000-8000-000000000003", user)
    await wave.client.post("/api/v1/waves/W1/status", json={"status": "closed"}, headers=wave.auth("admin"))
    with pytest.raises(Conflict):
        await phone.mark_complete(ids["C3"], "00000000-0000-4000-8000-000000000004", user)
    assert await Contact.count().where(Contact.status == "complete") == 1


# -- purge and summary ------------------------------------------------------------------------------


async def test_purge_empties_every_phone_of_the_wave(wave: World) -> None:
    await create_open_wave(wave, "W2", ("A1",))
    assert (await import_csv(wave, "code,agency,phone\nC1,A1,0912345678\n", wave="W2")).status_code == 201
    assert (
        await wave.client.post("/api/v1/waves/W1/contacts/purge", headers=wave.auth("statistician"))
    ).status_code == 403
    response = await wave.client.post("/api/v1/waves/W1/contacts/purge", headers=wave.auth("admin"))
    assert response.status_code == 200
    assert response.json() == {"wave": "W1", "purged": 3}
    w1 = (await Wave.select(Wave.id).where(Wave.code == "W1").first())["id"]
    assert await Contact.count().where((Contact.wave == w1) & Contact.phone.is_not_null()) == 0
    assert await Contact.count().where(Contact.phone.is_not_null()) == 1  # W2 untouched
    assert await PhoneService().purge_phones(w1) == 0
    detail = await wave.client.get("/api/v1/phone/contacts/W1/C1", headers=wave.auth("interviewer"))
    assert detail.json()["phone"] is None


async def test_summary_counts_per_status_and_agency(wave: World) -> None:
    await attempt(wave, "C1", {"disposition": "2.11"})
    response = await wave.client.get("/api/v1/waves/W1/contacts/summary", headers=wave.auth("statistician"))
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 3
    assert body["by_status"]["pending"] == 2 and body["by_status"]["refusal"] == 1
    assert [(a["agency"], a["total"]) for a in body["agencies"]] == [("A1", 2), ("A2", 1)]
    agency = await wave.client.get("/api/v1/waves/W1/contacts/summary", headers=wave.auth("agency"))
    assert [a["agency"] for a in agency.json()["agencies"]] == ["A1"]
    assert agency.json()["total"] == 2
    assert "+84" not in response.text
    interviewer = await wave.client.get("/api/v1/waves/W1/contacts/summary", headers=wave.auth("interviewer"))
    assert interviewer.status_code == 403


async def test_summary_of_a_wave_without_the_agency_is_not_found(world: World) -> None:
    await create_open_wave(world, "W2", ("A2",))
    response = await world.client.get("/api/v1/waves/W2/contacts/summary", headers=world.auth("agency"))
    assert response.status_code == 404


# -- no phone numbers in logs ----------------------------------------------------------------------


async def test_phone_numbers_never_reach_the_logs(world: World, caplog: pytest.LogCaptureFixture) -> None:
    await create_open_wave(world)
    caplog.set_level(logging.DEBUG)
    assert (await import_csv(world, CSV_OK)).status_code == 201
    assert (await import_csv(world, "code,agency,phone\nC9,A9,0912345678\n")).status_code == 422
    await world.client.get("/api/v1/phone/contacts", headers=world.auth("interviewer"))
    await world.client.get("/api/v1/phone/contacts/W1/C1", headers=world.auth("interviewer"))
    assert (await attempt(world, "C1", {"disposition": "2.22"})).status_code == 201
    await world.client.post("/api/v1/waves/W1/contacts/purge", headers=world.auth("admin"))
    assert caplog.records, "the capture saw nothing: the check would be vacuous"
    for record in caplog.records:
        text = record.getMessage() + repr(record.args)
        for fragment in ("912345678", "38251234", "987654321", "0912 345", "H01-261101"):
            assert fragment not in text, f"{record.name} logged personal data"
