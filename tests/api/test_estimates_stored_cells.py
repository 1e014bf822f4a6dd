"""Cell sums and channel counts stored in the database (survey_engine.results.stored_cells): a process that
keeps none in memory (another worker, or the server after a restart; here the same process after
``clear_series_cells``) starts from the stored set, checked against the database's counts, and reads only
what was appended after it, with the numbers of a whole read. A late commit below the stored ids, a frame
import for sets that join the frame, or an old stored set make it read the wave whole. On SQLite and
PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from survey_engine.results import series_cells, stored_cells
from survey_engine.results.cells_warming import warm_cells
from survey_engine.results.stored_cells import forget_stored_cells
from survey_engine.tables import FrameUnit, StoredCellSet, Submission
from tests.api.conftest import World
from tests.api.test_estimates_appended_cells import append_responses
from tests.api.test_estimates_domains import (
    FIELDS,
    check_estimates,
    direct_estimates,
    get_estimates,
    stored_rows,
    wave_with_frame,
)
from tests.api.test_fieldwork import post_frame

QUERIES = (
    ("by=agency", ("agency",)),
    ("by=agency&by=field", ("agency", "field")),
    ("by=frame:sex", ("frame:sex",)),
    ("by=item:D1&by=agency", ("item:D1", "agency")),
)


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[int, int]]]:
    """The id ranges (after, up to) of every read of a wave's cells. The sets of these small waves are
    stored too (in use, only those of waves of 10,000 responses or more)."""
    seen: list[tuple[int, int]] = []
    real = series_cells.read_grouped

    async def spy(*args: Any) -> Any:
        seen.append(args[-1])
        return await real(*args)

    monkeypatch.setattr(series_cells, "read_grouped", spy)
    monkeypatch.setattr(stored_cells, "STORE_MIN_RESPONSES", 0)
    series_cells.clear_series_cells()
    yield seen
    series_cells.clear_series_cells()


async def _last() -> int:
    return max(r["id"] for r in await Submission.select(Submission.id))


async def _answers(world: World) -> dict[str, Any]:
    out = {}
    for query, _ in QUERIES:
        response = await get_estimates(world, query)
        assert response.status_code == 200, response.text
        out[query] = response.json()
    return out


async def test_a_process_without_kept_cells_starts_from_the_stored_ones(
    world: World, reads: list[tuple[int, int]]
) -> None:
    await wave_with_frame(world, responses=90)
    first = await _answers(world)
    last = await _last()
    assert reads == [(0, last)] * len(QUERIES)
    assert await StoredCellSet.count() == len(QUERIES) + 1  # and the channel counts

    series_cells.clear_series_cells()  # another process: nothing in memory
    reads[:] = []
    assert await _answers(world) == first
    assert reads == []  # nothing read: the stored sets, checked against the database's counts

    await append_responses(world, 25, seed=11, days=("2026-02-04", "2026-03-01"))
    series_cells.clear_series_cells()
    reads[:] = []
    appended = await _answers(world)
    new_last = await _last()
    assert reads == [(last, new_last)] * len(QUERIES)  # only what was appended after the stored sets
    rows, frame = await stored_rows()
    for query, by in QUERIES:
        assert appended[query]["rows"] == first[query]["rows"] + 25
        assert sum(c["responses"] for c in appended[query]["channels"]) == appended[query]["rows"]
        check_estimates(appended[query], direct_estimates(rows, frame, by))


async def test_many_appended_responses_store_the_set_again(
    world: World, reads: list[tuple[int, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    await wave_with_frame(world, responses=40, frame=False)
    assert (await get_estimates(world, "by=agency")).status_code == 200
    monkeypatch.setattr(stored_cells, "RESTORE_IDS", 10)
    await append_responses(world, 12, seed=2, days=("2026-02-02",))
    series_cells.clear_series_cells()
    assert (await get_estimates(world, "by=agency")).json()["rows"] == 52
    last = await _last()
    series_cells.clear_series_cells()
    reads[:] = []
    assert (await get_estimates(world, "by=agency")).json()["rows"] == 52
    assert reads == []  # stored again with the 12 appended
    stored = await StoredCellSet.select(StoredCellSet.columns, StoredCellSet.last_response)
    assert {r["columns"]: r["last_response"] for r in stored} == {
        "cells\nservice_point\nagency": last,
        "channels": last,
    }


async def test_a_late_commit_below_the_stored_ids_reads_the_wave_whole(
    world: World, reads: list[tuple[int, int]]
) -> None:
    """A response taken out before the sets were stored and put back with its own smaller id: the stored
    counts no longer match, however far below the last id it lies."""
    await wave_with_frame(world, responses=60, frame=False)
    ids = sorted(r["id"] for r in await Submission.select(Submission.id))
    late = await Submission.select().where(Submission.id == ids[5]).first()
    await Submission.delete().where(Submission.id == ids[5])
    before = (await get_estimates(world, "by=agency")).json()
    await Submission.insert(Submission(**late))
    series_cells.clear_series_cells()
    reads[:] = []
    after = (await get_estimates(world, "by=agency")).json()
    assert reads == [(0, ids[-1])]
    assert after["rows"] == before["rows"] + 1 == 60
    assert sum(c["responses"] for c in after["channels"]) == 60


async def test_a_frame_import_reads_again_only_the_sets_that_join_the_frame(
    world: World, reads: list[tuple[int, int]]
) -> None:
    await wave_with_frame(world, responses=60, frame=False)
    for query in ("by=agency", "by=field"):
        assert (await get_estimates(world, query)).status_code == 200
    frame = f"dossier_code,agency,field,completed_on,sex\nD-A1-0-000,A1,{FIELDS[0]},2026-01-15,nam\n"
    assert (await post_frame(world, frame, wave="E1")).status_code == 201
    series_cells.clear_series_cells()
    reads[:] = []
    for query in ("by=agency", "by=field"):
        assert (await get_estimates(world, query)).status_code == 200
    assert reads == [(0, await _last())]  # by=field only; by=agency from its stored set


async def test_forgetting_the_stored_sets_reads_the_wave_whole(
    world: World, reads: list[tuple[int, int]]
) -> None:
    await wave_with_frame(world, responses=30, frame=False)
    assert (await get_estimates(world, "by=agency")).status_code == 200
    series_cells.clear_series_cells()
    await forget_stored_cells()
    assert await StoredCellSet.count() == 0
    reads[:] = []
    assert (await get_estimates(world, "by=agency")).status_code == 200
    assert reads == [(0, await _last())]
    assert await StoredCellSet.count() == 2


async def test_storing_a_set_deletes_the_waves_sets_past_their_time(
    world: World, reads: list[tuple[int, int]]
) -> None:
    await wave_with_frame(world, responses=30, frame=False)
    assert (await get_estimates(world, "by=agency")).status_code == 200
    agency_set = StoredCellSet.columns == "cells\nservice_point\nagency"
    await StoredCellSet.update({StoredCellSet.read_at: datetime.now(UTC) - timedelta(days=8)}).where(
        agency_set
    )
    series_cells.clear_series_cells()
    assert (await get_estimates(world, "by=channel")).status_code == 200  # stores its own set
    assert await StoredCellSet.count().where(agency_set) == 0
    kept = await StoredCellSet.select(StoredCellSet.columns, StoredCellSet.read_at)
    assert sorted(r["columns"] for r in kept) == ["cells\nservice_point\nagency\nchannel", "channels"]
    assert all(datetime.now(UTC) - r["read_at"] < timedelta(minutes=5) for r in kept)


async def test_a_late_commit_far_below_the_last_ids_is_seen_by_the_stored_counts(
    world: World, reads: list[tuple[int, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The window of recent ids that kept sums watch does not reach the late response here; the stored
    counts do, so the stored set is not used."""
    monkeypatch.setattr(series_cells, "RECENT_IDS", 3)
    await wave_with_frame(world, responses=60, frame=False)
    ids = sorted(r["id"] for r in await Submission.select(Submission.id))
    late = await Submission.select().where(Submission.id == ids[5]).first()
    await Submission.delete().where(Submission.id == ids[5])
    before = (await get_estimates(world, "by=agency")).json()
    await Submission.insert(Submission(**late))
    await append_responses(world, 2, seed=8, days=("2026-02-05",))
    series_cells.clear_series_cells()
    reads[:] = []
    after = (await get_estimates(world, "by=agency")).json()
    assert reads == [(0, await _last())]
    assert after["rows"] == before["rows"] + 3 == 62
    assert sum(c["responses"] for c in after["channels"]) == 62


