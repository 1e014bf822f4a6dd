"""A province's departments across the merger: agency successions recorded by an administrator carry the
old departments' published figures to the new ones (trend, scorecard, re-mapped public page).

Synthetic map (tests/support/map_waves.py): provinces P (4 500 people) and P2 (1 500) merge into Q; the
departments A-P and A-P2 are continued by A-Q (weights ¾ and ¼), B-P by B-Q. Several departments sit on
one province, so the unit successions alone cannot carry them. Runs on SQLite and, with
TEST_DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import math

import pytest

from reports.numbers import format_interval, format_number
from survey_engine.actors import SYSTEM
from survey_engine.results.agency_results import scorecard_results
from tests.api.conftest import World
from tests.support.map_waves import two_maps


@pytest.fixture
async def departments(world: World) -> World:
    await two_maps(world, departments=True)
    return world


async def overall(world: World, wave: str) -> dict[str, dict]:
    response = await world.client.get(f"/results/{wave}/results.json")
    assert response.status_code == 200, response.text
    return {a["code"]: a["overall"] for a in response.json()["results"]["agencies"]}


def row_of(page: str, marker: str) -> str:
    start = page.index(marker)
    return page[start : page.index("</tr>", start)]


def merged(a: dict, b: dict, wa: float = 0.75, wb: float = 0.25) -> tuple[float, float]:
    return (
        wa * a["estimate"] + wb * b["estimate"],
        math.sqrt((wa * a["se"]) ** 2 + (wb * b["se"]) ** 2),
    )


async def test_department_trend_is_carried_from_its_recorded_predecessors(departments: World) -> None:
    world = departments
    old, new = await overall(world, "OLD"), await overall(world, "NEW")
    before, se_before = merged(old["A-P"], old["A-P2"])
    results = await scorecard_results(SYSTEM, "NEW", "A-Q")
    (point,) = [p for p in results.trend if not p.current]
    assert point.carried_from == "old" and point.carried_reason in (None, "")
    assert point.estimate is not None
    assert point.estimate.estimate == pytest.approx(before)
    assert point.estimate.se == pytest.approx(se_before)
    single = await scorecard_results(SYSTEM, "NEW", "B-Q")  # one predecessor: its figure, weight 1
    (point,) = [p for p in single.trend if not p.current]
    assert point.estimate is not None and point.estimate.estimate == pytest.approx(old["B-P"]["estimate"])

    text = (await world.client.get("/results/NEW?lang=en")).text
    row = row_of(text, 'href="/results/NEW/agencies/A-Q?lang=en"')
    diff = new["A-Q"]["estimate"] - before
    half = 1.959964 * math.hypot(new["A-Q"]["se"], se_before)
    signed = ("+" if diff > 0 else "") + format_number(diff, "en")
    assert f"{signed} ({format_interval(diff - half, diff + half, 'en')})" in row
    assert "Computed from predecessor units on the old map" in row
    # the communes still follow their units
    assert "Computed from predecessor units on the old map" in row_of(
        text, 'href="/results/NEW/agencies/UB-M?lang=en"'
    )


async def test_the_old_wave_on_the_new_map_lists_successor_agencies(departments: World) -> None:
    world = departments
    old = await overall(world, "OLD")
    estimate, se = merged(old["A-P"], old["A-P2"])
    page = await world.client.get("/results/OLD/map/new?lang=en")
    assert page.status_code == 200, page.text
    text = page.text
    assert "Agencies on the new map that continue earlier agencies" in text
    a = row_of(text, 'data-agency="A-Q"')
    assert "Q Department A" in a and f">{format_number(estimate, 'en')}<" in a
    assert format_interval(estimate - 1.959964 * se, estimate + 1.959964 * se, "en") in a
    assert "P Department A (P Province): 75.0 %" in a and "P2 Department A (P2 Province): 25.0 %" in a
    assert f">{format_number(old['B-P']['estimate'], 'en')}<" in row_of(text, 'data-agency="B-Q"')
    # the province unit itself still has several departments on each predecessor: not computed, and said so
    q = row_of(text, 'data-unit="Q"')
    assert "not computed: a predecessor unit has several agencies" in q
    vietnamese = (await world.client.get("/results/OLD/map/new")).text
    assert "Cơ quan trên bản đồ new kế tục các cơ quan trước đây" in vietnamese

    document = (await world.client.get("/results/OLD/map/new/results.json")).json()
    agencies = {a["code"]: a for a in document["agencies"]}
    assert set(agencies) == {"A-Q", "B-Q"}
    assert agencies["A-Q"]["overall"]["estimate"] == pytest.approx(estimate)
    assert agencies["A-Q"]["overall"]["se"] == pytest.approx(se)
    assert agencies["A-Q"]["unit"] == "Q" and agencies["A-Q"]["name"]["en"] == "Q Department A"
    assert [(p["agency"], p["unit"], p["weight"]) for p in agencies["A-Q"]["computed_from"]] == [
        ("A-P", "P", 0.75),
        ("A-P2", "P2", 0.25),
    ]
    published = (await world.client.get("/results/OLD/results.json")).json()["results"]["agencies"]
    elements = {a["code"]: {e["code"]: e for e in a["elements"]} for a in published}
    assert [e["code"] for e in agencies["A-Q"]["elements"]] == list(elements["A-P"])
    computed = 0
    for element in agencies["A-Q"]["elements"]:
        ea, eb = elements["A-P"][element["code"]], elements["A-P2"][element["code"]]
        if "suppress" in (ea["flag"], eb["flag"]) or None in (ea["estimate"], eb["estimate"]):
            assert element["estimate"] is None and element["carried_reason"] == "not_published"
            continue
        computed += 1
        assert element["estimate"] == pytest.approx(0.75 * ea["estimate"] + 0.25 * eb["estimate"])
    assert computed >= 1, elements


async def test_the_api_reads_and_replaces_an_agencys_predecessors(departments: World) -> None:
    world = departments
    admin, reader = world.auth("admin"), world.auth("statistician")
    got = await world.client.get("/api/v1/agencies/A-Q/predecessors", headers=reader)
    assert got.status_code == 200, got.text
    items = got.json()["items"]
    assert [(i["predecessor"]["code"], i["population_share"]) for i in items] == [("A-P", 1.0), ("A-P2", 1.0)]
    assert items[0]["predecessor"] == {
        "code": "A-P",
        "name_vi": "Sở A tỉnh P",
        "name_en": "P Department A",
        "unit": "P",
        "unit_version": "old",
        "population": 4500,
    }
    successors = await world.client.get("/api/v1/agencies/B-P/successors", headers=reader)
    assert [i["successor"]["code"] for i in successors.json()["items"]] == ["B-Q"]

    forbidden = await world.client.put(
        "/api/v1/agencies/A-Q/predecessors", json={"items": []}, headers=reader
    )
    assert forbidden.status_code == 403
    revision = await world.app.state.services.map_changes.revision()
    # A-Q now continues A-P only: its previous figure is A-P's
    put = await world.client.put(
        "/api/v1/agencies/A-Q/predecessors", json={"items": [{"agency": "A-P"}]}, headers=admin
    )
    assert put.status_code == 200, put.text
    assert [i["predecessor"]["code"] for i in put.json()["items"]] == ["A-P"]
    assert await world.app.state.services.map_changes.revision() != revision
    old = await overall(world, "OLD")
    (point,) = [p for p in (await scorecard_results(SYSTEM, "NEW", "A-Q")).trend if not p.current]
    assert point.estimate is not None and point.estimate.estimate == pytest.approx(old["A-P"]["estimate"])
    audit = await world.client.get("/api/v1/audit-log", headers=admin)
    assert "agency_predecessors" in audit.text

    # removed: several departments on Q, none recorded → A-Q has no previous figure at all
    cleared = await world.client.put("/api/v1/agencies/A-Q/predecessors", json={"items": []}, headers=admin)
    assert cleared.status_code == 200 and cleared.json()["items"] == []
    (point,) = [p for p in (await scorecard_results(SYSTEM, "NEW", "A-Q")).trend if not p.current]
    assert (point.estimate, point.carried_from) == (None, "")


@pytest.mark.parametrize(
    ("items", "pointer", "words"),
    [
        # A-P2 (the successor here) is on the old map, as B-P is
        ([{"agency": "B-P"}], "items[0].agency", "must be on a later map version"),
        ([{"agency": "NOPE"}], "items[0].agency", "no agency with code NOPE"),
        ([{"agency": "A-P"}, {"agency": "A-P"}], "items[1].agency", "listed twice"),
        ([{"agency": "B-P", "population_share": 0.5}], "items[0].agency", "sum to 1.5"),  # B-P → B-Q is 1
    ],
)
async def test_bad_predecessors_are_refused_whole(
    departments: World, items: list[dict], pointer: str, words: str
) -> None:
    world = departments
    target = "A-P2" if "later map" in words else "A-Q"
    response = await world.client.put(
        f"/api/v1/agencies/{target}/predecessors", json={"items": items}, headers=world.auth("admin")
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problems = response.json()["errors"]
    assert any(p["field"] == pointer and words in p["message"] for p in problems), problems
    stored = await world.client.get("/api/v1/agencies/A-Q/predecessors", headers=world.auth("admin"))
    assert len(stored.json()["items"]) == 2  # nothing changed


async def test_a_merge_needs_the_populations(departments: World) -> None:
    world = departments
    from survey_engine.tables import AdminUnit

    await AdminUnit.update({AdminUnit.population: None}).where(AdminUnit.code == "P2")
    response = await world.client.put(
        "/api/v1/agencies/B-Q/predecessors",
        json={"items": [{"agency": "B-P"}, {"agency": "A-P2", "population_share": 0.5}]},
        headers=world.auth("admin"),
    )
    assert response.status_code == 422
    assert "has no population" in response.text
    share = await world.client.put(
        "/api/v1/agencies/A-Q/predecessors",
        json={"items": [{"agency": "A-P", "population_share": 1.5}]},
        headers=world.auth("admin"),
    )
    assert share.status_code == 422, share.text
    assert share.headers["content-type"].startswith("application/problem+json")


async def test_console_shows_and_changes_an_agencys_predecessors(departments: World) -> None:
    from tests.support.console import Console, text_of

    world = departments
    reader = Console(world, "statistician", lang="en")
    detail = await reader.get("/staff/agencies/A-Q")
    assert detail.status_code == 200
    text = text_of(detail.text)
    assert "Predecessor agencies (map changes)" in text and "A-P2" in text and "P2 Department A" in text
    assert "/staff/agencies/A-Q/predecessors" not in detail.text  # only an administrator changes them
    assert (await reader.get("/staff/agencies/A-Q/predecessors")).status_code == 403
    assert "Continued by" in text_of((await reader.get("/staff/agencies/A-P")).text)

    admin = Console(world, "admin", lang="en")
    form = await admin.get("/staff/agencies/A-Q/predecessors")
    assert form.status_code == 200
    assert 'value="A-P"' in form.text and 'value="A-P2"' in form.text and 'name="agency_4"' in form.text
    # a bad row comes back beside its field, nothing stored
    bad = await admin.post(
        "/staff/agencies/A-Q/predecessors",
        {
            "agency_0": "A-P",
            "share_0": "1",
            "agency_1": "",
            "share_1": "",
            "agency_2": "A-Q",
            "share_2": "0,5",
        },
    )
    assert bad.status_code == 422
    assert 'id="agency_2-error"' in bad.text and "An agency cannot continue itself." in bad.text
    assert (
        len(
            (await world.client.get("/api/v1/agencies/A-Q/predecessors", headers=world.auth("admin"))).json()[
                "items"
            ]
        )
        == 2
    )
    share = await admin.post("/staff/agencies/A-Q/predecessors", {"agency_0": "A-P", "share_0": "abc"})
    assert share.status_code == 422 and 'id="share_0-error"' in share.text
    saved = await admin.post(
        "/staff/agencies/A-Q/predecessors",
        {"agency_0": "", "share_0": "", "agency_1": "A-P", "share_1": "0,5"},
    )
    assert saved.status_code == 303 and saved.headers["location"].startswith("/staff/agencies/A-Q?done=")
    items = (await world.client.get("/api/v1/agencies/A-Q/predecessors", headers=world.auth("admin"))).json()
    assert [(i["predecessor"]["code"], i["population_share"]) for i in items["items"]] == [("A-P", 0.5)]
    stale = await admin.post("/staff/agencies/A-Q/predecessors", {"agency_0": "A-P"}, csrf=False)
    assert stale.status_code in (400, 403)


async def test_a_province_account_sees_and_names_only_its_own_provinces_agencies(departments: World) -> None:
    from tests.api.conftest import PASSWORD

    world = departments
    admin = world.auth("admin")
    created = await world.client.post(
        "/api/v1/provinces", json={"code": "OTHER", "name_vi": "Tỉnh Khác", "name_en": "Other"}, headers=admin
    )
    assert created.status_code == 201, created.text
    body = {
        "code": "C-P2",
        "name_vi": "Sở C tỉnh P2",
        "name_en": "P2 Department C",
        "level": "province",
        "unit": "P2",
        "unit_version": "old",
        "province": "OTHER",
    }
    assert (await world.client.post("/api/v1/agencies", json=body, headers=admin)).status_code == 201
    # the deployment's administrator may link across provinces
    linked = await world.client.put(
        "/api/v1/agencies/B-Q/predecessors",
        json={"items": [{"agency": "B-P"}, {"agency": "C-P2"}]},
        headers=admin,
    )
    assert linked.status_code == 200, linked.text
    province = (await world.client.get("/api/v1/agencies/B-Q", headers=admin)).json()["province"]
    await world.app.state.services.staff.create_user(
        SYSTEM, "tinh@example.org", PASSWORD, "admin", None, province_code=province
    )
    login = await world.client.post(
        "/api/v1/auth/login", json={"email": "tinh@example.org", "password": PASSWORD}
    )
    world.client.cookies.clear()
    own = {"Authorization": f"Bearer {login.json()['token']}"}
    seen = await world.client.get("/api/v1/agencies/B-Q/predecessors", headers=own)
    assert [i["predecessor"]["code"] for i in seen.json()["items"]] == ["B-P"]
    assert (await world.client.get("/api/v1/agencies/C-P2/successors", headers=own)).status_code == 404
    refused = await world.client.put(
        "/api/v1/agencies/B-Q/predecessors", json={"items": [{"agency": "C-P2"}]}, headers=own
    )
    assert refused.status_code == 422 and "no agency with code C-P2" in refused.text
