"""Kept cells and channel counts written as bytes for the database (survey_engine.results.stored_cells) read
back equal: every array with its type, domain labels of mixed kinds (None, text, integers), a service point
column holding None, and no cells at all."""

from __future__ import annotations

import random

import numpy as np
import pytest

from survey_engine.results.kept_cells import KeptCells, kept_from_grouped
from survey_engine.results.series_channels import AgencyChannelCount
from survey_engine.results.stored_cells import decode_cells, decode_channels, encode_cells, encode_channels
from tests.survey_engine.test_kept_cells_merge import GROUPS, LAYOUT, grouped_rows, random_rows

COLUMNS = ("service_point", "agency", "channel")


def _same(a: KeptCells, b: KeptCells) -> None:
    assert list(a.domains) == list(b.domains)
    for column in a.domains:
        assert b.domains[column].dtype == object
        assert a.domains[column].tolist() == b.domains[column].tolist()
        assert [type(v) for v in a.domains[column].tolist()] == [type(v) for v in b.domains[column].tolist()]
    for name in ("points", "days", "psu", "top", "valid", "dont_know", "group_rows", "counts"):
        left, right = getattr(a, name), getattr(b, name)
        assert left.dtype == right.dtype, name
        assert left.shape == right.shape, name
        np.testing.assert_array_equal(left, right, err_msg=name)
        assert not right.flags.writeable, name


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kept_cells_read_back_equal(seed: int) -> None:
    rng = random.Random(seed)
    grouped = grouped_rows(random_rows(rng, 400, ["2026-02-01", "2026-02-03", "2026-03-10"]))
    kept = kept_from_grouped(grouped, COLUMNS, LAYOUT, GROUPS)
    assert kept is not None
    _same(kept, decode_cells(encode_cells(kept)))


def test_labels_of_mixed_kinds_and_a_point_without_id_read_back_equal() -> None:
    rng = random.Random(9)
    grouped = grouped_rows(random_rows(rng, 200, ["2026-02-01", "2026-02-02"]))
    kept = kept_from_grouped(grouped, COLUMNS, LAYOUT, GROUPS)
    assert kept is not None
    n = kept.size
    channel = np.empty(n, dtype=object)
    channel[:] = [(None, "kiosk", 3, "3", "Đất đai")[i % 5] for i in range(n)]
    points = np.empty(n, dtype=object)
    points[:] = [None if i % 4 == 0 else int(p) for i, p in enumerate(kept.points.tolist())]
    odd = KeptCells(
        domains={**kept.domains, "channel": channel},
        points=points,
        days=kept.days,
        psu=kept.psu,
        top=kept.top,
        valid=kept.valid,
        dont_know=kept.dont_know,
        group_rows=kept.group_rows,
        counts=kept.counts,
    )
    back = decode_cells(encode_cells(odd))
    _same(odd, back)
    assert back.domains["channel"][:5].tolist() == [None, "kiosk", 3, "3", "Đất đai"]


def test_channel_counts_read_back_equal() -> None:
    counts = [AgencyChannelCount(3, "online", 12), AgencyChannelCount(4, "paper", 1)]
    assert decode_channels(encode_channels(counts)) == counts
    assert decode_channels(encode_channels([])) == []
