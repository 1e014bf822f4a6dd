"""The counter dashboard (today, week, month; agency and province) and the officers' results."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from survey_engine.integrations.counter_stats import share
from survey_engine.integrations.counter_tallies import VN, period_starts
from tests.api.conftest import World
from tests.integrations.helpers import d61, new_key, open_counter_waves, rating, send


def test_periods_follow_vietnam_time() -> None:
    # 2026-12-06 20:00 UTC is Monday 7 December 03:00 in Vietnam: today, this week and this month all
    # start in Vietnam time.
    starts = period_starts(datetime(2026, 12, 6, 20, 0, tzinfo=UTC))
    assert starts["today"] == datetime(2026, 12, 7, tzinfo=VN)
    assert starts["week"] == datetime(2026, 12, 7, tzinfo=VN)
    assert starts["month"] == datetime(2026, 12, 1, tzinfo=VN)


async def test_dashboard_counts_periods_and_keeps_scope(world: World) -> None:
    await open_counter_waves(world)
    key = await new_key(world, None)
    now = datetime.now(UTC)
    long_ago = (now - timedelta(days=40)).isoformat()
    lines = [
        *(rating("A1-Q1", 3) for _ in range(6)),
        *(rating("A1-Q1", 2) for _ in range(2)),
        *(rating("A1-Q1", 1) for _ in range(2)),
        rating("A1-Q1", 1, rated_at=long_ago),  # outside this month: counted nowhere
        d61("A1-Q1", (2,) * 9),
        d61("A1-Q1", (2,) * 8 + (0,)),
        rating("A2-Q1", 3),
    ]
    assert (await send(world, key, lines)).json()["accepted"] == len(lines)

    response = await world.client.get(
        "/api/v1/counter-dashboard?agency=A1", headers=world.auth("statistician")
    )
    assert response.status_code == 200, response.text
    board = response.json()
    assert board["scope"] == "agency" and board["agency"] == "A1"
    month = board["periods"]["month"]
    assert month["counter_3"]["n"] == 10 and month["counter_3"]["very_satisfied"] == 6
    expected = share(8, 10)
    assert expected is not None
    assert month["counter_3"]["share_satisfied"]["estimate"] == pytest.approx(80.0)
    assert month["counter_3"]["share_satisfied"]["low"] == pytest.approx(100 * expected.low)  # type: ignore[operator]
    assert month["decree61_9"]["n"] == 2
    assert month["decree61_9"]["score"]["estimate"] == pytest.approx(17.0)
    assert month["decree61_9"]["band"] == "good"
    assert board["periods"]["today"]["counter_3"]["n"] == 10

    # An agency user sees its own agency, whatever it asks for the province; another agency is not found.
    own = await world.client.get("/api/v1/counter-dashboard", headers=world.auth("agency"))
    assert own.json()["agency"] == "A1"
    other = await world.client.get("/api/v1/counter-dashboard?agency=A2", headers=world.auth("agency"))
    assert other.status_code == 404
    assert (
        await world.client.get("/api/v1/counter-dashboard", headers=world.auth("interviewer"))
    ).status_code == 403

    province = (await world.client.get("/api/v1/counter-dashboard", headers=world.auth("admin"))).json()
    assert province["scope"] == "province"
    assert province["periods"]["month"]["counter_3"]["n"] == 11
    assert sorted(province["agencies"]) == ["A1", "A2"]
    assert province["agencies"]["A2"]["counter_3"]["n"] == 1


async def test_officers_are_for_the_agency_itself(world: World) -> None:
    await open_counter_waves(world)
    key = await new_key(world, "A1")
    agency = world.auth("agency")
    saved = await world.client.put(
        "/api/v1/agencies/A1/officers/CB01", json={"name": "Nguyễn Văn An"}, headers=agency
    )
    assert saved.status_code == 200, saved.text
    lines = [rating(value=3 if i % 4 else 1, officer="CB01") for i in range(30)]
    lines += [rating(value=2, officer="CB02") for _ in range(5)]
    assert (await send(world, key, lines)).json()["accepted"] == 35

    results = await world.client.get("/api/v1/agencies/A1/officer-results", headers=agency)
    assert results.status_code == 200, results.text
    rows = {r["officer"]: r for r in results.json()["officers"]}
    assert rows["CB01"]["name"] == "Nguyễn Văn An" and rows["CB01"]["shown"] is True
    assert rows["CB01"]["figures"]["counter_3"]["n"] == 30
    assert rows["CB02"]["name"] is None and rows["CB02"]["shown"] is False and rows["CB02"]["figures"] is None
    assert rows["CB02"]["n"] == 5

    listed = await world.client.get("/api/v1/agencies/A1/officers", headers=agency)
    assert listed.json() == [{"code": "CB01", "name": "Nguyễn Văn An", "active": True}]
    # Names and results never leave the agency: administrators and statisticians are refused too.
    for role in ("admin", "statistician", "interviewer"):
        for path in ("/api/v1/agencies/A1/officers", "/api/v1/agencies/A1/officer-results"):
            assert (await world.client.get(path, headers=world.auth(role))).status_code == 403
    assert (await world.client.get("/api/v1/agencies/A2/officers", headers=agency)).status_code == 404
    assert (await world.client.delete("/api/v1/agencies/A1/officers/CB01", headers=agency)).status_code == 204
    assert (await world.client.get("/api/v1/agencies/A1/officers", headers=agency)).json() == []
