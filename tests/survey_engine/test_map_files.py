"""The map CSV files on their own (no database): rounded shares, blank lines, BOM-free headers, refusals."""

from __future__ import annotations

import pytest

from survey_engine.administration.map_files import parse_successions, parse_units
from survey_engine.errors import InvalidInput

HEADER = "predecessor_version,predecessor_code,successor_version,successor_code,population_share"


def test_rounded_shares_within_the_tolerance_are_accepted() -> None:
    rows = parse_successions([HEADER, "a,S,b,T1,0.333", "a,S,b,T2,0.333", "", "a,S,b,T3,0.336"])
    assert [(r.line, r.successor_code, r.population_share) for r in rows] == [
        (2, "T1", 0.333),
        (3, "T2", 0.333),
        (5, "T3", 0.336),
    ]


def test_shares_into_two_later_versions_are_summed_apart() -> None:
    rows = parse_successions([HEADER, "a,S,b,T,1", "a,S,c,U1,0.5", "a,S,c,U2,0.5"])
    assert len(rows) == 3
    with pytest.raises(
        InvalidInput, match=r"^line 3: the shares of S \(a\) into version c sum to 0.5, not 1$"
    ):
        parse_successions([HEADER, "a,S,b,T,1", "a,S,c,U1,0.5"])


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([], "line 1: the file is empty"),
        ([HEADER], "line 1: no succession in the file"),
        ([HEADER, "a,S,b,T"], "line 2: 4 fields, the header has 5"),
        ([HEADER, "a,S,b,T,0"], "line 2: population_share must be more than 0"),
        (
            [HEADER, "a,S S,b,T,1"],
            "line 2: predecessor_code 'S S' must be at most 32 characters without spaces",
        ),
        ([HEADER.replace(",population_share", ""), "a,S,b,T"], "line 1: missing column 'population_share'"),
    ],
)
def test_bad_succession_files(lines: list[str], message: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_successions(lines)
    assert refused.value.detail.startswith(message), refused.value.detail


def test_units_with_optional_columns_left_out() -> None:
    (unit,) = parse_units(
        ["code,unit_version,level,name_vi,valid_from", "HN,2025-07,province,Hà Nội,2025-07-01"]
    )
    assert (unit.code, unit.name_en, unit.parent_code, unit.valid_to, unit.population) == (
        "HN",
        "",
        None,
        None,
        None,
    )
    with pytest.raises(InvalidInput, match=r"^line 2: a commune needs its parent_code$"):
        parse_units(["code,unit_version,level,name_vi,valid_from", "X,2025-07,commune,Xã X,2025-07-01"])
