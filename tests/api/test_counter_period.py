"""Counter ratings shown beside a survey count only those received during the survey's period."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

from survey_engine.results.scorecards import counter_ratings, counter_ratings_by_agency
from tests.api.conftest import World, create_open_wave

VN = timezone(timedelta(hours=7))


async def test_counter_ratings_are_limited_to_the_period(world: World) -> None:
    await create_open_wave(world, "C1", agencies=("A1",))  # counter-3, the whole of 2026
    point = await world.client.get("/api/v1/service-points/A1-Q1", headers=world.auth("admin"))
    for rating in (3, 3, 1):
        body = {
            "id": str(uuid.uuid4()),
            "token": point.json()["token"],
            "answers": {"RATING": rating},
            "channel": "online",
        }
        assert (await world.client.post("/api/v1/submissions", json=body)).status_code == 201
    today = datetime.now(UTC).astimezone(VN).date()
    assert await counter_ratings("A1", today, today) == {3: 2, 1: 1}
    assert await counter_ratings("A1", today - timedelta(days=30), today - timedelta(days=1)) == {}
    assert await counter_ratings("A1", today + timedelta(days=1), today + timedelta(days=30)) == {}
    assert await counter_ratings("A2", today, today) == {}
    # several agencies in one read give what each asks for alone
    assert await counter_ratings_by_agency(["A1", "A2"], today, today) == {"A1": {3: 2, 1: 1}}
    assert await counter_ratings_by_agency([], today, today) == {}
