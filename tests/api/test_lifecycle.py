"""Questionnaires (publish freezes versions), waves (draft → open → closed), forms, pagination, audit."""

from __future__ import annotations

from survey_engine.tables import QuestionnaireVersion
from tests.api.conftest import World, create_open_wave


async def test_publishing_freezes_versions(world: World) -> None:
    headers = world.auth("statistician")
    created = await world.client.post(
        "/api/v1/questionnaires", json={"template": "sipas-2017"}, headers=headers
    )
    assert created.status_code == 201
    draft = created.json()["draft"]
    assert created.json()["versions"] == []
    v1 = await world.client.post("/api/v1/questionnaires/sipas-2017/publish", headers=headers)
    assert v1.status_code == 200 and v1.json()["version"] == 1 and v1.json()["label"] == "sipas-2017@1"
    again = await world.client.post("/api/v1/questionnaires/sipas-2017/publish", headers=headers)
    assert again.json()["version"] == 1  # an unchanged draft does not make a new version
    draft["title"]["en"] = "Changed title"
    put = await world.client.put(
        "/api/v1/questionnaires/sipas-2017/draft", json={"definition": draft}, headers=headers
    )
    assert put.status_code == 200
    v2 = await world.client.post("/api/v1/questionnaires/sipas-2017/publish", headers=headers)
    assert v2.json()["version"] == 2
    first = (await world.client.get("/api/v1/questionnaires/sipas-2017/versions/1", headers=headers)).json()
    assert first["definition"]["title"]["en"] != "Changed title"
    assert first["checksum"] != v2.json()["checksum"]
    assert await QuestionnaireVersion.count() == 2
    # published questionnaires cannot be deleted
    assert (
        await world.client.delete("/api/v1/questionnaires/sipas-2017", headers=headers)
    ).status_code == 409


async def test_invalid_definition_lists_problems_with_paths(world: World) -> None:
    headers = world.auth("admin")
    template = (
        await world.client.post("/api/v1/questionnaires", json={"template": "counter-3"}, headers=headers)
    ).json()
    broken = template["draft"]
    broken["items"].append(dict(broken["items"][0]))  # duplicate item code
    response = await world.client.put(
        "/api/v1/questionnaires/counter-3/draft", json={"definition": broken}, headers=headers
    )
    assert response.status_code == 422
    assert any(e["field"].startswith("definition.items") for e in response.json()["errors"])
    both = await world.client.post(
        "/api/v1/questionnaires", json={"template": "counter-3", "definition": broken}, headers=headers
    )
    assert both.status_code == 422
    unknown = await world.client.post("/api/v1/questionnaires", json={"template": "nope"}, headers=headers)
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "template"


async def test_wave_status_moves_forward_only(world: World) -> None:
    wave = await create_open_wave(world)
    headers = world.auth("statistician")
    assert wave["status"] == "open" and wave["agencies"] == ["A1", "A2"]
    locked = await world.client.patch("/api/v1/waves/W1", json={"channels": ["phone"]}, headers=headers)
    assert locked.status_code == 409
    renamed = await world.client.patch("/api/v1/waves/W1", json={"name_en": "First wave"}, headers=headers)
    assert renamed.status_code == 200 and renamed.json()["name_en"] == "First wave"
    closed = await world.client.post("/api/v1/waves/W1/status", json={"status": "closed"}, headers=headers)
    assert closed.json()["status"] == "closed"
    back = await world.client.post("/api/v1/waves/W1/status", json={"status": "open"}, headers=headers)
    assert back.status_code == 409
    assert (await world.client.delete("/api/v1/waves/W1", headers=headers)).status_code == 409


async def test_wave_validation(world: World) -> None:
    await create_open_wave(world)
    headers = world.auth("admin")
    body = {
        "code": "W9",
        "name_vi": "Đợt",
        "name_en": "Wave",
        "questionnaire": "counter-3",
        "questionnaire_version": 7,
        "period_start": "2026-12-31",
        "period_end": "2026-01-01",
        "channels": ["online"],
        "agencies": ["A1", "ZZ"],
        "service_points": ["A2-Q1"],
    }
    response = await world.client.post("/api/v1/waves", json=body, headers=headers)
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"questionnaire_version", "period_end", "agencies", "service_points"} <= fields
    assert (await world.client.get("/api/v1/waves/W9", headers=headers)).status_code == 404


async def test_a_draft_wave_may_start_without_members(world: World) -> None:
    await create_open_wave(world)  # publishes counter-3
    body = {
        "code": "W0",
        "name_vi": "Đợt trống",
        "name_en": "Empty wave",
        "questionnaire": "counter-3",
        "questionnaire_version": 1,
        "period_start": "2026-01-01",
        "period_end": "2026-12-31",
        "channels": ["online"],
        "agencies": [],
        "service_points": [],
    }
    response = await world.client.post("/api/v1/waves", json=body, headers=world.auth("admin"))
    assert response.status_code == 201, response.text  # was a 500 on PostgreSQL (a NUL placeholder)
    assert response.json()["agencies"] == [] and response.json()["service_points"] == []


