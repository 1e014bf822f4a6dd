"""Published results across the map change: a wave shown on the new map, and the trend across the merger.

Numbers are checked against the published snapshots by hand: M = ¾ X + ¼ Y (populations 3 000 and 1 000),
SE √((¾ se_X)² + (¼ se_Y)²); S1 and S2 carry S's figure. Runs on SQLite and, with TEST_DATABASE_URL, on
PostgreSQL.
"""

from __future__ import annotations

import io
import math

import pytest
from pypdf import PdfReader

from api.results.scorecard_build import scorecard_from_results
from reports.numbers import format_interval, format_number
from survey_engine.actors import SYSTEM
from survey_engine.results.agency_results import scorecard_results
from survey_engine.tables import Agency
from tests.api.conftest import World
from tests.support.console import Console, text_of
from tests.support.map_waves import two_maps


@pytest.fixture
async def mapped(world: World) -> World:
    await two_maps(world)
    return world


async def overall(world: World, wave: str) -> dict[str, dict]:
    response = await world.client.get(f"/results/{wave}/results.json")
    assert response.status_code == 200, response.text
    return {a["code"]: a["overall"] for a in response.json()["results"]["agencies"]}


def row_of(page: str, unit: str) -> str:
    start = page.index(f'data-unit="{unit}"')
    return page[start : page.index("</tr>", start)]


async def test_old_wave_on_the_new_map(mapped: World) -> None:
    world = mapped
    old = await overall(world, "OLD")
    x, y, s = old["UB-X"], old["UB-Y"], old["UB-S"]
    assert all(f["flag"] != "suppress" for f in (x, y, s))
    estimate = 0.75 * x["estimate"] + 0.25 * y["estimate"]
    se = math.sqrt((0.75 * x["se"]) ** 2 + (0.25 * y["se"]) ** 2)
    wave_page = (await world.client.get("/results/OLD?lang=en")).text
    assert (
        'href="/results/OLD/map/new?lang=en"' in wave_page
        and "View these results on the new map" in wave_page
    )

    page = await world.client.get("/results/OLD/map/new?lang=en")
    assert page.status_code == 200, page.text
    text = page.text
    assert "results published under the old map, re-mapped to the units of the new map" in text
    m = row_of(text, "M")
    assert f">{format_number(estimate, 'en')}<" in m
    assert format_interval(estimate - 1.959964 * se, estimate + 1.959964 * se, "en") in m
    assert "75.0 %" in m and "25.0 %" in m and "Computed from predecessor units on the old map" in m
    for split in ("S1", "S2"):  # a split carries its predecessor's figure
        assert f">{format_number(s['estimate'], 'en')}<" in row_of(text, split)
    vietnamese = (await world.client.get("/results/OLD/map/new")).text
    assert "Tính từ các đơn vị tiền thân trên bản đồ hành chính old" in vietnamese
    # the snapshot is untouched: the open data still holds the old agencies only
    assert set(await overall(world, "OLD")) == {"UB-X", "UB-Y", "UB-S"}
    data = await world.client.get("/results/OLD/map/new/results.json")
    assert data.status_code == 200 and data.headers["access-control-allow-origin"] == "*"
    document = data.json()
    assert (document["schema"], document["from_version"], document["to_version"]) == (
        "sipas-remapped/1",
        "old",
        "new",
    )
    assert document["label"]["en"].startswith("Computed from predecessor units on the old map")
    units = {u["code"]: u for u in document["units"]}
    assert units["M"]["overall"]["estimate"] == pytest.approx(estimate)
    assert units["M"]["overall"]["se"] == pytest.approx(se)
    assert units["M"]["overall"]["carried_from"] == "old"
    assert [(p["unit"], p["agency"], p["weight"]) for p in units["M"]["computed_from"]] == [
        ("X", "UB-X", 0.75),
        ("Y", "UB-Y", 0.25),
    ]
    assert units["S2"]["overall"]["estimate"] == pytest.approx(s["estimate"])
    published = (await world.client.get("/results/OLD/results.json")).json()["results"]["agencies"]
    elements = {a["code"]: {e["code"]: e for e in a["elements"]} for a in published}
    assert [e["code"] for e in units["M"]["elements"]] == list(elements["UB-X"])
    for element in units["M"]["elements"]:
        ex, ey = elements["UB-X"][element["code"]], elements["UB-Y"][element["code"]]
        assert element["estimate"] == pytest.approx(0.75 * ex["estimate"] + 0.25 * ey["estimate"])
    assert (await world.client.get("/results/OLD/map/nowhere/results.json")).status_code == 404
    assert (await world.client.get("/results/OLD/map/nowhere")).status_code == 404
    assert (await world.client.get("/results/NEW/map/old")).status_code == 404  # never backwards


