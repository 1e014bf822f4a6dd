"""Responses appended after a wave's cells were kept: the next request reads only them and adds their cells
to the kept ones (survey_engine.results.series_cells), with the same numbers as a whole read; anything else
that changed, or a response committed late below the ids already read, makes it read the wave again. On
SQLite and PostgreSQL. (Cells stored in the database, read by a process that kept none:
test_estimates_stored_cells.)"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from survey_engine.questionnaire import get_template
from survey_engine.results import series_cells, stored_cells
from survey_engine.results.stored_cells import forget_stored_cells
from survey_engine.tables import Agency, ServicePoint, Submission
from tests.api.conftest import World
from tests.api.test_estimates_domains import (
    check_estimates,
    direct_estimates,
    get_estimates,
    simulate,
    stored_rows,
    wave_with_frame,
)

QUERIES = (
    ("by=agency&by=field", ("agency", "field")),
    ("by=channel", ("channel",)),
    ("by=item:D1&by=agency", ("item:D1", "agency")),
)


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[int, int]]]:
    """The id ranges (after, up to) of every read of a wave's cells."""
    seen: list[tuple[int, int]] = []
    real = series_cells.read_grouped

    async def spy(*args: Any) -> Any:
        seen.append(args[-1])
        return await real(*args)

    monkeypatch.setattr(series_cells, "read_grouped", spy)
    series_cells.clear_series_cells()
    yield seen
    series_cells.clear_series_cells()


async def append_responses(
    world: World, count: int, seed: int, days: tuple[str, ...], mood: float = 0.6
) -> None:
    """``count`` online responses to wave E1 without dossiers, on ``days`` (kept PSUs and new ones)."""
    tokens = [
        r["public_token"]
        for r in await ServicePoint.select(ServicePoint.public_token).order_by(ServicePoint.code)
    ]
    q = get_template("sipas-2017")
    rng = random.Random(seed)

    async def post(i: int) -> None:
        body = {
            "id": str(uuid.uuid4()),
            "token": tokens[i % 2],
            "answers": simulate(q, rng, mood),
            "channel": "online",
            "submitted_at": f"{rng.choice(days)}T10:00:00+00:00",
        }
        response = await world.client.post("/api/v1/submissions", json=body)
        assert response.status_code == 201, response.text

    await asyncio.gather(*(post(i) for i in range(count)))


def _numbers(body: dict[str, Any]) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    return {
        (i.get("criterion") or i["index"], tuple(sorted(i["domain"].items()))): (
            i["estimate"],
            i["se"],
            i["n"],
            i["df"],
        )
        for i in (*body["criteria"], *body["indices"])
    }


def _same(appended: dict[str, Any], whole: dict[str, Any]) -> None:
    """The answer from kept plus appended cells equals a whole read's, up to the order of float sums."""
    a, w = _numbers(appended), _numbers(whole)
    assert a.keys() == w.keys()
    for key, (estimate, se, n, df) in a.items():
        assert (estimate, se) == pytest.approx(w[key][:2], rel=1e-12, abs=1e-15), key
        assert (n, df) == w[key][2:], key
    for name in ("rows", "channels", "by"):
        assert appended[name] == whole[name], name


async def test_appended_responses_are_read_alone_and_give_the_numbers_of_a_whole_read(
    world: World, reads: list[tuple[int, int]]
) -> None:
    await wave_with_frame(world, responses=120)
    for query, _ in QUERIES:
        assert (await get_estimates(world, query)).status_code == 200
    last = max(r["id"] for r in await Submission.select(Submission.id))
    assert reads == [(0, last)] * len(QUERIES)  # whole reads, each up to the last response

    for round_, days in enumerate((("2026-02-03", "2026-02-20"), ("2026-02-21", "2026-02-10", "2026-01-30"))):
        await append_responses(world, 30 + 7 * round_, seed=round_, days=days)
        before, reads[:] = last, []
        last = max(r["id"] for r in await Submission.select(Submission.id))
        answers = {}
        for query, _ in QUERIES:
            response = await get_estimates(world, query)
            assert response.status_code == 200, response.text
            answers[query] = response.json()
        assert reads == [(before, last)] * len(QUERIES)  # only the appended responses were read
        assert series_cells.kept_cell_sets() == len(QUERIES)  # each superseded set was dropped

        rows, frame = await stored_rows()
        series_cells.clear_series_cells()
        await forget_stored_cells()  # a whole read to compare with
        for query, by in QUERIES:
            whole = (await get_estimates(world, query)).json()
            assert reads[-1] == (0, last)
            _same(answers[query], whole)
            check_estimates(answers[query], direct_estimates(rows, frame, by))