async def test_a_response_committed_just_after_the_read_is_not_lost(
    world: World, reads: list[tuple[int, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The counts are taken before the whole read. A response with a small id committed just after the read
    is then in neither the sums nor the stored counts, and the next process sees the counts grown and reads
    the wave again; counts taken after the read would include it, match it forever, and serve sums
    without it. (The window of recent ids the data version watches does not reach it.)"""
    monkeypatch.setattr(series_cells, "RECENT_IDS", 3)
    await wave_with_frame(world, responses=40, frame=False)
    ids = sorted(r["id"] for r in await Submission.select(Submission.id))
    late = await Submission.select().where(Submission.id == ids[3]).first()
    await Submission.delete().where(Submission.id == ids[3])
    real = series_cells.read_grouped

    async def read_then_commit(*args: Any) -> Any:
        found = await real(*args)
        if args[-1][0] == 0 and not await Submission.exists().where(Submission.id == ids[3]):
            await Submission.insert(Submission(**late))  # commits after the read, below its last id
        return found

    monkeypatch.setattr(series_cells, "read_grouped", read_then_commit)
    assert (await get_estimates(world, "by=agency")).json()["rows"] == 39  # read before it committed
    monkeypatch.setattr(series_cells, "read_grouped", real)
    series_cells.clear_series_cells()
    calls: list[tuple[int, int]] = []

    async def spy(*args: Any) -> Any:
        calls.append(args[-1])
        return await real(*args)

    monkeypatch.setattr(series_cells, "read_grouped", spy)
    assert (await get_estimates(world, "by=agency")).json()["rows"] == 40
    assert calls == [(0, ids[-1])]  # the stored counts (39) differ from today's (40): read whole


async def test_a_frame_unit_committed_late_below_the_last_one_reads_the_frame_sets_whole(
    world: World, reads: list[tuple[int, int]]
) -> None:
    await wave_with_frame(world, responses=60)
    units = await FrameUnit.select().order_by(FrameUnit.id)
    late = dict(units[2])
    await FrameUnit.delete().where(FrameUnit.id == late["id"])
    assert (await get_estimates(world, "by=field")).status_code == 200
    await FrameUnit.insert(FrameUnit(**late))  # same id, below the last one: the version cannot see it
    series_cells.clear_series_cells()
    reads[:] = []
    assert (await get_estimates(world, "by=field")).status_code == 200
    assert reads == [(0, await _last())]


async def test_channel_counts_of_linked_responses_are_stored_apart(
    world: World, reads: list[tuple[int, int]]
) -> None:
    """Calibrated to the frame's agency × field, the series holds only responses linked to a dossier with a
    field: its channel counts are another stored set, read back equal."""
    await wave_with_frame(world, responses=90)
    query = "by=agency&calibrate=frame-agency-field"
    first = (await get_estimates(world, query)).json()
    kinds = {r["columns"] for r in await StoredCellSet.select(StoredCellSet.columns)}
    assert "channels\nfield" in kinds
    series_cells.clear_series_cells()
    reads[:] = []
    again = (await get_estimates(world, query)).json()
    assert reads == []
    assert again["channels"] == first["channels"] and again["rows"] == first["rows"]
    assert sum(c["responses"] for c in again["channels"]) == again["rows"]


async def test_sets_stored_by_other_code_or_of_small_waves_are_not_used_and_failures_only_cost_a_read(
    world: World, reads: list[tuple[int, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    await wave_with_frame(world, responses=30, frame=False)
    assert (await get_estimates(world, "by=agency")).status_code == 200
    # Another release of the code that makes the sums: its sets are keyed apart, never read.
    monkeypatch.setattr(stored_cells, "_CODE_DIGEST", "another release")
    series_cells.clear_series_cells()
    reads[:] = []
    assert (await get_estimates(world, "by=agency")).status_code == 200
    assert reads == [(0, await _last())]

    # A database that refuses the write, or a stored set that cannot be read: the answer still comes.
    async def refused(*args: Any) -> None:
        raise RuntimeError("database is locked")

    monkeypatch.setattr(stored_cells, "save_stored", refused)
    monkeypatch.setattr(
        stored_cells, "decode_cells", lambda payload: (_ for _ in ()).throw(ValueError("bad"))
    )
    for query in ("by=channel", "by=agency"):
        series_cells.clear_series_cells()
        response = await get_estimates(world, query)
        assert response.status_code == 200 and response.json()["rows"] == 30

    # Small waves are read again rather than stored (the default threshold).
    monkeypatch.undo()
    await forget_stored_cells()
    series_cells.clear_series_cells()
    assert (await get_estimates(world, "by=agency")).status_code == 200
    assert await StoredCellSet.count() == 0


async def test_a_wave_keeps_only_its_latest_sets(
    world: World, reads: list[tuple[int, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stored_cells, "SETS_PER_WAVE", 2)
    await wave_with_frame(world, responses=30, frame=False)
    for query in ("by=agency", "by=channel", "by=item:D1"):
        assert (await get_estimates(world, query)).status_code == 200
    assert await StoredCellSet.count() == 2


async def test_warmed_sets_answer_every_first_request_without_a_whole_read(
    world: World, reads: list[tuple[int, int]]
) -> None:
    """`sipas db warm-cells` (survey_engine.results.cells_warming): after it, the first request of a new
    process for every column alone, and for the cross asked for, reads nothing; a set read whole more than
    a day ago is read whole again by the next warming."""
    await wave_with_frame(world, responses=60)
    done: list[tuple[str, ...]] = []
    warmed = await warm_cells("E1", [("field", "frame:sex")], done=lambda w: done.append(w.by))
    assert [w.by for w in warmed] == done
    assert done[:3] == [("agency",), ("channel",), ("field",)]
    assert ("frame:age_band",) in done and ("item:D1",) in done and done[-1] == ("field", "frame:sex")
    assert all(w.rows == warmed[0].rows > 0 and w.seconds >= 0 for w in warmed)
    series_cells.clear_series_cells()
    reads[:] = []
    for query in (
        "by=agency",
        "by=channel",
        "by=field",
        "by=frame:sex",
        "by=item:D1&by=agency",
        "by=field&by=frame:sex",
    ):
        assert (await get_estimates(world, query)).status_code == 200
    assert reads == []

    await StoredCellSet.update({StoredCellSet.read_at: datetime.now(UTC) - timedelta(days=2)}).where(
        StoredCellSet.columns == "cells\nservice_point\nagency\nchannel"
    )
    reads[:] = []
    await warm_cells("E1")
    assert reads == [(0, await _last())]  # only the old set, read whole; the others kept as they were
