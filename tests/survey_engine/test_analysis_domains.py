"""Pure helpers of the database estimates: domain labels, SQL of the domain columns, when a stored
calibration can change a variance."""

from __future__ import annotations

import numpy as np
import pytest

from survey_engine.results.analysis import probability_domains
from survey_engine.results.analysis_cells import (
    GroupedCells,
    calibration_changes_variance,
    domain_levels,
    psu_codes,
)
from survey_engine.results.analysis_domains import UNKNOWN, check_by, domain_level
from survey_engine.results.analysis_sql import pg_cell_query, sqlite_cell_query


def test_levels_and_unknown() -> None:
    assert [domain_level(v) for v in (None, "", "MALE", 3)] == [UNKNOWN, UNKNOWN, "MALE", "3"]


async def test_item_domains_of_the_probability_series_need_no_frame() -> None:
    records = [{"answers": {"D1": "MALE"}, "dossier_hash": "h1"}, {"answers": {}, "dossier_hash": "h2"}]
    domains = await probability_domains(1, ("item:D1",), records)
    assert list(domains["item:D1"]) == ["MALE", UNKNOWN]


def test_default_domains_keep_the_original_sql_and_frame_columns_join_the_frame() -> None:
    for query in (sqlite_cell_query(("agency",)), pg_cell_query(("agency",))):
        assert "JOIN" not in query and "submission." not in query and "answers" not in query
    sqlite = sqlite_cell_query(("agency", "field", "frame:sex", "item:D1"))
    assert "LEFT JOIN frame_unit fu" in sqlite and "json_extract(fu.demographics, '$.sex')" in sqlite
    assert "json_extract(submission.answers, '$.D1')" in sqlite
    pg = pg_cell_query(("item:A3",))
    assert "JOIN" not in pg and "(answers ->> 'A3')" in pg


@pytest.mark.parametrize(
    ("by", "problems"),
    [(("agency", "field", "frame:age_band", "item:X1"), 0), (("frame:shoe",), 1), (("planet",), 1), ((), 1)],
)
def test_check_by(by: tuple[str, ...], problems: int) -> None:
    assert len(check_by(by)) == problems


def test_when_a_stored_calibration_can_change_a_variance() -> None:
    strata = ["A", "A", "B", "B"]
    assert not calibration_changes_variance(strata, [2.0, 2.0, 3.0, 3.0], [("a",), ("a",), ("b",), ("b",)])
    # one calibration cell over two strata is still a union of strata
    assert not calibration_changes_variance(strata, [2.0, 2.0, 3.0, 3.0], [("x",)] * 4)
    # a calibration cell that cuts a stratum, weights that vary in a stratum, a lonely stratum
    assert calibration_changes_variance(strata, [2.0, 2.0, 3.0, 3.0], [("a",), ("b",), ("b",), ("b",)])
    assert calibration_changes_variance(strata, [2.0, 2.5, 3.0, 3.0], [("x",)] * 4)
    assert calibration_changes_variance(["A", "A", "B"], [2.0, 2.0, 3.0], [("x",)] * 3)


def testpsu_codes_follow_the_order_of_the_psu_labels() -> None:
    # Ids of several digits ("12:" sorts before "1:"), a missing point and repeated cells of one PSU.
    points = [12, 1, 3, None, 1, 12, 100, 3]
    days = [
        "2026-02-01",
        "2026-01-31",
        "2026-01-01",
        "2026-01-05",
        "2026-01-31",
        "2026-01-01",
        "2026-03-01",
        "2026-01-02",
    ]
    labels = np.array([f"{p}:{d}" for p, d in zip(points, days, strict=True)])
    expected = np.unique(labels, return_inverse=True)[1].reshape(-1)
    assert psu_codes(points, days).tolist() == expected.tolist()
    assert psu_codes([5, 40, 5], ["2026-01-01"] * 3).tolist() == [1, 0, 1]


def test_grouped_cells_from_rows_and_domain_levels() -> None:
    grouped = GroupedCells.from_rows([(7, "2026-01-01", None, 2, "ab"), (7, "2026-01-02", "web", 1, "c")], 3)
    assert grouped.size == 2 and grouped.codes == "abc" and grouped.counts.tolist() == [2, 1]
    assert domain_levels(grouped.keys[2]).tolist() == [UNKNOWN, "web"]
    assert domain_levels([3, 1, 3]).tolist() == ["3", "1", "3"]
    assert GroupedCells.from_rows([], 3).size == 0