async def test_a_late_commit_below_the_ids_read_makes_the_next_request_read_the_wave(
    world: World, reads: list[tuple[int, int]]
) -> None:
    """A response taken out before the first answer and put back, with its own smaller id, together with new
    responses: reading only the ids after the kept ones would miss it."""
    await wave_with_frame(world, responses=60, frame=False)
    ids = sorted(r["id"] for r in await Submission.select(Submission.id))
    late = await Submission.select().where(Submission.id == ids[-3]).first()
    await Submission.delete().where(Submission.id == ids[-3])
    before = (await get_estimates(world, "by=agency")).json()
    await Submission.insert(Submission(**late))
    await append_responses(world, 10, seed=7, days=("2026-02-05",))
    reads[:] = []
    after = (await get_estimates(world, "by=agency")).json()
    assert reads and reads[-1][0] == 0  # the whole wave again (after the appended rows, read meanwhile)
    assert after["rows"] == before["rows"] + 11 == 70
    assert sum(c["responses"] for c in after["channels"]) == 70


async def test_an_expired_entry_is_checked_against_the_stored_set_and_the_wave_read_when_that_is_old(
    world: World, reads: list[tuple[int, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stored_cells, "STORE_MIN_RESPONSES", 0)  # this small wave's sets are stored too
    await wave_with_frame(world, responses=40, frame=False)
    assert (await get_estimates(world, "by=agency")).status_code == 200
    first_last = reads[0][1]
    # Older than the time limit in memory: the set stored in the database is checked (its counts) and
    # extended by the appended responses only.
    monkeypatch.setattr(series_cells, "KEPT_SECONDS", 0.0)
    monkeypatch.setattr(series_cells, "KEPT_SECONDS_POSTGRES", 0.0)
    await append_responses(world, 5, seed=3, days=("2026-02-02",))
    reads[:] = []
    assert (await get_estimates(world, "by=agency")).json()["rows"] == 45
    assert reads == [(first_last, reads[0][1])]
    # The stored set older than its own limit too: what no data version sees is read again, whole.
    monkeypatch.setattr(stored_cells, "STORED_SECONDS", 0.0)
    await append_responses(world, 5, seed=4, days=("2026-02-02",))
    reads[:] = []
    assert (await get_estimates(world, "by=agency")).json()["rows"] == 50
    assert reads == [(0, reads[0][1])]


async def test_a_renamed_agency_code_is_named_at_once_in_kept_counts(
    world: World, reads: list[tuple[int, int]]
) -> None:
    """The kept channel counts hold agency ids: an agency user's channels (its own agency's counts, found
    by its code) stay right after the code changes, with nothing read again."""
    await wave_with_frame(world, responses=40, frame=False)
    before = (await get_estimates(world, "", role="agency")).json()
    assert sum(c["responses"] for c in before["channels"]) == 20  # A1's half of the 40
    await Agency.update({Agency.code: "A9"}).where(Agency.code == "A1")
    reads[:] = []
    after = (await get_estimates(world, "", role="agency")).json()
    assert reads == []  # the kept cells and counts answered
    assert after["channels"] == before["channels"]
    assert {i["domain"]["agency"] for i in after["indices"]} == {"A9"}