async def test_trend_continues_across_the_merger(mapped: World) -> None:
    world = mapped
    old, new = await overall(world, "OLD"), await overall(world, "NEW")
    x, y, mnew = old["UB-X"], old["UB-Y"], new["UB-M"]
    before = 0.75 * x["estimate"] + 0.25 * y["estimate"]
    se_before = math.sqrt((0.75 * x["se"]) ** 2 + (0.25 * y["se"]) ** 2)
    diff = mnew["estimate"] - before
    half = 1.959964 * math.hypot(mnew["se"], se_before)
    text = (await world.client.get("/results/NEW?lang=en")).text
    start = text.index('href="/results/NEW/agencies/UB-M?lang=en"')
    row = text[start : text.index("</tr>", start)]
    signed = ("+" if diff > 0 else "") + format_number(diff, "en")
    assert f"{signed} ({format_interval(diff - half, diff + half, 'en')})" in row
    assert "Computed from predecessor units on the old map" in row
    assert "Tính từ các đơn vị tiền thân" in (await world.client.get("/results/NEW")).text
    # the province itself changed: its old figure is not compared with the new one
    province = text[: text.index('id="agencies-h"')]
    assert "Change since" not in province and "Province" in province


async def test_scorecard_trend_is_computed_from_predecessors_and_labelled(mapped: World) -> None:
    world = mapped
    old = await overall(world, "OLD")
    x, y = old["UB-X"], old["UB-Y"]
    results = await scorecard_results(SYSTEM, "NEW", "UB-M")
    (point,) = [p for p in results.trend if not p.current]
    assert point.wave.code == "OLD" and point.carried_from == "old" and point.estimate is not None
    assert point.estimate.estimate == pytest.approx(0.75 * x["estimate"] + 0.25 * y["estimate"])
    assert point.estimate.se == pytest.approx(math.sqrt((0.75 * x["se"]) ** 2 + (0.25 * y["se"]) ** 2))
    split = await scorecard_results(SYSTEM, "NEW", "UB-S2")
    assert split.trend[0].estimate is not None
    assert split.trend[0].estimate.estimate == pytest.approx(old["UB-S"]["estimate"])
    data = scorecard_from_results(results, "en")
    assert data.trend is not None and data.trend.carried_from == "old"
    pdf = await world.client.get("/api/v1/waves/NEW/scorecards/UB-M.pdf?lang=en", headers=world.auth("admin"))
    assert pdf.status_code == 200
    text = " ".join((page.extract_text() or "") for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "computed from predecessor units on the old map" in " ".join(text.split())


async def test_console_agency_trend_shows_the_predecessors_figure(mapped: World) -> None:
    world = mapped
    x, y = (await overall(world, "OLD"))["UB-X"], (await overall(world, "OLD"))["UB-Y"]
    page = await Console(world, "statistician", lang="en").get("/staff/results/NEW/UB-M")
    assert page.status_code == 200, page.text
    text = text_of(page.text)
    start = text.index("OLD Survey 2024")
    row = text[start : start + 400]
    assert "Computed from predecessor units on the old map" in row
    assert format_number(0.75 * x["estimate"] + 0.25 * y["estimate"], "en") in row


async def test_a_predecessor_without_agency_leaves_the_trend_not_computed(mapped: World) -> None:
    world = mapped
    await Agency.update({Agency.unit: None}).where(Agency.code == "UB-Y")  # Y no longer has an agency
    results = await scorecard_results(SYSTEM, "NEW", "UB-M")
    (point,) = [p for p in results.trend if not p.current]
    assert (point.estimate, point.carried_from, point.carried_reason) == (None, "old", "no_agency")
    data = scorecard_from_results(results, "en")
    assert data.trend is None and data.trend_not_carried == ("old", "no_agency")
    pdf = await world.client.get("/api/v1/waves/NEW/scorecards/UB-M.pdf?lang=en", headers=world.auth("admin"))
    text = " ".join(
        " ".join((p.extract_text() or "") for p in PdfReader(io.BytesIO(pdf.content)).pages).split()
    )
    assert (
        "the index could not be computed from the predecessor units (a predecessor unit has no agency" in text
    )
    page = (await world.client.get("/results/NEW?lang=en")).text
    start = page.index('href="/results/NEW/agencies/UB-M?lang=en"')
    row = page[start : page.index("</tr>", start)]
    assert "not computed: a predecessor unit has no agency" in row
    # the split communes still carry S's figure
    start = page.index('href="/results/NEW/agencies/UB-S1?lang=en"')
    assert "Computed from predecessor units on the old map" in page[start : page.index("</tr>", start)]
