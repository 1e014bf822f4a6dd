"""The server's background upkeep of cell sums (survey_engine.results.cells_upkeep, api/cells_upkeep.py):
a round stores every missing set of a large wave so that a new process's first requests read nothing,
has nothing to do when all are stored and recent, re-reads only an old set, and does not retry a set it
could not store. One process of a host runs a round at a time. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from api.cells_upkeep import held, run_cells_upkeep
from survey_engine.results import series_cells, stored_cells
from survey_engine.results.analysis import wave_of
from survey_engine.results.cells_upkeep import CellsUpkeep, large_waves, stored_crosses
from survey_engine.results.cells_warming import domain_sets
from survey_engine.tables import StoredCellSet, Submission
from tests.api.conftest import World
from tests.api.test_estimates_domains import get_estimates, wave_with_frame
from tests.api.test_estimates_stored_cells import reads  # noqa: F401  (fixture)

FIRST_REQUESTS = ("by=agency", "by=channel", "by=field", "by=frame:age_band", "by=item:D1&by=agency")


async def _last() -> int:
    return max(r["id"] for r in await Submission.select(Submission.id))


async def _complete() -> int:
    return await Submission.count().where(Submission.complete == True)  # noqa: E712


async def test_a_round_stores_every_missing_set_then_has_nothing_to_do(
    world: World,
    reads: list[tuple[int, int]],  # noqa: F811
) -> None:
    await wave_with_frame(world, responses=60)
    complete = await _complete()
    assert await CellsUpkeep(min_responses=complete + 1).run_round() == []  # a small wave: left alone
    assert reads == [] and await large_waves(complete) == ["E1"]

    done = await CellsUpkeep(min_responses=complete).run_round()
    expected = await domain_sets(await wave_of("E1"))
    assert [by for _, by in [(w, s.by) for w, s in done]] == expected
    assert all(code == "E1" and warmed.rows > 0 for code, warmed in done)
    assert reads == [(0, await _last())] * len(expected)

    series_cells.clear_series_cells()  # a new server process: its first requests read nothing
    reads[:] = []
    for query in FIRST_REQUESTS:
        assert (await get_estimates(world, query)).status_code == 200
    assert reads == []
    assert await CellsUpkeep(min_responses=complete).run_round() == []  # all stored and recent
    assert reads == []


async def test_an_old_set_is_read_whole_again_and_nothing_else(
    world: World,
    reads: list[tuple[int, int]],  # noqa: F811
) -> None:
    await wave_with_frame(world, responses=45)
    complete = await _complete()
    upkeep = CellsUpkeep(min_responses=complete)
    await upkeep.run_round()
    await StoredCellSet.update({StoredCellSet.read_at: datetime.now(UTC) - timedelta(days=2)}).where(
        StoredCellSet.columns == "cells\nservice_point\nagency\nchannel"
    )
    reads[:] = []
    # this process still holds the old set in memory: the round forgets it, or it would only be extended
    done = await CellsUpkeep(min_responses=complete).run_round()
    assert [warmed.by for _, warmed in done] == [("channel",)]
    assert reads == [(0, await _last())]
    rows = await StoredCellSet.select(StoredCellSet.read_at).where(
        StoredCellSet.columns == "cells\nservice_point\nagency\nchannel"
    )
    read_at = rows[0]["read_at"]
    read_at = datetime.fromisoformat(read_at) if isinstance(read_at, str) else read_at
    assert datetime.now(UTC) - read_at.replace(tzinfo=read_at.tzinfo or UTC) < timedelta(minutes=5)


async def test_a_set_that_cannot_be_stored_is_not_read_again_every_round(
    world: World,
    reads: list[tuple[int, int]],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await wave_with_frame(world, responses=45)

    async def refuse(*_: Any) -> None:
        raise OSError("read-only database")

    monkeypatch.setattr(stored_cells, "save_stored", refuse)
    upkeep = CellsUpkeep(min_responses=await _complete())
    with caplog.at_level(logging.WARNING, logger="sipas.cells"):
        first = await upkeep.run_round()
    assert first and await StoredCellSet.count() == 0
    assert any("not stored" in r.getMessage() for r in caplog.records)
    series_cells.clear_series_cells()
    reads[:] = []
    assert await upkeep.run_round() == [] and reads == []  # tried within the day: not again
    stopped = await CellsUpkeep(min_responses=await _complete()).run_round(lambda: False)
    assert stopped == [] and reads == []  # a stopping server ends the round before any read


def test_one_process_of_a_host_holds_the_round(tmp_path: Path) -> None:
    lock = tmp_path / "data" / "cells-upkeep.lock"
    with held(lock) as first, held(lock) as second:
        assert (first, second) == (True, False)
    with held(lock) as again:
        assert again


async def test_the_server_task_runs_rounds_until_stopped(tmp_path: Path) -> None:
    rounds: list[bool] = []

    class Counting(CellsUpkeep):
        async def run_round(self, keep_going: Any = lambda: True) -> list[Any]:
            rounds.append(keep_going())
            if len(rounds) == 2:
                raise RuntimeError("database away")  # logged; the next round still comes
            return []

    stop = asyncio.Event()
    task = asyncio.create_task(run_cells_upkeep(stop, 0.01, tmp_path / "lock", Counting(), first=0.0))
    for _ in range(500):
        if len(rounds) >= 4:
            break
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(task, timeout=5)
    assert len(rounds) >= 4 and all(rounds[:3])
    blocked = asyncio.Event()
    with held(tmp_path / "lock"):  # another worker holds the round: this one skips it
        before = len(rounds)
        task = asyncio.create_task(run_cells_upkeep(blocked, 0.01, tmp_path / "lock", Counting(), first=0.0))
        await asyncio.sleep(0.1)
        blocked.set()
        await asyncio.wait_for(task, timeout=5)
    assert len(rounds) == before


def test_the_interval_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from api.settings import Settings, SettingsError

    monkeypatch.setenv("SIPAS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("SIPAS_CELLS_UPKEEP_SECONDS", raising=False)
    assert Settings.from_env().cells_upkeep_seconds == 60
    monkeypatch.setenv("SIPAS_CELLS_UPKEEP_SECONDS", "0")
    assert Settings.from_env().cells_upkeep_seconds == 0
    for bad in ("-5", "often", "10", "90000"):
        monkeypatch.setenv("SIPAS_CELLS_UPKEEP_SECONDS", bad)
        with pytest.raises(SettingsError, match="SIPAS_CELLS_UPKEEP_SECONDS"):
            Settings.from_env()


async def test_a_requested_cross_is_kept_as_fresh_as_the_columns_alone(
    world: World,
    reads: list[tuple[int, int]],  # noqa: F811
) -> None:
    await wave_with_frame(world, responses=45)
    complete = await _complete()
    await CellsUpkeep(min_responses=complete).run_round()
    assert (await get_estimates(world, "by=field&by=frame:sex&by=agency")).status_code == 200
    assert await stored_crosses(await wave_of("E1")) == [("field", "frame:sex")]
    await StoredCellSet.update({StoredCellSet.read_at: datetime.now(UTC) - timedelta(days=2)}).where(
        StoredCellSet.columns == "cells\nservice_point\nagency\nfield\nframe:sex"
    )
    reads[:] = []
    done = await CellsUpkeep(min_responses=complete).run_round()
    assert [warmed.by for _, warmed in done] == [("field", "frame:sex")]
    assert reads == [(0, await _last())]
