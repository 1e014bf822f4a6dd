"""Provinces as tenants: a province account sees its own province only (another province's objects answer
404, as if absent, through every resource family); the ministry reads every province and writes nothing
(403); the deployment's administrator sees both. Mirrors tests/api/test_agency_scope.py.

Province A is the world's single-province tenant ("default", made when its first agency was created: the
path of a deployment that had one province before tenancy); province B ("P2") is added by the national
administrator with its own agency, point, wave, accounts, kiosk, webhook and API key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from survey_engine.actors import SYSTEM
from survey_engine.tables import Questionnaire
from tests.api.conftest import PASSWORD, World, create_open_wave
from tests.support.console import Console


@dataclass
class Tenants:
    world: World
    ids: dict[str, int]  # e-mail's role key → user id
    b_kiosk: int
    b_webhook: int
    b_key: int

    def auth(self, who: str) -> dict[str, str]:
        return self.world.auth(who)


async def _account(world: World, key: str, role: str, agency: str | None, province: str | None) -> int:
    email = f"{key}@example.org"
    user = await world.app.state.services.staff.create_user(
        SYSTEM, email, PASSWORD, role, agency, province_code=province
    )
    response = await world.client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    world.tokens[key] = response.json()["token"]
    world.client.cookies.clear()
    return int(user.id)


async def _ok(response: Any, status: int = 201) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return dict(response.json())


@pytest.fixture
async def tenants(world: World) -> Tenants:
    await create_open_wave(world, "WA", ("A1", "A2"))  # province A's wave, made before B existed
    admin = world.auth("admin")
    client = world.client
    await _ok(
        await client.post(
            "/api/v1/provinces",
            json={"code": "P2", "name_vi": "Tỉnh Hai", "name_en": "Province Two"},
            headers=admin,
        )
    )
    await _ok(
        await client.post(
            "/api/v1/agencies",
            json={
                "code": "B1",
                "name_vi": "Sở B",
                "name_en": "Dept B",
                "level": "province",
                "province": "P2",
            },
            headers=admin,
        )
    )
    await _ok(
        await client.post(
            "/api/v1/service-points",
            json={
                "code": "B1-Q1",
                "agency": "B1",
                "name_vi": "Quầy",
                "name_en": "Counter",
                "kind": "counter",
            },
            headers=admin,
        )
    )
    wave = {
        "code": "WB",
        "name_vi": "Đợt B",
        "name_en": "Wave B",
        "questionnaire": "counter-3",
        "questionnaire_version": 1,
        "period_start": "2026-01-01",
        "period_end": "2026-12-31",
        "channels": ["online", "kiosk"],
        "agencies": ["B1"],
        "service_points": ["B1-Q1"],
        "province": "P2",
    }
    await _ok(await client.post("/api/v1/waves", json=wave, headers=admin))
    await _ok(await client.post("/api/v1/waves/WB/status", json={"status": "open"}, headers=admin), 200)
    ids = {
        "admin_a": await _account(world, "admin_a", "admin", None, "default"),
        "admin_b": await _account(world, "admin_b", "admin", None, "P2"),
        "stat_b": await _account(world, "stat_b", "statistician", None, "P2"),
        "agency_b": await _account(world, "agency_b", "agency", "B1", None),  # its agency's province
        "ministry": await _account(world, "ministry", "ministry", None, None),
    }
    kiosk = await _ok(
        await client.post(
            "/api/v1/kiosk-devices", json={"service_point": "B1-Q1", "name": "Tab"}, headers=admin
        )
    )
    hook = await _ok(
        await client.post(
            "/api/v1/webhooks",
            json={"agency": "B1", "url": "https://hooks.example.org/b", "events": ["comment"]},
            headers=admin,
        )
    )
    key = await _ok(
        await client.post(
            "/api/v1/api-keys",
            json={"name": "Một cửa B", "province": True, "province_code": "P2"},
            headers=admin,
        )
    )
    return Tenants(world, ids, int(kiosk["device"]["id"]), int(hook["webhook"]["id"]), int(key["id"]))


# (method, path, body, roles of province A admitted by the route's guard: each must get 404)
B_OBJECTS: list[tuple[str, str, dict[str, Any] | None, tuple[str, ...]]] = [
    ("GET", "/api/v1/agencies/B1", None, ("admin_a", "statistician", "agency")),
    ("PATCH", "/api/v1/agencies/B1", {"name_en": "x"}, ("admin_a",)),
    ("GET", "/api/v1/service-points/B1-Q1", None, ("admin_a", "statistician", "agency")),
    ("PATCH", "/api/v1/service-points/B1-Q1", {"name_en": "x"}, ("admin_a", "agency")),
    ("POST", "/api/v1/service-points/B1-Q1/rotate-token", None, ("admin_a", "agency")),
    ("GET", "/api/v1/service-points/B1-Q1/qr.png", None, ("admin_a", "statistician", "agency")),
    ("GET", "/api/v1/waves/WB", None, ("admin_a", "statistician", "agency")),
    ("PATCH", "/api/v1/waves/WB", {"name_en": "x"}, ("admin_a", "statistician")),
    ("POST", "/api/v1/waves/WB/status", {"status": "closed"}, ("admin_a", "statistician")),
    ("GET", "/api/v1/waves/WB/estimates", None, ("admin_a", "statistician")),
    ("GET", "/api/v1/waves/WB/province-summary.pdf", None, ("admin_a", "statistician")),
    ("GET", "/api/v1/waves/WB/frame", None, ("admin_a", "statistician")),
    ("GET", "/api/v1/waves/WB/sample", None, ("admin_a", "statistician")),
    ("GET", "/api/v1/waves/WB/fieldwork", None, ("admin_a", "statistician")),
    ("GET", "/api/v1/waves/WB/weights", None, ("admin_a", "statistician")),
    ("GET", "/api/v1/waves/WB/contacts/summary", None, ("admin_a", "statistician")),
    ("GET", "/api/v1/waves/WB/releases", None, ("admin_a", "statistician")),
    ("POST", "/api/v1/waves/WB/releases", {}, ("admin_a", "statistician")),
    ("GET", "/api/v1/provinces/P2", None, ("admin_a", "statistician", "agency")),
    ("GET", "/api/v1/webhooks/{hook}", None, ("admin_a", "agency")),
    ("PATCH", "/api/v1/webhooks/{hook}", {"active": False}, ("admin_a", "agency")),
    ("POST", "/api/v1/kiosk-devices/{kiosk}/revoke", None, ("admin_a", "agency")),
    ("POST", "/api/v1/api-keys/{key}/revoke", None, ("admin_a",)),
    ("GET", "/api/v1/users/{admin_b}", None, ("admin_a",)),
    ("PATCH", "/api/v1/users/{admin_b}", {"display_name": "x"}, ("admin_a",)),
]
CASES = [(method, path, body, who) for method, path, body, roles in B_OBJECTS for who in roles]


def _path(tenants: Tenants, path: str) -> str:
    return path.format(
        hook=tenants.b_webhook, kiosk=tenants.b_kiosk, key=tenants.b_key, admin_b=tenants.ids["admin_b"]
    )


@pytest.mark.parametrize(
    ("method", "path", "body", "who"), CASES, ids=[f"{c[3]}-{c[0]}-{c[1]}" for c in CASES]
)
async def test_province_a_cannot_reach_province_b_objects(
    tenants: Tenants, method: str, path: str, body: dict[str, Any] | None, who: str
) -> None:
    kwargs = {"json": body} if body is not None else {}
    response = await tenants.world.client.request(
        method, _path(tenants, path), headers=tenants.auth(who), **kwargs
    )
    assert response.status_code == 404, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


LISTS = [
    ("/api/v1/agencies", "code", {"A1", "A2"}, {"B1"}),
    ("/api/v1/service-points", "code", {"A1-Q1", "A2-Q1"}, {"B1-Q1"}),
    ("/api/v1/waves", "code", {"WA"}, {"WB"}),
    ("/api/v1/provinces", "code", {"default"}, {"P2"}),
]


@pytest.mark.parametrize(("path", "field", "own", "other"), LISTS, ids=[row[0] for row in LISTS])
async def test_lists_show_ones_own_province_and_every_province_to_national_accounts(
    tenants: Tenants, path: str, field: str, own: set[str], other: set[str]
) -> None:
    for who in ("admin_a", "statistician"):
        listed = (await tenants.world.client.get(path, headers=tenants.auth(who))).json()
        codes = {item[field] for item in listed["items"]}
        assert codes == own and listed["total"] == len(own), (who, codes)
    for who in ("admin", "ministry"):
        listed = (await tenants.world.client.get(path, headers=tenants.auth(who))).json()
        assert {item[field] for item in listed["items"]} == own | other, who
    only_b = (
        await tenants.world.client.get(path, params={"province": "P2"}, headers=tenants.auth("admin"))
    ).json()
    if path != "/api/v1/provinces":
        assert {item[field] for item in only_b["items"]} == other


async def test_province_lists_of_accounts_kiosks_webhooks_and_keys(tenants: Tenants) -> None:
    client = tenants.world.client
    users = (await client.get("/api/v1/users", headers=tenants.auth("admin_b"))).json()
    assert {u["email"].split("@")[0] for u in users["items"]} == {"admin_b", "stat_b", "agency_b"}
    assert {u["province"] for u in users["items"]} == {"P2"}
    everyone = (
        await client.get("/api/v1/users", params={"limit": 100}, headers=tenants.auth("admin"))
    ).json()
    by_email = {u["email"].split("@")[0]: u["province"] for u in everyone["items"]}
    assert by_email["admin"] is None and by_email["ministry"] is None  # national accounts
    assert by_email["statistician"] == "default" and by_email["agency_b"] == "P2"
    for who, count in (("admin_a", 0), ("admin_b", 1), ("admin", 1)):
        kiosks = (await client.get("/api/v1/kiosk-devices", headers=tenants.auth(who))).json()
        assert kiosks["total"] == count, who
        hooks = (await client.get("/api/v1/webhooks", headers=tenants.auth(who))).json()
        assert hooks["total"] == count, who
        keys = (await client.get("/api/v1/api-keys", headers=tenants.auth(who))).json()
        assert [k["province"] for k in keys] == ["P2"] * count, who
    summary = await client.get("/api/v1/waves/WB", headers=tenants.auth("stat_b"))
    assert summary.status_code == 200 and summary.json()["province"] == "P2"
    assert (await client.get("/api/v1/waves/WA", headers=tenants.auth("stat_b"))).status_code == 404
    assert (await client.get("/api/v1/audit-log", headers=tenants.auth("admin_b"))).status_code == 403


async def test_new_objects_go_to_the_right_province(tenants: Tenants) -> None:
    client = tenants.world.client
    body = {"code": "B2", "name_vi": "Sở B2", "name_en": "Dept B2", "level": "province"}
    own = await client.post("/api/v1/agencies", json=body, headers=tenants.auth("admin_b"))
    assert own.status_code == 201 and own.json()["province"] == "P2"
    other = await client.post(
        "/api/v1/agencies",
        json={**body, "code": "B3", "province": "default"},
        headers=tenants.auth("admin_b"),
    )
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "province"
    unnamed = await client.post(
        "/api/v1/agencies", json={**body, "code": "B4"}, headers=tenants.auth("admin")
    )
    assert unnamed.status_code == 422 and unnamed.json()["errors"][0]["field"] == "province"
    unknown = await client.post(
        "/api/v1/agencies", json={**body, "code": "B5", "province": "NOPE"}, headers=tenants.auth("admin")
    )
    assert unknown.status_code == 422
    # a wave's agencies are of its province
    wave = {
        "code": "WX",
        "name_vi": "x",
        "name_en": "x",
        "questionnaire": "counter-3",
        "questionnaire_version": 1,
        "period_start": "2026-01-01",
        "period_end": "2026-12-31",
        "channels": ["online"],
        "agencies": ["A1", "B1"],
        "province": "P2",
    }
    mixed = await client.post("/api/v1/waves", json=wave, headers=tenants.auth("admin"))
    assert mixed.status_code == 422 and mixed.json()["errors"][0]["field"] == "agencies"
    # province B's statistician names no province; A1 is unknown to it
    own_wave = await client.post(
        "/api/v1/waves", json={**wave, "agencies": ["B1"], "province": None}, headers=tenants.auth("stat_b")
    )
    assert own_wave.status_code == 201 and own_wave.json()["province"] == "P2"


async def test_accounts_roles_and_provinces(tenants: Tenants) -> None:
    client = tenants.world.client
    account = {"email": "x@example.org", "password": PASSWORD, "role": "statistician"}
    made = await client.post("/api/v1/users", json=account, headers=tenants.auth("admin_b"))
    assert made.status_code == 201 and made.json()["province"] == "P2"
    cases = [
        ("admin", {**account, "email": "y@example.org"}, 422, "province"),  # two provinces: name one
        (
            "admin",
            {**account, "email": "m@example.org", "role": "ministry", "province": "P2"},
            422,
            "province",
        ),
        ("admin_b", {**account, "email": "z@example.org", "province": "default"}, 422, "province"),
        ("admin_b", {**account, "email": "a@example.org", "role": "agency", "agency": "A1"}, 422, "agency"),
        (
            "admin",
            {**account, "email": "b@example.org", "role": "agency", "agency": "A1", "province": "P2"},
            422,
            "agency",
        ),
    ]
    for who, body, status, field in cases:
        response = await client.post("/api/v1/users", json=body, headers=tenants.auth(who))
        assert response.status_code == status, (body, response.text)
        assert response.json()["errors"][0]["field"] == field
    ministry = {**account, "email": "m2@example.org", "role": "ministry"}
    assert (
        await client.post("/api/v1/users", json=ministry, headers=tenants.auth("admin_b"))
    ).status_code == 403
    national = await client.post("/api/v1/users", json=ministry, headers=tenants.auth("admin"))
    assert national.status_code == 201 and national.json()["province"] is None
    moved = await client.patch(
        f"/api/v1/users/{tenants.ids['stat_b']}", json={"province": "default"}, headers=tenants.auth("admin")
    )
    assert moved.status_code == 200 and moved.json()["province"] == "default"
    provinces = await client.post(
        "/api/v1/provinces",
        json={"code": "P3", "name_vi": "x", "name_en": "x"},
        headers=tenants.auth("admin_b"),
    )
    assert provinces.status_code == 403
    renamed = await client.patch(
        "/api/v1/provinces/P2", json={"name_en": "Two"}, headers=tenants.auth("admin")
    )
    assert renamed.status_code == 200 and renamed.json()["name_en"] == "Two"
    assert renamed.json()["agencies"] == 1 and renamed.json()["waves"] == 1


MINISTRY_WRITES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("POST", "/api/v1/agencies", {"code": "M1", "name_vi": "x", "name_en": "x", "level": "province"}),
    ("PATCH", "/api/v1/agencies/B1", {"name_en": "x"}),
    ("POST", "/api/v1/service-points/A1-Q1/rotate-token", None),
    ("POST", "/api/v1/waves/WA/status", {"status": "closed"}),
    ("PATCH", "/api/v1/waves/WB", {"name_en": "x"}),
    ("POST", "/api/v1/waves/WB/releases", {}),
    ("POST", "/api/v1/users", {"email": "q@example.org", "password": PASSWORD, "role": "admin"}),
    ("POST", "/api/v1/provinces", {"code": "P9", "name_vi": "x", "name_en": "x"}),
    ("POST", "/api/v1/api-keys", {"name": "x", "province": True}),
    ("POST", "/api/v1/kiosk-devices", {"service_point": "B1-Q1", "name": "x"}),
    ("POST", "/api/v1/questionnaires", {"template": "counter-3"}),
]


@pytest.mark.parametrize(
    ("method", "path", "body"), MINISTRY_WRITES, ids=[f"{m} {p}" for m, p, _ in MINISTRY_WRITES]
)
async def test_the_ministry_writes_nothing(
    tenants: Tenants, method: str, path: str, body: dict[str, Any] | None
) -> None:
    kwargs = {"json": body} if body is not None else {}
    response = await tenants.world.client.request(method, path, headers=tenants.auth("ministry"), **kwargs)
    assert response.status_code == 403, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_the_ministry_reads_every_province(tenants: Tenants) -> None:
    client = tenants.world.client
    for path in (
        "/api/v1/waves/WA",
        "/api/v1/waves/WB",
        "/api/v1/agencies/B1",
        "/api/v1/waves/WB/estimates",
        "/api/v1/waves/WB/releases",
        "/api/v1/provinces/default",
        "/api/v1/auth/me",
    ):
        response = await client.get(path, headers=tenants.auth("ministry"))
        assert response.status_code == 200, (path, response.text)
    me = (await client.get("/api/v1/auth/me", headers=tenants.auth("ministry"))).json()
    assert me["role"] == "ministry" and me["province"] is None


async def test_the_ministry_reads_console_pages_and_posts_no_form(tenants: Tenants) -> None:
    console = Console(tenants.world, "ministry")
    assert (await console.get("/staff/waves")).status_code == 200
    assert (await console.get("/staff/agencies")).status_code == 200
    refused = await console.post("/staff/agencies/new", {"code": "M2", "name_vi": "x", "name_en": "x"})
    assert refused.status_code == 403


async def test_a_single_province_deployment_needs_no_province_field(world: World) -> None:
    """Clients written before tenancy keep working: with one province, nothing needs naming."""
    body = {"code": "A9", "name_vi": "Sở", "name_en": "Dept", "level": "province"}
    made = await world.client.post("/api/v1/agencies", json=body, headers=world.auth("admin"))
    assert made.status_code == 201 and made.json()["province"] == "default"
    point = {"code": "A9-Q1", "agency": "A9", "name_vi": "Quầy", "name_en": "Counter", "kind": "counter"}
    assert (
        await world.client.post("/api/v1/service-points", json=point, headers=world.auth("admin"))
    ).status_code == 201
    wave = await create_open_wave(world, "W9", ("A1", "A9"))
    assert wave["province"] == "default"
    me = (await world.client.get("/api/v1/auth/me", headers=world.auth("statistician"))).json()
    assert me["province"] == "default"


async def test_console_provinces_page_and_province_columns(tenants: Tenants) -> None:
    national = Console(tenants.world, "admin")
    listed = await national.get("/staff/provinces")
    assert listed.status_code == 200 and "P2" in listed.text and 'action="/staff/provinces"' in listed.text
    made = await national.post("/staff/provinces", {"code": "P3", "name_vi": "Tỉnh Ba", "name_en": "Three"})
    assert made.status_code == 303, made.text
    renamed = await national.post(
        "/staff/provinces/P3", {"name_vi": "Tỉnh Ba mới", "name_en": "Three", "active": "1"}
    )
    assert renamed.status_code == 303
    stored = await tenants.world.client.get("/api/v1/provinces/P3", headers=tenants.auth("admin"))
    assert stored.json()["name_vi"] == "Tỉnh Ba mới"
    agencies = await national.get("/staff/agencies", province="P2")
    assert agencies.status_code == 200 and "/staff/agencies/B1" in agencies.text
    assert "/staff/agencies/A1" not in agencies.text
    waves = await national.get("/staff/waves", province="P2")
    assert (
        waves.status_code == 200 and "/staff/waves/WB" in waves.text and "/staff/waves/WA" not in waves.text
    )
    province_admin = Console(tenants.world, "admin_b")
    own = await province_admin.get("/staff/provinces")
    assert own.status_code == 200 and "P2" in own.text and "P3" not in own.text
    assert 'action="/staff/provinces"' not in own.text
    refused = await province_admin.post("/staff/provinces", {"code": "P4", "name_vi": "x", "name_en": "x"})
    assert refused.status_code == 403
    users = await province_admin.get("/staff/users")
    assert "admin_b@example.org" in users.text and "admin_a@example.org" not in users.text
    assert (await province_admin.get(f"/staff/users/{tenants.ids['admin_a']}")).status_code == 404


async def test_the_ministry_manages_its_own_session_and_password(tenants: Tenants) -> None:
    client = tenants.world.client
    headers = tenants.auth("ministry")
    renamed = await client.patch("/api/v1/auth/me", json={"display_name": "Bộ Nội vụ"}, headers=headers)
    assert renamed.status_code == 200 and renamed.json()["display_name"] == "Bộ Nội vụ"
    console = Console(tenants.world, "ministry")
    new = "another long enough password"
    changed = await console.post(
        "/staff/password", {"current_password": PASSWORD, "new_password": new, "confirm_password": new}
    )
    assert changed.status_code in (200, 303), changed.text
    login = await client.post("/api/v1/auth/login", json={"email": "ministry@example.org", "password": new})
    assert login.status_code == 200


async def test_questionnaires_are_changed_by_their_province_or_national_accounts(tenants: Tenants) -> None:
    """Every account reads every questionnaire; a province's staff change their province's only, and the
    national library (made by a national account on a deployment of several provinces) only national
    accounts change."""
    client, url = tenants.world.client, "/api/v1/questionnaires"
    # made by the national administrator while "default" was the only province: that province's
    made_alone = await _ok(await client.get(f"{url}/counter-3", headers=tenants.auth("stat_b")), 200)
    assert made_alone["province"] == "default"
    national = await _ok(
        await client.post(url, json={"template": "decree61-9"}, headers=tenants.auth("admin"))
    )
    assert national["province"] is None
    definition = dict(national["draft"], id="b-form")
    own = await _ok(await client.post(url, json={"definition": definition}, headers=tenants.auth("stat_b")))
    assert own["province"] == "P2"
    listed = await _ok(await client.get(url, headers=tenants.auth("admin_a")), 200)
    owners = {q["code"]: q["province"] for q in listed["items"]}
    assert owners == {"counter-3": "default", "decree61-9": None, "b-form": "P2"}

    changes = (
        ("PUT", "draft", lambda code: {"definition": dict(definition, id=code)}),
        ("POST", "publish", lambda code: None),
        ("DELETE", "", lambda code: None),
    )
    for who, code, reason in (
        ("stat_b", "decree61-9", "national library"),
        ("stat_b", "counter-3", "another province"),
        ("admin_a", "b-form", "another province"),
    ):
        for method, action, body in changes:
            path = f"{url}/{code}/{action}".rstrip("/")
            response = await client.request(method, path, json=body(code), headers=tenants.auth(who))
            assert response.status_code == 403, (who, method, path, response.text)
            assert reason in response.json()["detail"]
        # reading stays open to every account
        assert (await client.get(f"{url}/{code}", headers=tenants.auth(who))).status_code == 200
    assert (await client.get(f"{url}/b-form", headers=tenants.auth("stat_b"))).json()["versions"] == []

    published = await client.post(f"{url}/b-form/publish", headers=tenants.auth("stat_b"))
    assert published.status_code == 200 and published.json()["version"] == 1
    for code in ("b-form", "decree61-9", "counter-3"):  # national accounts change every questionnaire
        response = await client.put(
            f"{url}/{code}/draft",
            json={"definition": dict(definition, id=code)},
            headers=tenants.auth("admin"),
        )
        assert response.status_code == 200, (code, response.text)


async def test_one_provinces_staff_change_the_national_library(world: World) -> None:
    """While a deployment has one province, its staff change the national library too (a questionnaire
    made before any province existed): there is no other tenant to keep it from. The list shows owners."""
    client, url = world.client, "/api/v1/questionnaires"
    made = await _ok(await client.post(url, json={"template": "decree61-9"}, headers=world.auth("admin")))
    assert made["province"] == "default"  # a national account's, on a single-province deployment
    await Questionnaire.update({Questionnaire.province: None}).where(Questionnaire.code == "decree61-9")
    listed = await _ok(await client.get(url, headers=world.auth("statistician")), 200)
    assert {q["code"]: q["province"] for q in listed["items"]}["decree61-9"] is None
    response = await client.post(f"{url}/decree61-9/publish", headers=world.auth("statistician"))
    assert response.status_code == 200, response.text
