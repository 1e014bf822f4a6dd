"""Cells of appended rows added to kept cells (survey_engine.results.kept_cells.merged) equal the cells of
all the rows read at once, and the data versions that allow reading only the appended rows."""

from __future__ import annotations

import random
from collections import defaultdict
from typing import Any

import numpy as np
import pytest

from survey_engine.answer_codes import DONT_KNOW_CHAR, criteria_layout
from survey_engine.questionnaire import get_template
from survey_engine.results.analysis_cells import GroupedCells, grouped_sums, groups_of
from survey_engine.results.kept_cells import KeptCells, kept_from_grouped, merged
from survey_engine.results.series_cells import DataVersion, appended_only

LAYOUT = criteria_layout(get_template("sipas-2017"))
GROUPS = groups_of(LAYOUT)
COLUMNS = ("service_point", "agency", "channel")


def random_rows(rng: random.Random, n: int, days: list[str]) -> list[tuple[int, str, str, str]]:
    """(point, day, channel, codes) rows; a point's agency is fixed (point // 10)."""
    alphabet = [*sorted({ch for c in LAYOUT.criteria for ch in c.scores}), DONT_KNOW_CHAR, " "]
    return [
        (
            rng.choice((11, 12, 21, 305)),
            rng.choice(days),
            rng.choice(("online", "kiosk", "")),
            "".join(rng.choice(alphabet) for _ in LAYOUT.codes),
        )
        for _ in range(n)
    ]


