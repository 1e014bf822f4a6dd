"""Kept cell sums of the self-selected series (survey_engine.results.series_cells): a repeated request is
answered from kept sums with the same numbers, new responses are never hidden, agency / service point
crosses share one set of cells; on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from survey_engine.results import series_cells
from survey_engine.tables import Submission
from tests.api.conftest import World
from tests.api.test_estimates_appended_cells import append_responses
from tests.api.test_estimates_domains import (
    check_estimates,
    direct_estimates,
    get_estimates,
    stored_rows,
    wave_with_frame,
)


def _numbers(body: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (
            i.get("criterion") or i["index"],
            sorted(i["domain"].items()),
            i["estimate"],
            i["se"],
            i["n"],
            i["df"],
        )
        for i in (*body["criteria"], *body["indices"])
    ]


async def test_kept_cells_give_the_same_numbers_and_new_responses_are_seen(world: World) -> None:
    series_cells.clear_series_cells()
    await wave_with_frame(world, responses=120)
    rows, frame = await stored_rows()
    for query, by in (
        ("by=agency&by=field", ("agency", "field")),
        ("by=frame:sex&by=channel", ("frame:sex", "channel")),
        ("by=item:D1", ("item:D1",)),
    ):
        first = await get_estimates(world, query)
        assert first.status_code == 200, first.text
        kept = series_cells.kept_cell_sets()
        again = await get_estimates(world, query)
        assert series_cells.kept_cell_sets() == kept  # answered from the kept sums, nothing read anew
        assert _numbers(again.json()) == _numbers(first.json())
        assert first.json()["channels"] == again.json()["channels"]
        check_estimates(again.json(), direct_estimates(rows, frame, by))

    # 60 more responses: the kept sums of 120 must not answer
    before = (await get_estimates(world, "by=agency&by=field")).json()
    await _post_more(world)
    after = (await get_estimates(world, "by=agency&by=field")).json()
    assert after["rows"] == before["rows"] + 60
    assert sum(c["responses"] for c in after["channels"]) == after["rows"]
    rows, frame = await stored_rows()
    check_estimates(after, direct_estimates(rows, frame, ("agency", "field")))


async def _post_more(world: World) -> None:
    """60 more responses to wave E1, without dossiers, in March (new PSUs)."""
    await append_responses(world, 60, seed=11, days=tuple(f"2026-03-{d:02d}" for d in range(1, 21)), mood=0.7)


async def test_agency_and_service_point_share_one_set_of_cells(world: World) -> None:
    series_cells.clear_series_cells()
    await wave_with_frame(world, responses=60)
    for query in (
        "by=agency",
        "by=service_point",
        "by=agency&by=service_point",
        "by=service_point&by=agency",
    ):
        assert (await get_estimates(world, query)).status_code == 200
    assert series_cells.kept_cell_sets() == 1
    assert (await get_estimates(world, "by=field&by=agency")).status_code == 200
    assert (await get_estimates(world, "by=field")).status_code == 200
    assert series_cells.kept_cell_sets() == 2


async def test_a_response_committed_late_with_a_smaller_id_is_seen(world: World) -> None:
    """PostgreSQL hands out ids before commit: a response may appear below the last id already seen. Here
    one is taken out before the first answer and put back, with its own id, afterwards."""
    series_cells.clear_series_cells()
    await wave_with_frame(world, responses=40)
    ids = sorted(r["id"] for r in await Submission.select(Submission.id))
    late = await Submission.select().where(Submission.id == ids[-3]).first()
    await Submission.delete().where(Submission.id == ids[-3])
    before = (await get_estimates(world, "by=agency")).json()
    await Submission.insert(Submission(**late))
    after = (await get_estimates(world, "by=agency")).json()
    assert after["rows"] == before["rows"] + 1 == 40