async def test_form_for_token_follows_the_open_wave(world: World) -> None:
    point = (await world.client.get("/api/v1/service-points/A1-Q1", headers=world.auth("admin"))).json()
    token = point["token"]
    assert point["online_url"] == f"http://testserver/f/{token}"
    assert (await world.client.get(f"/api/v1/forms/{token}")).status_code == 404  # no wave yet
    await create_open_wave(world)
    form = await world.client.get(f"/api/v1/forms/{token}")
    assert form.status_code == 200
    body = form.json()
    assert body["agency"] == "A1" and body["wave"] == "W1" and body["version"] == "counter-3@1"
    assert body["definition"]["items"][0]["code"] == "RATING"
    rotated = await world.client.post(
        "/api/v1/service-points/A1-Q1/rotate-token", headers=world.auth("admin")
    )
    new_token = rotated.json()["token"]
    assert new_token != token and len(new_token) >= 22
    assert (await world.client.get(f"/api/v1/forms/{token}")).status_code == 404
    assert (await world.client.get(f"/api/v1/forms/{new_token}")).status_code == 200
    await world.client.post("/api/v1/waves/W1/status", json={"status": "closed"}, headers=world.auth("admin"))
    assert (await world.client.get(f"/api/v1/forms/{new_token}")).status_code == 409


async def test_pagination_and_search(world: World) -> None:
    headers = world.auth("admin")
    for i in range(7):
        body = {"code": f"X{i}", "name_vi": f"Xã số {i}", "name_en": f"Commune {i}", "level": "commune"}
        assert (await world.client.post("/api/v1/agencies", json=body, headers=headers)).status_code == 201
    page = (await world.client.get("/api/v1/agencies?limit=4&offset=0", headers=headers)).json()
    assert page["total"] == 9 and len(page["items"]) == 4 and page["limit"] == 4
    rest = (await world.client.get("/api/v1/agencies?limit=4&offset=8", headers=headers)).json()
    assert [a["code"] for a in rest["items"]] == ["X6"]
    found = (await world.client.get("/api/v1/agencies?q=Xã số 3", headers=headers)).json()
    assert [a["code"] for a in found["items"]] == ["X3"]


async def test_agency_crud_and_audit(world: World) -> None:
    headers = world.auth("admin")
    body = {
        "code": "C1",
        "name_vi": "UBND xã Tân Phú",
        "name_en": "Tan Phu",
        "level": "commune",
        "parent": "A1",
    }
    created = await world.client.post("/api/v1/agencies", json=body, headers=headers)
    assert created.status_code == 201 and created.json()["parent"] == "A1"
    patched = await world.client.patch(
        "/api/v1/agencies/C1", json={"name_en": "Tan Phu Commune"}, headers=headers
    )
    assert patched.json()["name_en"] == "Tan Phu Commune" and patched.json()["name_vi"] == "UBND xã Tân Phú"
    self_parent = await world.client.patch("/api/v1/agencies/C1", json={"parent": "C1"}, headers=headers)
    assert self_parent.status_code == 422
    in_use = await world.client.delete("/api/v1/agencies/A1", headers=headers)
    assert in_use.status_code == 409
    assert (await world.client.delete("/api/v1/agencies/C1", headers=headers)).status_code == 204
    log = (await world.client.get("/api/v1/audit-log?object_type=agency", headers=headers)).json()
    actions = [(e["action"], e["object_key"]) for e in log["items"]]
    assert ("delete", "C1") in actions and ("update", "C1") in actions and ("create", "C1") in actions
    assert all("password" not in str(e["details"]) for e in log["items"])


async def test_admin_units_are_versioned(world: World) -> None:
    from datetime import date

    from survey_engine.tables import AdminUnit

    await AdminUnit.insert(
        AdminUnit(
            code="HY",
            unit_version="2020-01",
            name_vi="Tỉnh Hưng Yên",
            name_en="Hung Yen",
            level="province",
            valid_from=date(2020, 1, 1),
            valid_to=date(2025, 6, 30),
        ),
        AdminUnit(
            code="HY",
            unit_version="2025-07",
            name_vi="Tỉnh Hưng Yên",
            name_en="Hung Yen",
            level="province",
            valid_from=date(2025, 7, 1),
            valid_to=None,
        ),
    )
    both = (await world.client.get("/api/v1/admin-units", headers=world.auth("agency"))).json()
    assert [(u["code"], u["unit_version"]) for u in both["items"]] == [("HY", "2020-01"), ("HY", "2025-07")]
    current = (
        await world.client.get("/api/v1/admin-units?version=2025-07", headers=world.auth("agency"))
    ).json()
    assert current["total"] == 1 and current["items"][0]["valid_to"] is None
    assert (
        await world.client.get("/api/v1/admin-units", headers=world.auth("interviewer"))
    ).status_code == 403


async def test_settings_the_platform_reads_are_checked(world: World) -> None:
    await create_open_wave(world)
    headers = world.auth("admin")
    for settings in ({"sampling_plan": 1}, {"kiosk_idle": "forever"}):
        response = await world.client.patch("/api/v1/waves/W1", json={"settings": settings}, headers=headers)
        assert response.status_code == 422, settings
        assert response.json()["errors"][0]["field"] == "settings"
    plan = {"n": 10, "strata": ["agency"], "allocation": "proportional"}
    from survey_engine.tables import Wave

    await Wave.update({Wave.settings: {"kiosk_idle": "discard", "sampling_plan": plan}}).where(
        Wave.code == "W1"
    )
    # sending back what was read keeps the saved plan; leaving it out keeps it too
    for settings in ({"kiosk_idle": "keep", "sampling_plan": plan}, {"kiosk_idle": "keep", "note": "x"}):
        response = await world.client.patch("/api/v1/waves/W1", json={"settings": settings}, headers=headers)
        assert response.status_code == 200, response.text
        assert response.json()["settings"]["sampling_plan"] == plan
    changed = {"kiosk_idle": "keep", "sampling_plan": {**plan, "n": 11}}
    response = await world.client.patch("/api/v1/waves/W1", json={"settings": changed}, headers=headers)
    assert response.status_code == 422