def grouped_rows(rows: list[tuple[int, str, str, str]]) -> GroupedCells:
    """What the database's GROUP BY returns: key columns (point, day, agency, channel), counts, codes."""
    cells: dict[tuple[Any, ...], list[str]] = defaultdict(list)
    for point, day, channel, codes in rows:
        cells[(point, day, point // 10, channel)].append(codes)
    keys = list(cells)
    rng = random.Random(len(keys))
    rng.shuffle(keys)  # the database promises no order
    return GroupedCells.from_rows([(*k, len(cells[k]), "".join(cells[k])) for k in keys], 4)


def _sorted(kept: KeptCells) -> dict[str, Any]:
    """Every array of the kept cells, cells in one canonical order (point, day, domains)."""
    order = sorted(
        range(kept.size),
        key=lambda i: (int(kept.points[i]), str(kept.days[i]), *(str(kept.domains[c][i]) for c in COLUMNS)),
    )
    return {
        "points": kept.points[order].tolist(),
        "days": kept.days[order].tolist(),
        "psu": kept.psu[order].tolist(),
        **{f"domain {c}": kept.domains[c][order].tolist() for c in COLUMNS},
        **{
            name: getattr(kept, name)[order].tolist()
            for name in ("top", "valid", "dont_know", "group_rows", "counts")
        },
    }


@pytest.mark.parametrize("seed", range(6))
def test_appended_cells_added_to_kept_ones_equal_one_read_of_every_row(seed: int) -> None:
    rng = random.Random(seed)
    early = [f"2026-02-{d:02d}" for d in range(1, 16, 2)]
    # Appended rows reach days already kept and a new day after them; with seeds 3-5 also new days between
    # and before them (a late paper copy keyed for an earlier day), so every later PSU's code shifts.
    later = [early[-1], "2026-02-16"] + (["2026-02-04", "2026-01-31"] if seed >= 3 else [])
    first, appended = random_rows(rng, 400, early), random_rows(rng, rng.choice((1, 7, 150)), later)
    base = kept_from_grouped(grouped_rows(first), COLUMNS, LAYOUT, GROUPS)
    added = kept_from_grouped(grouped_rows(appended), COLUMNS, LAYOUT, GROUPS)
    whole = kept_from_grouped(grouped_rows(first + appended), COLUMNS, LAYOUT, GROUPS)
    assert base is not None and added is not None and whole is not None
    result = merged(base, added, COLUMNS)
    assert result.size == whole.size
    assert _sorted(result) == _sorted(whole)
    assert not result.top.flags.writeable  # shared by requests, as every kept array


def test_merging_twice_equals_one_read() -> None:
    rng = random.Random(99)
    parts = [
        random_rows(rng, 200, ["2026-02-01", "2026-02-02"]),
        random_rows(rng, 30, ["2026-02-02", "2026-02-03"]),
    ]
    parts.append(random_rows(rng, 5, ["2026-02-03"]))
    kept = [kept_from_grouped(grouped_rows(p), COLUMNS, LAYOUT, GROUPS) for p in parts]
    assert all(k is not None for k in kept)
    result = merged(merged(kept[0], kept[1], COLUMNS), kept[2], COLUMNS)  # type: ignore[arg-type]
    whole = kept_from_grouped(grouped_rows([r for p in parts for r in p]), COLUMNS, LAYOUT, GROUPS)
    assert whole is not None and _sorted(result) == _sorted(whole)
    assert np.array_equal(np.sort(result.psu), np.sort(whole.psu))


def _version(**changes: Any) -> DataVersion:
    base = DataVersion("sqlite:x", "2026-01-01", "2026-01-02", 500, 120, 0, 40, "abc")
    return base._replace(**changes)


def test_only_a_later_last_response_with_nothing_else_changed_allows_reading_the_appended_rows() -> None:
    old = _version()
    assert appended_only(old, _version(last_response=510, recent_responses=130), frame=False)
    assert appended_only(old, _version(last_response=510, last_frame_unit=41), frame=False)
    refused = (
        _version(),  # nothing appended (a late commit changes only the recent count)
        _version(recent_responses=121),
        _version(last_response=499),
        _version(last_response=510, uncoded=1),  # the backfill wrote codes
        _version(last_response=510, excluded="def"),  # a weighting run
        _version(last_response=510, created="2026-02-01"),  # another wave of the same id
        _version(last_response=510, updated="2026-02-01"),  # the wave changed: a re-encoding of codes
        _version(last_response=510, database="sqlite:y"),
    )
    for new in refused:
        assert not appended_only(old, new, frame=False), new
    # A new frame unit may give older responses a field: not for the values that join the frame.
    assert not appended_only(old, _version(last_response=510, last_frame_unit=41), frame=True)
    assert appended_only(old, _version(last_response=510), frame=True)
    assert not appended_only(_version(last_response=None), _version(), frame=False)


@pytest.mark.parametrize("template", ["sipas-2017", "decree61-9", "ikm-9"])
def test_grouped_sums_count_every_cells_answers(template: str) -> None:
    """The vectorised per-cell sums against a plain count of each cell's answers, for top-box, scored
    choice and mean-score questionnaires (valid, "don't know", unanswered and unknown characters)."""
    layout = criteria_layout(get_template(template))
    groups = groups_of(layout)
    rng = random.Random(template)
    chars = sorted({ch for c in layout.criteria for ch in c.scores} | {DONT_KNOW_CHAR, ".", "~"})
    rows = [(rng.randrange(5), "".join(rng.choice(chars) for _ in layout.codes)) for _ in range(300)]
    cells: dict[int, list[str]] = defaultdict(list)
    for cell, codes in rows:
        cells[cell].append(codes)
    keys = sorted(cells)
    grouped = GroupedCells.from_rows([(k, "2026-02-01", len(cells[k]), "".join(cells[k])) for k in keys], 2)
    top, valid, dont_know, group_rows = grouped_sums(grouped, layout, groups)
    members = [[layout.codes.index(c) for c in m] for m in groups.values()] + [list(range(len(layout.codes)))]
    for i, k in enumerate(keys):
        for j, criterion in enumerate(layout.criteria):
            answers = [codes[j] for codes in cells[k]]
            assert top[i, j] == sum(criterion.scores.get(a, 0) for a in answers)
            assert valid[i, j] == sum(a in criterion.scores for a in answers)
            assert dont_know[i, j] == sum(a == DONT_KNOW_CHAR and a not in criterion.scores for a in answers)
        for g, cols in enumerate(members):
            expected = sum(any(codes[j] in layout.criteria[j].scores for j in cols) for codes in cells[k])
            assert group_rows[i, g] == expected
